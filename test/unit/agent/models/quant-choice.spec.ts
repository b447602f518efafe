import { describe, expect, it } from 'vitest'
import { chooseFiles } from '../../../../agent/src/models/index.js'

const f = (path: string, size = 10): { path: string; size: number; sha256: string } => ({ path, size, sha256: `sha-${path}` })
const repo = [f('M-Q2_K.gguf'), f('M-Q4_K_M.gguf'), f('M-Q8_0.gguf'), f('M-F16.gguf'), f('README.md'), f('mmproj-M-F16.gguf')]

describe('chooseFiles', () => {
  it('takes Q4_K_M by default and the projector of a vision repo', () => {
    const c = chooseFiles('o/r', repo, {})
    if ('error' in c) throw new Error(c.error)
    expect(c.files.map((x) => x.path)).toEqual(['M-Q4_K_M.gguf'])
    expect(c.modelId).toBe('M-Q4_K_M')
    expect(c.mmproj?.path).toBe('mmproj-M-F16.gguf')
    expect(c.reason).toBe('the default')
    const asked = chooseFiles('o/r', repo, { quant: 'q8_0' })
    if ('error' in asked) throw new Error(asked.error)
    expect([asked.quant, asked.reason]).toEqual(['Q8_0', 'as asked'])
  })

  it('takes the nearest quantization in quality order when the wanted one is missing, and says so', () => {
    const c = chooseFiles('o/r', repo, { quant: 'Q5_K_M' })
    if ('error' in c) throw new Error(c.error)
    expect(['M-Q4_K_M.gguf', 'M-Q8_0.gguf']).toContain(c.files[0]?.path)
    expect(c.reason).toMatch(/Q5_K_M is not offered .* is the nearest/)
  })

  it('takes every part of a split GGUF, in order, whichever part is named', () => {
    const split = [f('Big-Q4_K_M-00002-of-00003.gguf'), f('Big-Q4_K_M-00001-of-00003.gguf'), f('Big-Q4_K_M-00003-of-00003.gguf'), f('Big-Q8_0-00001-of-00002.gguf'), f('Big-Q8_0-00002-of-00002.gguf')]
    const c = chooseFiles('o/r', split, {})
    if ('error' in c) throw new Error(c.error)
    expect(c.modelId).toBe('Big-Q4_K_M')
    expect(c.files.map((x) => x.path)).toEqual(['Big-Q4_K_M-00001-of-00003.gguf', 'Big-Q4_K_M-00002-of-00003.gguf', 'Big-Q4_K_M-00003-of-00003.gguf'])
    const named = chooseFiles('o/r', split, { file: 'Big-Q8_0-00002-of-00002.gguf' })
    if ('error' in named) throw new Error(named.error)
    expect(named.files.map((x) => x.path)).toEqual(['Big-Q8_0-00001-of-00002.gguf', 'Big-Q8_0-00002-of-00002.gguf'])
  })

  it('explains a repo without GGUF files and a missing named file', () => {
    expect(chooseFiles('o/r', [f('model.safetensors')], {})).toEqual({ error: expect.stringContaining('no GGUF') })
    expect(chooseFiles('o/r', repo, { file: 'nope.gguf' })).toEqual({ error: expect.stringContaining("no file 'nope.gguf'") })
  })
})
