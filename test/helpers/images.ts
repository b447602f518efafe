/**
 * Test images and vision models: real PNGs (scripts/test-png.ts) and a tiny text model with a tiny
 * projector beside it, which a node serves as a vision model.
 */
import { join } from 'node:path'
export { dataUrl, pngImage } from '../../scripts/test-png.js'
import { writeTinyGguf, type TinyGgufOptions } from '../../native-runtime/src/gguf/tiny-gguf.js'
import { writeTinyMmproj } from '../../native-runtime/src/gguf/tiny-mmproj.js'
import { tempDir } from './agent-process.js'

/** Writes `<id>.gguf` and its projector `<id>.mmproj.gguf` into a new folder; returns the model's path. */
export async function tinyVisionModel(id: string, opts: TinyGgufOptions = {}): Promise<string> {
  const dir = await tempDir('llmlb-vision-')
  const path = join(dir, `${id}.gguf`)
  await writeTinyGguf(path, { name: id, ...opts })
  await writeTinyMmproj(join(dir, `${id}.mmproj.gguf`), { textEmbd: opts.embd ?? 64 })
  return path
}
