// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../../ui/src/lib/backoff.js'
import { buildChatRequest, elideDataUrl } from '../../../ui/src/lib/chat-request.js'
import { appendSample, sampleOf } from '../../../ui/src/lib/load-samples.js'
import { modelRows } from '../../../ui/src/lib/model-placement.js'
import { navItemsFor } from '../../../ui/src/lib/nav.js'
import { meshPeerHint, sortNodes, summarizeNode } from '../../../ui/src/lib/node-summary.js'
import { tokenChart } from '../../../ui/src/lib/token-stats.js'
import { model, node } from './helpers.js'

describe('node summary', () => {
  it('adds up loaded models only, and VRAM over GPUs', () => {
    const s = summarizeNode({
      models: [model({ slotsBusy: 1, slotsTotal: 2, queueDepth: 3, tokensPerSecond: 10 }), model({ id: 'b', loaded: false, slotsBusy: 9, slotsTotal: 9 })],
      gpus: [
        { name: 'A', vramTotalBytes: 100, vramUsedBytes: 40 },
        { name: 'B', vramTotalBytes: 100, vramUsedBytes: 10 }
      ]
    })
    expect(s).toMatchObject({ modelsTotal: 2, modelsLoaded: 1, slotsBusy: 1, slotsTotal: 2, queueDepth: 3, tokensPerSecond: 10, vramUsedBytes: 50, vramTotalBytes: 200, slotUse: 0.5 })
  })

  it('sorts this node first, then by status and name', () => {
    const sorted = sortNodes([node({ name: 'c', status: 'dead' }), node({ name: 'b' }), node({ name: 'z', self: true }), node({ name: 'a', status: 'suspect' })])
    expect(sorted.map((n) => n.name)).toEqual(['z', 'b', 'a', 'c'])
  })

  it('finds a reachable mesh address for the add-a-node hint', () => {
    expect(meshPeerHint(['/ip4/127.0.0.1/tcp/40001/p2p/x', '/ip4/192.168.1.7/tcp/40001/p2p/x'], 'h')).toBe('192.168.1.7:40001')
    expect(meshPeerHint(['/ip4/127.0.0.1/tcp/40001/p2p/x'], 'box.lan')).toBe('box.lan:40001')
    expect(meshPeerHint([], 'box.lan')).toBe('box.lan:32769')
  })
})

describe('load samples', () => {
  it('keeps a bounded window and merges bursts while always showing the newest state', () => {
    let s: ReturnType<typeof appendSample> = []
    for (const t of [0, 300, 600, 900, 1200, 1500]) s = appendSample(s, sampleOf(node({ inFlight: t / 300 }), t), 3)
    expect(s.map((x) => x.t)).toEqual([0, 900, 1500])
    expect(s.at(-1)?.inFlight).toBe(5)
    for (const t of [3000, 5000]) s = appendSample(s, sampleOf(node(), t), 3)
    expect(s.map((x) => x.t)).toEqual([1500, 3000, 5000])
  })
})

describe('token stats', () => {
  it('stacks groups per period, folding small groups into "other"', () => {
    const rows = [
      { period: '2025-01-02', group: 'a', inputTokens: 10, outputTokens: 5, requests: 1, errors: 0 },
      { period: '2025-01-01', group: 'b', inputTokens: 1, outputTokens: 1, requests: 1, errors: 0 },
      { period: '2025-01-01', group: 'c', inputTokens: 1, outputTokens: 0, requests: 1, errors: 1 },
      { period: '2025-01-01', group: 'a', inputTokens: 2, outputTokens: 2, requests: 1, errors: 0 }
    ]
    const c = tokenChart(rows, 'total', 2)
    expect(c.groups).toEqual(['a', 'other'])
    expect(c.total).toBe(22)
    expect(c.bars).toEqual([
      { label: '2025-01-01', segments: [{ key: 'a', value: 4 }, { key: 'other', value: 3 }] },
      { label: '2025-01-02', segments: [{ key: 'a', value: 15 }, { key: 'other', value: 0 }] }
    ])
  })
})

describe('model placement', () => {
  it('joins /v1/models with node adverts', () => {
    const rows = modelRows(
      [{ id: 'tiny', object: 'model', created: 0, owned_by: 'llmlb', llmlb: { capabilities: model().capabilities, context_length: 512, quantization: 'F32', size_bytes: 1, nodes: ['n1', 'far'] } }],
      [node({ name: 'n1' }), node({ name: 'n2', models: [model({ loaded: false }), model({ id: 'other', loaded: false })] })]
    )
    expect(rows.map((r) => [r.id, r.servingNodes, r.placements.map((p) => `${p.node}:${p.loaded}`)])).toEqual([
      ['tiny', 2, ['n1:true', 'n2:false', 'far:true']],
      ['other', 0, ['n2:false']]
    ])
  })

  it('names the engines serving a model, from /v1/models or from the adverts', () => {
    const rows = modelRows(
      [{ id: 'llama3', object: 'model', created: 0, owned_by: 'llmlb', llmlb: { capabilities: model().capabilities, context_length: 512, quantization: 'Q4', size_bytes: 1, nodes: ['n1'], engines: ['ollama'] } }],
      [node({ name: 'n2', models: [model({ id: 'qwen', engine: 'vllm' }), model({ id: 'native' })] })]
    )
    expect(rows.map((r) => [r.id, r.engines])).toEqual([
      ['llama3', ['ollama']],
      ['native', []],
      ['qwen', ['vllm']]
    ])
  })
})

describe('playground request', () => {
  it('sends the system prompt, history and an image part', () => {
    const body = buildChatRequest({ model: 'v', system: 'be brief', temperature: 0.2, maxTokens: 64 }, [
      { role: 'user', text: 'hi' },
      { role: 'assistant', text: 'hello' },
      { role: 'user', text: 'what is this?', image: 'data:image/png;base64,AAAA' }
    ])
    expect(body).toEqual({
      model: 'v',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }
      ]
    })
    expect(buildChatRequest({ model: 'm', system: ' ', temperature: null, maxTokens: null }, [])).toEqual({ model: 'm', messages: [], stream: true, stream_options: { include_usage: true } })
    expect(elideDataUrl(`data:image/png;base64,${'A'.repeat(4096)}`)).toBe('data:image/png;base64,… (3 KiB)')
  })
})

describe('backoff and nav', () => {
  it('doubles up to the cap with 50–100% jitter', () => {
    expect(backoffDelay(0, { random: () => 1 })).toBe(500)
    expect(backoffDelay(3, { random: () => 1 })).toBe(4000)
    expect(backoffDelay(20, { random: () => 0 })).toBe(7500)
  })

  it('hides admin entries from viewers only', () => {
    expect(navItemsFor('viewer').some((i) => i.admin)).toBe(false)
    expect(navItemsFor('admin').some((i) => i.admin)).toBe(true)
    expect(navItemsFor(null).some((i) => i.admin)).toBe(true)
  })
})
