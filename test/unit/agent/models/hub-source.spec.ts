import { describe, expect, it } from 'vitest'
import { parseHubSource } from '../../../../agent/src/models/index.js'
import { isSafeRepoPath } from '../../../../agent/src/models/hf/hub-source.js'

describe('parseHubSource', () => {
  it('reads org/repo, :quant, a file path and hub URLs', () => {
    expect(parseHubSource('Qwen/Qwen2.5-7B-Instruct-GGUF')).toEqual({ repo: 'Qwen/Qwen2.5-7B-Instruct-GGUF', revision: 'main' })
    expect(parseHubSource('Qwen/Qwen2.5-7B-Instruct-GGUF:q4_k_m')).toEqual({ repo: 'Qwen/Qwen2.5-7B-Instruct-GGUF', revision: 'main', quant: 'Q4_K_M' })
    expect(parseHubSource('org/repo/sub/Model-Q8_0.gguf')).toEqual({ repo: 'org/repo', revision: 'main', file: 'sub/Model-Q8_0.gguf' })
    expect(parseHubSource('https://huggingface.co/org/repo')).toEqual({ repo: 'org/repo', revision: 'main' })
    expect(parseHubSource('https://huggingface.co/org/repo/blob/v1.0/M-Q4_K_M.gguf?download=true')).toEqual({ repo: 'org/repo', revision: 'v1.0', file: 'M-Q4_K_M.gguf' })
    expect(parseHubSource('https://huggingface.co/org/repo/resolve/main/M.gguf')).toEqual({ repo: 'org/repo', revision: 'main', file: 'M.gguf' })
    expect(parseHubSource('hf.co/org/repo:Q5_K_M')).toEqual({ repo: 'org/repo', revision: 'main', quant: 'Q5_K_M' })
    expect(parseHubSource('http://127.0.0.1:9999/org/repo/blob/main/x.gguf')).toEqual({ repo: 'org/repo', revision: 'main', file: 'x.gguf' })
  })

  it('a listing path must stay inside the repo folder', () => {
    for (const ok of ['a.gguf', 'sub/dir/b.gguf']) expect(isSafeRepoPath(ok)).toBe(true)
    for (const bad of ['../x.gguf', 'a/../../x.gguf', '/etc/x.gguf', './a.gguf', 'a//b.gguf', 'a\\b.gguf', '']) expect(isSafeRepoPath(bad), bad).toBe(false)
  })

  it('refuses what is not a repo, a non-GGUF file, path tricks and odd quant names', () => {
    for (const bad of ['model', 'a b/c', 'org/repo/README.md', 'org/repo/../x.gguf', 'org/repo:Q4 K', '/org']) {
      expect(parseHubSource(bad)).toHaveProperty('error')
    }
  })
})
