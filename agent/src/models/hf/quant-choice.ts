/**
 * Chooses the files of one model in a repo's file list: the GGUF of the wanted quantization (default
 * `Q4_K_M`, else the nearest in llama.cpp's quality order), every part of a split GGUF
 * (`-00001-of-0000N`), and the vision projector (`mmproj*.gguf`). The choice comes with a sentence
 * saying why. Pure.
 */
import { findNearestQuantType, GGMLFileQuantizationType, parseGGUFQuantLabel, parseGgufShardFilename } from '@huggingface/gguf'

/** Quantization pulled when none is named. */
export const DEFAULT_QUANT = 'Q4_K_M'

/** A file of the repo listing (the tree API's `path`, `size`, `lfs.oid`). */
export interface RepoFile {
  path: string
  size: number
  /** SHA-256 of an LFS file (hex); absent for small git files. */
  sha256?: string
}

export interface FileChoice {
  /** Model id: the file name without `.gguf` and without the shard suffix. */
  modelId: string
  /** The GGUF parts, in order (one for an unsplit model). */
  files: RepoFile[]
  mmproj: RepoFile | null
  /** Quantization of the chosen files (`unknown` when the name does not say). */
  quant: string
  /** Why these files, for the user. */
  reason: string
}

const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1)
const isMmproj = (p: string): boolean => /(^|\/)[^/]*mmproj[^/]*\.gguf$/i.test(p)
const quantEnum = GGMLFileQuantizationType as unknown as Record<string, number | undefined>

/** Model id of a GGUF path: `dir/Model-Q4_K_M-00001-of-00002.gguf` → `Model-Q4_K_M`. */
export function modelIdOfFile(path: string): string {
  const shard = parseGgufShardFilename(base(path))
  return (shard ? shard.prefix : base(path)).replace(/\.gguf$/i, '')
}

/** The parts of the model whose (first) file is `first`, from the listing, in order. */
function partsOf(first: RepoFile, all: RepoFile[]): RepoFile[] {
  const shard = parseGgufShardFilename(first.path)
  if (!shard) return [first]
  const parts = all.filter((f) => {
    const s = parseGgufShardFilename(f.path)
    return s !== null && s.prefix === shard.prefix && s.total === shard.total
  })
  return parts.sort((a, b) => a.path.localeCompare(b.path))
}

/** The projector to pull with a model: the one whose name shares its quantization, else F16, else any. */
function projectorFor(all: RepoFile[], quant: string): RepoFile | null {
  const mm = all.filter((f) => isMmproj(f.path))
  return mm.find((f) => parseGGUFQuantLabel(base(f.path)) === quant) ?? mm.find((f) => /f16/i.test(base(f.path))) ?? mm[0] ?? null
}

/**
 * Picks the model's files. `file`: the user named one (must exist). Else `quant` (default
 * DEFAULT_QUANT): an exact match, else the nearest available quantization. Returns a message when the
 * repo has no usable GGUF.
 */
export function chooseFiles(repo: string, listing: RepoFile[], want: { file?: string; quant?: string }): FileChoice | { error: string } {
  const ggufs = listing.filter((f) => f.path.toLowerCase().endsWith('.gguf') && !isMmproj(f.path))
  const firsts = ggufs.filter((f) => {
    const s = parseGgufShardFilename(f.path)
    return !s || Number(s.shard) === 1
  })
  const done = (first: RepoFile, reason: string): FileChoice => {
    const quant = parseGGUFQuantLabel(base(first.path)) ?? 'unknown'
    return { modelId: modelIdOfFile(first.path), files: partsOf(first, ggufs), mmproj: projectorFor(listing, quant), quant, reason }
  }
  if (want.file) {
    const f = ggufs.find((x) => x.path === want.file)
    if (!f) return { error: `${repo} has no file '${want.file}'` }
    const s = parseGgufShardFilename(f.path)
    const first = s && Number(s.shard) !== 1 ? firsts.find((x) => partsOf(x, ggufs).includes(f)) : f
    return done(first ?? f, `the file you named${s ? ` (part of a ${Number(s.total)}-part model: every part is pulled)` : ''}`)
  }
  if (firsts.length === 0) return { error: `${repo} has no GGUF file (llmlb serves GGUF models; look for a -GGUF repo)` }
  const wanted = (want.quant ?? DEFAULT_QUANT).toUpperCase()
  const byQuant = new Map<string, RepoFile>()
  for (const f of firsts) {
    const q = parseGGUFQuantLabel(base(f.path))
    if (q && !byQuant.has(q.toUpperCase())) byQuant.set(q.toUpperCase(), f)
  }
  const exact = byQuant.get(wanted)
  const label = want.quant ? wanted : `${wanted} (the default)`
  // the choice reads "<quant>: <reason>", so an exact match names no quantization twice
  if (exact) return done(exact, want.quant ? 'as asked' : 'the default')
  const offered = [...byQuant.keys()]
  const target = quantEnum[wanted]
  const known = offered.filter((q) => quantEnum[q] !== undefined)
  if (target !== undefined && known.length > 0) {
    const nearest = findNearestQuantType(target as never, known.map((q) => quantEnum[q]) as never[]) as unknown as number | undefined
    const name = known.find((q) => quantEnum[q] === nearest)
    const f = name ? byQuant.get(name) : undefined
    if (f && name) return done(f, `${label} is not offered (${offered.join(', ')}); ${name} is the nearest in llama.cpp's quality order`)
  }
  if (firsts.length === 1 && firsts[0]) return done(firsts[0], `${label} is not offered; the repo has only this GGUF`)
  return { error: `${repo} has no ${wanted} file; it offers ${offered.length > 0 ? offered.join(', ') : firsts.map((f) => f.path).join(', ')}: name one with :QUANT or the file` }
}
