import { describe, expect, it } from 'vitest'
import { BUILTIN_CATALOG, Catalog, normalizeName, parseEntries } from '../../../../agent/src/models/catalog.js'

const builtin = parseEntries([...BUILTIN_CATALOG])

describe('model catalog', () => {
  it('every built-in entry is valid', () => {
    expect(builtin.invalid).toEqual([])
    expect(builtin.entries.length).toBe(BUILTIN_CATALOG.length)
  })

  it('finds entries by id or alias, case-insensitive, with the architecture aliases of the original', () => {
    const c = new Catalog([() => builtin.entries])
    expect(c.find('Qwen2.5-7B-Instruct')?.repo).toBe('Qwen/Qwen2.5-7B-Instruct-GGUF')
    expect(c.find('qwen2.5')?.id).toBe('qwen2.5-7b-instruct')
    expect(normalizeName('GPTOSS-20B')).toBe('gpt-oss-20b')
    expect(c.find('gptoss-20b')?.id).toBe('gpt-oss-20b')
    expect(c.find('no-such-model')).toBeUndefined()
  })

  it('later sources replace earlier ones by id', () => {
    const mine = parseEntries([{ id: 'qwen2.5-7b-instruct', repo: 'me/Qwen-Mirror-GGUF' }]).entries
    expect(new Catalog([() => builtin.entries, () => mine]).find('qwen2.5-7b-instruct')?.repo).toBe('me/Qwen-Mirror-GGUF')
  })

  it('the pull source and the pulled model a request for the name means', () => {
    const [e] = parseEntries([{ id: 'tiny', repo: 'o/Tiny-GGUF', files: { Q8_0: 'sub/t8.gguf' } }]).entries
    if (!e) throw new Error('entry')
    expect(Catalog.sourceOf(e)).toBe('o/Tiny-GGUF:Q4_K_M')
    expect(Catalog.sourceOf(e, 'q8_0')).toBe('o/Tiny-GGUF/sub/t8.gguf')
    expect(Catalog.modelFor(e, ['Tiny-Q8_0', 'Tiny-Q4_K_M', 'tinyllama-Q4_K_M'])).toBe('Tiny-Q4_K_M')
    expect(Catalog.modelFor(e, ['Tiny-Q8_0', 'Tiny-Q4_K_M'], (id) => id === 'Tiny-Q8_0')).toBe('Tiny-Q8_0')
    expect(Catalog.modelFor(e, ['other'])).toBeUndefined()
  })

  it('invalid entries are reported, not used', () => {
    const r = parseEntries([{ id: 'Bad Name', repo: 'x/y' }, { id: 'ok', repo: 'no-slash' }, 'text'])
    expect(r.entries).toEqual([])
    expect(r.invalid.map((i) => i.index)).toEqual([0, 1, 2])
  })
})
