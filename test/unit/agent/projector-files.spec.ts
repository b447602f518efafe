import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { discoverModels } from '../../../agent/src/node/model-sources.js'
import { isProjectorFile, projectorBeside } from '../../../agent/src/node/projector-files.js'

async function folder(files: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-projectors-'))
  await mkdir(dir, { recursive: true })
  for (const f of files) await writeFile(join(dir, f), '')
  return dir
}

describe('projector files', () => {
  it('names projectors, which are never models', () => {
    expect(isProjectorFile('mmproj-model-f16.gguf')).toBe(true)
    expect(isProjectorFile('/x/gemma.mmproj.gguf')).toBe(true)
    expect(isProjectorFile('gemma.gguf')).toBe(false)
    expect(isProjectorFile('mmproj.bin')).toBe(false)
  })

  it('finds a projector by the model name beside it, or the only one of a one-model folder, never a guess', async () => {
    const named = await folder(['a.gguf', 'b.gguf', 'a.mmproj.gguf', 'mmproj-b.gguf', 'c.gguf', 'C-MMPROJ.gguf'])
    expect(await projectorBeside(join(named, 'a.gguf'))).toBe(join(named, 'a.mmproj.gguf'))
    expect(await projectorBeside(join(named, 'b.gguf'))).toBe(join(named, 'mmproj-b.gguf'))
    expect(await projectorBeside(join(named, 'c.gguf'))).toBe(join(named, 'C-MMPROJ.gguf'))
    const repo = await folder(['gemma-3-4b-it-Q4_K_M.gguf', 'mmproj-model-f16.gguf'])
    expect(await projectorBeside(join(repo, 'gemma-3-4b-it-Q4_K_M.gguf'))).toBe(join(repo, 'mmproj-model-f16.gguf'))
    const shared = await folder(['x.gguf', 'y.gguf', 'mmproj-model-f16.gguf'])
    expect(await projectorBeside(join(shared, 'x.gguf'))).toBeUndefined()
    expect(await projectorBeside(join(tmpdir(), 'no-such-folder', 'x.gguf'))).toBeUndefined()
  })

  it('discovery pairs models with projectors (given or beside) and does not serve projectors as models', async () => {
    const dir = await folder(['v.gguf', 'v.mmproj.gguf', 't.gguf'])
    const other = await folder(['m.gguf', 'p.gguf'])
    const files = await discoverModels({ models: [join(other, 'm.gguf')], modelsDir: dir, demo: false, projectors: { [join(other, 'm.gguf')]: join(other, 'p.gguf') } })
    expect(files.map((f) => [f.id, f.mmproj])).toEqual([
      ['m', join(other, 'p.gguf')],
      ['t', undefined],
      ['v', join(dir, 'v.mmproj.gguf')]
    ])
  })
})
