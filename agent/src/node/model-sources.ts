/**
 * Finds the GGUF files a node should serve: `--model` paths, `*.gguf` in the models dir, and the
 * generated demo model when `--demo` is set. Model ids are file names without `.gguf`.
 */
import { existsSync } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { isProjectorFile, projectorBeside } from './projector-files.js'
import { writeTinyGguf } from '../../../native-runtime/src/index.js'

/** Id of the generated demo model. */
export const DEMO_MODEL_ID = 'llmlb-tiny-demo'

export interface ModelFile {
  id: string
  path: string
  /** Its multimodal projector, when it has one (a vision model). */
  mmproj?: string
}

export const modelIdOf = (path: string): string => basename(path).replace(/\.gguf$/i, '')

/** Writes the demo model into `modelsDir` unless it is already there. */
export async function ensureDemoModel(modelsDir: string): Promise<string> {
  const path = join(modelsDir, `${DEMO_MODEL_ID}.gguf`)
  if (!existsSync(path)) {
    await mkdir(modelsDir, { recursive: true })
    await writeTinyGguf(path, { name: DEMO_MODEL_ID, layers: 2, embd: 64, ctx: 2048, seed: 7, readable: true })
  }
  return path
}

/** All model files to load, deduplicated by id (explicit `--model` wins). */
export async function discoverModels(opts: { models: string[]; modelsDir: string; demo: boolean; projectors?: Record<string, string> }): Promise<ModelFile[]> {
  const out = new Map<string, ModelFile>()
  for (const path of opts.models) out.set(modelIdOf(path), { id: modelIdOf(path), path })
  if (opts.demo) {
    const path = await ensureDemoModel(opts.modelsDir)
    if (!out.has(DEMO_MODEL_ID)) out.set(DEMO_MODEL_ID, { id: DEMO_MODEL_ID, path })
  }
  if (existsSync(opts.modelsDir)) {
    for (const f of (await readdir(opts.modelsDir)).sort()) {
      if (!f.toLowerCase().endsWith('.gguf') || isProjectorFile(f)) continue
      const id = modelIdOf(f)
      if (!out.has(id)) out.set(id, { id, path: join(opts.modelsDir, f) })
    }
  }
  for (const f of out.values()) {
    const mmproj = opts.projectors?.[f.path] ?? (await projectorBeside(f.path))
    if (mmproj !== undefined) f.mmproj = mmproj
  }
  return [...out.values()]
}
