/**
 * The supported-model catalog: short names for Hugging Face GGUF repos, with capabilities and notes.
 * Built-in entries ship with llmlb; `<data-dir>/catalog.json` (an array of entries) adds or replaces
 * some on one node; the admin API (`PUT/DELETE /api/catalog/:id`) adds them cluster-wide through the
 * replicated control plane (`setting/catalog.<id>`). Later sources win. `llmlb models pull <name>` and
 * a request for `<name>` resolve through it.
 */
import { z } from 'zod'

/** Architecture spellings the original llmlb used, mapped to llama.cpp's (applied to names first). */
export const ARCHITECTURE_ALIASES: Readonly<Record<string, string>> = { gptoss: 'gpt-oss', qwen2_5: 'qwen2.5', llama3_2: 'llama-3.2' }

export const CatalogEntrySchema = z
  .object({
    /** Lower-case name, e.g. `qwen2.5-7b-instruct`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,95}$/),
    /** `org/repo` on the hub. */
    repo: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/),
    /** Quantization pulled when none is named. */
    defaultQuant: z.string().max(32).default('Q4_K_M'),
    /** File per quantization when the repo's names do not say it (else the tree is searched). */
    files: z.record(z.string(), z.string()).default({}),
    /**
     * Lower-case start of the GGUF file names in the repo, before the quantization
     * (`qwen2.5-7b-instruct` for `qwen2.5-7b-instruct-q4_k_m.gguf`): how a request for the name finds
     * the pulled model. @default the id
     */
    fileStem: z.string().max(128).optional(),
    capabilities: z.array(z.enum(['chat', 'completion', 'embeddings', 'tools', 'vision'])).default(['chat', 'completion']),
    /** Other names for the same entry. */
    aliases: z.array(z.string().max(96)).max(16).default([]),
    notes: z.string().max(1024).default('')
  })
  .strict()
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>
export type CatalogEntryInput = z.input<typeof CatalogEntrySchema>

/** Entries that ship with llmlb: widely used GGUF repos with the usual quantizations. */
export const BUILTIN_CATALOG: readonly CatalogEntryInput[] = [
  { id: 'qwen2.5-0.5b-instruct', repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF', capabilities: ['chat', 'completion', 'tools'], notes: 'tiny, fast; good for testing a cluster' },
  { id: 'qwen2.5-7b-instruct', repo: 'Qwen/Qwen2.5-7B-Instruct-GGUF', capabilities: ['chat', 'completion', 'tools'], aliases: ['qwen2.5'], notes: 'split GGUF in the official repo' },
  { id: 'llama-3.2-3b-instruct', repo: 'bartowski/Llama-3.2-3B-Instruct-GGUF', fileStem: 'llama-3.2-3b-instruct', capabilities: ['chat', 'completion', 'tools'] },
  { id: 'llama-3.1-8b-instruct', repo: 'bartowski/Meta-Llama-3.1-8B-Instruct-GGUF', fileStem: 'meta-llama-3.1-8b-instruct', capabilities: ['chat', 'completion', 'tools'], notes: 'gated upstream; this mirror is not' },
  { id: 'gpt-oss-20b', repo: 'ggml-org/gpt-oss-20b-GGUF', defaultQuant: 'MXFP4', fileStem: 'gpt-oss-20b', capabilities: ['chat', 'completion', 'tools'], notes: 'MXFP4 only' },
  { id: 'gemma-3-4b-it', repo: 'ggml-org/gemma-3-4b-it-GGUF', capabilities: ['chat', 'completion', 'vision'], notes: 'the projector is pulled with it: images are served by the multimodal runtime child (specs/vision.md)' },
  { id: 'nomic-embed-text-v1.5', repo: 'nomic-ai/nomic-embed-text-v1.5-GGUF', defaultQuant: 'Q8_0', capabilities: ['embeddings'], aliases: ['nomic-embed-text'] }
]

/** Lower case with the architecture aliases applied: `GPTOSS-20B` → `gpt-oss-20b`. */
export function normalizeName(name: string): string {
  let n = name.trim().toLowerCase()
  for (const [from, to] of Object.entries(ARCHITECTURE_ALIASES)) if (n.startsWith(from)) n = to + n.slice(from.length)
  return n
}

/** Catalog sources, merged by id (later wins). */
export class Catalog {
  constructor(private readonly sources: (() => CatalogEntry[])[]) {}

  /** Every entry. */
  list(): CatalogEntry[] {
    const byId = new Map<string, CatalogEntry>()
    for (const src of this.sources) for (const e of src()) byId.set(e.id, e)
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id))
  }

  /** The entry named `name` (its id or an alias, case-insensitive, architecture aliases applied). */
  find(name: string): CatalogEntry | undefined {
    const n = normalizeName(name)
    const all = this.list()
    return all.find((e) => e.id === n) ?? all.find((e) => e.aliases.some((a) => normalizeName(a) === n))
  }

  /** The pull source of an entry: `repo:quant` (or `repo/file` when the entry names the file). */
  static sourceOf(e: CatalogEntry, quant?: string): string {
    const q = (quant ?? e.defaultQuant).toUpperCase()
    const file = e.files[q]
    return file ? `${e.repo}/${file}` : `${e.repo}:${q}`
  }

  /**
   * The model id a request for `name` means among `ids` (the cluster's models): an entry's pulled
   * file is `<fileStem>-<quant>` (any case); `preferred` ids (loaded ones) win. Undefined: no match.
   */
  static modelFor(e: CatalogEntry, ids: string[], preferred: (id: string) => boolean = () => false): string | undefined {
    const stem = (e.fileStem ?? e.id).toLowerCase()
    const matches = ids.filter((id) => id.toLowerCase() === stem || id.toLowerCase().startsWith(`${stem}-`))
    return matches.find(preferred) ?? matches.find((id) => id.toLowerCase().endsWith(`-${e.defaultQuant.toLowerCase()}`)) ?? matches[0]
  }
}

/** Parses a list of entries (a file, the settings); invalid entries are returned apart. */
export function parseEntries(values: unknown[]): { entries: CatalogEntry[]; invalid: { index: number; issue: string }[] } {
  const entries: CatalogEntry[] = []
  const invalid: { index: number; issue: string }[] = []
  values.forEach((v, index) => {
    const r = CatalogEntrySchema.safeParse(v)
    if (r.success) entries.push(r.data)
    else invalid.push({ index, issue: `${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? 'invalid'}` })
  })
  return { entries, invalid }
}
