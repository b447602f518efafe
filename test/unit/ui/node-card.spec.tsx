// @vitest-environment happy-dom
import { createStore } from 'solid-js/store'
import { afterEach, describe, expect, it } from 'vitest'
import type { NodeInfo } from '../../../ui/src/api/types.js'
import { NodeCard } from '../../../ui/src/pages/cluster/node-card.jsx'
import { model, node } from './helpers.js'
import { mount, type Mounted } from './render.jsx'

describe('NodeCard', () => {
  let m: Mounted | undefined
  afterEach(() => m?.dispose())

  it('shows status, models, slots, queue, speed, GPU and version', () => {
    const n = node({
      name: 'gpu-1',
      version: '0.3.0',
      models: [model({ id: 'llama-8b', slotsBusy: 3, slotsTotal: 4, queueDepth: 2, tokensPerSecond: 41.7 }), model({ id: 'qwen-vl', loaded: false })],
      gpus: [{ name: 'RTX 4090', vramTotalBytes: 24 * 2 ** 30, vramUsedBytes: 6 * 2 ** 30 }]
    })
    m = mount(() => <NodeCard node={n} />)
    const status = m.byTestId('node-status')
    expect(status?.textContent).toBe('alive')
    expect(status?.className).toContain('badge-ok')
    expect(m.byTestId('node-name')?.getAttribute('href')).toBe('/nodes/gpu-1')
    const models = m.allByTestId('node-model')
    expect(models.map((e) => [e.querySelector('.model-id')?.textContent, e.dataset.loaded])).toEqual([
      ['llama-8b', 'true'],
      ['qwen-vl', 'false']
    ])
    expect(m.byTestId('node-slots')?.textContent).toContain('3 / 4')
    expect(m.byTestId('node-slots')?.querySelector('[role="meter"]')?.getAttribute('aria-valuenow')).toBe('3')
    expect(m.byTestId('node-queue')?.textContent).toBe('2')
    expect(m.byTestId('node-tps')?.textContent).toBe('41.7 tok/s')
    expect(m.byTestId('node-gpu')?.textContent).toContain('RTX 4090')
    expect(m.byTestId('node-gpu')?.textContent).toContain('6 GiB / 24 GiB VRAM')
    expect(m.byTestId('node-version')?.textContent).toBe('v0.3.0')
  })

  it("shows a peer's measured round trip once there is one, never for the node serving the page", () => {
    const [state, setState] = createStore<{ nodes: NodeInfo[] }>({ nodes: [node({ name: 'far', self: false, rtt_ms: null })] })
    m = mount(() => <NodeCard node={state.nodes[0] as NodeInfo} />)
    expect(m.byTestId('node-rtt')).toBeNull()
    setState('nodes', 0, 'rtt_ms', 0.42)
    expect(m.byTestId('node-rtt')?.textContent).toContain('rtt 0.4 ms')
    setState('nodes', 0, 'rtt_ms', 212.7)
    expect(m.byTestId('node-rtt')?.textContent).toContain('rtt 213 ms')
    m.dispose()
    m = mount(() => <NodeCard node={node({ name: 'me', self: true, rtt_ms: 5 })} />)
    expect(m.byTestId('node-rtt')).toBeNull()
  })

  it('follows live updates of its node', () => {
    const [state, setState] = createStore<{ nodes: NodeInfo[] }>({ nodes: [node({ name: 'n1' })] })
    m = mount(() => <NodeCard node={state.nodes[0] as NodeInfo} />)
    expect(m.byTestId('node-slots')?.textContent).toContain('0 / 2')
    setState('nodes', 0, 'status', 'suspect')
    setState('nodes', 0, 'models', 0, 'slotsBusy', 2)
    expect(m.byTestId('node-status')?.textContent).toBe('suspect')
    expect(m.byTestId('node-status')?.className).toContain('badge-warn')
    expect(m.byTestId('node-slots')?.textContent).toContain('2 / 2')
    setState('nodes', 0, 'status', 'dead')
    expect(m.byTestId('node-status')?.textContent).toBe('unreachable')
  })
})
