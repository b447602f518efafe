import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { factsFromMetadata, quantizationOf, readGgufFacts } from '../../../../agent/src/models/gguf-metadata.js'
import { buildTinyGguf } from '../../../../native-runtime/src/index.js'

describe('GGUF header facts', () => {
  it('maps architecture, context, file type, template and capabilities', () => {
    const facts = factsFromMetadata(
      { 'general.architecture': 'qwen2', 'qwen2.context_length': 32768, 'general.file_type': 15, 'tokenizer.chat_template': '{% if tools %}…{% endif %}' },
      7_000_000_000,
      'x.gguf',
      false
    )
    expect(facts).toEqual({
      architecture: 'qwen2',
      parameters: 7_000_000_000,
      contextLength: 32768,
      quantization: 'Q4_K_M',
      chatTemplate: '{% if tools %}…{% endif %}',
      capabilities: { chat: true, completion: true, embeddings: true, tools: true, vision: false },
      kvBytesPerToken: 0
    })
  })

  it('KV bytes per token come from layers, width and KV heads (f16 K and V)', () => {
    const facts = factsFromMetadata({ 'general.architecture': 'llama', 'llama.block_count': 32, 'llama.embedding_length': 4096, 'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8 }, 1, 'x.gguf', false)
    // 32 layers × (128 × 8) × K,V × 2 bytes = 128 KiB per token
    expect(facts.kvBytesPerToken).toBe(131072)
  })

  it('an embedding architecture cannot chat; the file name gives a missing file type', () => {
    const facts = factsFromMetadata({ 'general.architecture': 'bert', 'bert.context_length': 512n }, 1, 'e5-Q8_0.gguf', false)
    expect(facts.capabilities.chat).toBe(false)
    expect(facts.contextLength).toBe(512)
    expect(facts.quantization).toBe('Q8_0')
    expect(quantizationOf(undefined, 'plain.gguf')).toBe('unknown')
  })

  it("a download's half file gives the whole file's facts or fails, never other facts (a pull reads the header early)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'llmlb-facts-'))
    try {
      const whole = Buffer.from(buildTinyGguf({ layers: 4, embd: 256, ff: 512, seed: 2 }))
      await writeFile(join(dir, 'm.gguf'), whole)
      const want = await readGgufFacts(join(dir, 'm.gguf'), false, 'm-Q8_0.gguf')
      expect(want.parameters).toBeGreaterThan(0)
      const outcomes: string[] = []
      for (const cut of [whole.length >> 1, 4096, 64]) {
        const part = join(dir, `${cut}.part`)
        await writeFile(part, whole.subarray(0, cut))
        const got = await readGgufFacts(part, false, 'm-Q8_0.gguf', cut).catch(() => 'failed' as const)
        if (got !== 'failed') expect(got).toEqual(want)
        outcomes.push(got === 'failed' ? 'failed' : 'read')
      }
      // half the file holds the header; 4 KiB does not (read without the bound, it counted 39 parameters)
      expect(outcomes).toEqual(['read', 'failed', 'failed'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
