/**
 * Finds a local model's multimodal projector (`mmproj`) beside it, by the names llama.cpp users and
 * Hugging Face repos give them. Only names tie a projector to a model: a projector is never guessed for a
 * model it might not belong to.
 */
import { readdir } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** A projector file, never a model of its own. */
export const isProjectorFile = (name: string): boolean => /mmproj/i.test(basename(name)) && /\.gguf$/i.test(name)

/**
 * For `<dir>/<stem>.gguf`: `<stem>.mmproj.gguf`, `<stem>-mmproj.gguf` or `mmproj-<stem>.gguf` in `<dir>`;
 * else the only `mmproj*.gguf` of a folder whose only model is this one (a downloaded repo).
 */
export async function projectorBeside(modelPath: string): Promise<string | undefined> {
  const dir = dirname(modelPath)
  const stem = basename(modelPath).replace(/\.gguf$/i, '')
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return undefined
  }
  const lower = new Map(names.map((n) => [n.toLowerCase(), n]))
  for (const candidate of [`${stem}.mmproj.gguf`, `${stem}-mmproj.gguf`, `mmproj-${stem}.gguf`]) {
    const found = lower.get(candidate.toLowerCase())
    if (found !== undefined) return join(dir, found)
  }
  const ggufs = names.filter((n) => /\.gguf$/i.test(n))
  const projectors = ggufs.filter(isProjectorFile)
  const models = ggufs.filter((n) => !isProjectorFile(n))
  return projectors.length === 1 && models.length === 1 ? join(dir, projectors[0] as string) : undefined
}
