/** Ollama's pull progress lines, model names → pull sources, and model aliases in listings and resolution. */
import { describe, expect, it } from 'vitest'
import type { PullRecord } from '../../../../agent/src/models/model-record.js'
import { progressOf, pullProgress, pullSourceOf, type OllamaModelStore } from '../../../../agent/src/protocols/ollama/model-admin.js'
import { findModel, modelsWithAliases } from '../../../../agent/src/protocols/ollama/models.js'
import { autoResolver } from '../../../../agent/src/models/auto-resolve.js'
import type { ClusterModel } from '../../../../agent/src/inference/cluster-models.js'
import type { ModelManager } from '../../../../agent/src/models/model-manager.js'

const SHA_A = 'a'.repeat(64)
const SHA_B = 'b'.repeat(64)

function rec(state: PullRecord['state'], received: [number, number], error: string | null = null): PullRecord {
  return {
    id: 'org/repo@main:m.gguf',
    modelId: 'm',
    repo: 'org/repo',
    revision: 'main',
    endpoint: 'http://hub',
    quant: null,
    choice: 'Q4_K_M: default',
    files: [
      { name: 'm.gguf', size: 100, sha256: SHA_A, received: received[0] },
      { name: 'mmproj.gguf', size: 10, sha256: SHA_B, received: received[1] }
    ],
    mmproj: 'mmproj.gguf',
    state,
    error,
    bytesPerSecond: 0,
    startedAt: 1,
    updatedAt: 1
  }
}

describe('pullSourceOf', () => {
  it("maps Ollama's names: hf.co repos as they are, :latest to the default, a catalog tag to a quantization", () => {
    expect(pullSourceOf('hf.co/org/Repo-GGUF:Q4_K_M')).toEqual({ source: 'hf.co/org/Repo-GGUF:Q4_K_M' })
    expect(pullSourceOf('hf.co/org/Repo-GGUF:latest')).toEqual({ source: 'hf.co/org/Repo-GGUF' })
    expect(pullSourceOf('org/repo')).toEqual({ source: 'org/repo' })
    expect(pullSourceOf('qwen2.5')).toEqual({ source: 'qwen2.5' })
    expect(pullSourceOf('qwen2.5:latest')).toEqual({ source: 'qwen2.5' })
    expect(pullSourceOf(' qwen2.5:Q8_0 ')).toEqual({ source: 'qwen2.5', quant: 'Q8_0' })
  })
})

describe('progressOf', () => {
  it('reports each file once per change, then verifying, writing manifest and success when done', () => {
    const sent = new Map<string, number>()
    expect(progressOf(rec('downloading', [40, 0]), sent)).toEqual({
      lines: [
        { status: `pulling ${SHA_A.slice(0, 12)}`, digest: `sha256:${SHA_A}`, total: 100, completed: 40 },
        { status: `pulling ${SHA_B.slice(0, 12)}`, digest: `sha256:${SHA_B}`, total: 10, completed: 0 }
      ],
      ended: false
    })
    // nothing new: no line
    expect(progressOf(rec('downloading', [40, 0]), sent)).toEqual({ lines: [], ended: false })
    const done = progressOf(rec('done', [100, 10]), sent)
    expect(done.ended).toBe(true)
    expect(done.lines.map((l) => ('status' in l ? l.status : l.error))).toEqual([`pulling ${SHA_A.slice(0, 12)}`, `pulling ${SHA_B.slice(0, 12)}`, 'verifying sha256 digest', 'writing manifest', 'success'])
  })

  it('ends with the error of a failed pull', () => {
    const out = progressOf(rec('failed', [5, 0], 'checksum mismatch'), new Map())
    expect(out.ended).toBe(true)
    expect(out.lines.at(-1)).toEqual({ error: 'checksum mismatch' })
  })
})

/** A store whose pull changes state on each `step()`, with a change event each time. */
class FakeStore extends EventTarget implements OllamaModelStore {
  states: PullRecord[] = []
  at = 0
  async pull(): Promise<PullRecord> {
    return this.states[0] as PullRecord
  }
  pullList(): PullRecord[] {
    return [this.states[this.at] as PullRecord]
  }
  async remove(): Promise<unknown> {
    return undefined
  }
  step(): void {
    this.at++
    this.dispatchEvent(new Event('change'))
  }
}

describe('pullProgress', () => {
  it('follows the pull to its end, woken by change events, and never misses one that comes while it reads', async () => {
    const store = new FakeStore()
    store.states = [rec('queued', [0, 0]), rec('downloading', [50, 0]), rec('downloading', [100, 10]), rec('done', [100, 10])]
    const lines: unknown[] = []
    const it = pullProgress(store, store.states[0] as PullRecord, new AbortController().signal)
    for await (const l of it) {
      lines.push(l)
      // each change lands while the generator is suspended at a yield, not at its wait
      if (store.at < store.states.length - 1) store.step()
    }
    expect(lines[0]).toEqual({ status: 'pulling manifest' })
    expect(lines.at(-1)).toEqual({ status: 'success' })
    expect(lines).toContainEqual({ status: `pulling ${SHA_A.slice(0, 12)}`, digest: `sha256:${SHA_A}`, total: 100, completed: 50 })
  })

  it('stops when the client leaves', async () => {
    const store = new FakeStore()
    store.states = [rec('downloading', [1, 0])]
    const ac = new AbortController()
    const lines: unknown[] = []
    for await (const l of pullProgress(store, store.states[0] as PullRecord, ac.signal)) {
      lines.push(l)
      if (lines.length === 3) setImmediate(() => ac.abort())
    }
    expect(lines).toHaveLength(3)
  })
})

const model = (id: string): ClusterModel => ({ id, sizeBytes: 10, created: 1, nodes: ['a'], capabilities: { chat: true }, contextLength: 512 }) as unknown as ClusterModel

describe('model aliases', () => {
  const aliases = new Map([['my-model', 'base'], ['gone', 'not-in-cluster'], ['base', 'other']])
  const deps = { models: () => [model('base'), model('other')], aliases: { get: (n: string) => aliases.get(n), all: () => aliases } }

  it('are listed under their own name when the cluster has their model; a real id is never shadowed', () => {
    expect(modelsWithAliases(deps).map((m) => [m.name, m.model.id])).toEqual([['base', 'base'], ['other', 'other'], ['my-model', 'base']])
    expect(findModel(deps, 'my-model:latest')?.id).toBe('base')
    expect(findModel(deps, 'base')?.id).toBe('base')
    expect(findModel(deps, 'gone')).toBeUndefined()
  })

  it('resolve on the request path to the model they name, only while the cluster has it', () => {
    const resolve = autoResolver({ models: () => [{ id: 'base', localLoaded: true }], manager: {} as ModelManager, aliases: { get: (n) => aliases.get(n) } })
    expect(resolve('my-model')).toBe('base')
    expect(resolve('base')).toBeUndefined()
    expect(resolve('gone')).toBeUndefined()
  })
})
