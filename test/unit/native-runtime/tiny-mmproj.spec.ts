import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gguf } from '@huggingface/gguf'
import { describe, expect, it } from 'vitest'
import { buildTinyMmproj, writeTinyMmproj } from '../../../native-runtime/src/index.js'

describe('tiny mmproj generator', () => {
  it('writes a clip projector whose output width is the text model width, deterministically', async () => {
    expect(buildTinyMmproj({ textEmbd: 96 }).equals(buildTinyMmproj({ textEmbd: 96 }))).toBe(true)
    expect(buildTinyMmproj({ seed: 1 }).equals(buildTinyMmproj({ seed: 2 }))).toBe(false)
    const path = join(await mkdtemp(join(tmpdir(), 'llmlb-mmproj-')), 'p.gguf')
    await writeTinyMmproj(path, { textEmbd: 96, layers: 2 })
    const { metadata, tensorInfos } = await gguf(path, { allowLocalFile: true })
    const meta = metadata as unknown as Record<string, unknown>
    expect(meta['general.architecture']).toBe('clip')
    expect(meta['clip.projector_type']).toBe('mlp')
    expect(meta['clip.has_vision_encoder']).toBe(true)
    expect(Number(meta['clip.vision.projection_dim'])).toBe(96)
    const names = tensorInfos.map((t) => t.name)
    for (const n of ['v.patch_embd.weight', 'v.position_embd.weight', 'v.blk.1.attn_q.weight', 'v.blk.1.ffn_down.bias', 'mm.0.weight', 'mm.2.weight']) expect(names).toContain(n)
    expect(tensorInfos.find((t) => t.name === 'mm.2.weight')?.shape.map(Number)).toEqual([96, 96])
  })
  it('refuses shapes the clip loader cannot use', () => {
    expect(() => buildTinyMmproj({ imageSize: 30, patchSize: 14 })).toThrow(/multiple of patchSize/)
    expect(() => buildTinyMmproj({ embd: 30, heads: 4 })).toThrow(/divisible by heads/)
  })
})
