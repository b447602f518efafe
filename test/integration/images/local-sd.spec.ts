/**
 * Native image generation: a node started with `--sd-model` runs stable-diffusion.cpp's sd-server
 * itself and fronts it as an engine of kind `sdcpp`. CI has no sd-server build (its source is fetched
 * from the network by `llmlb sd build`), so `--sd-server` points at a stand-in binary that takes the
 * real one's arguments and speaks its API (scripts/mock-engines/sd-server.ts). Through the official
 * `openai` client on another node: the model is advertised by its file's name and generates PNGs; the
 * server killed with SIGKILL answers 503 on its node, then is started again by the node and serves.
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { meshAddress, REPO_ROOT, startAgent, stopAllAgents, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { decodePng } from '../../helpers/png.js'

const CLUSTER_KEY = randomBytes(32).toString('hex')

let dir: string
let model: string
let a: RunningAgent
let b: RunningAgent
let client: OpenAI

interface ModelList {
  data: { id: string; llmlb: { nodes: string[]; engines?: string[]; capabilities: Record<string, boolean> } }[]
}
const modelsOf = async (node: RunningAgent): Promise<ModelList> => (await (await fetch(`${node.url}/v1/models`)).json()) as ModelList

/** The stand-in sd-server run for this test's model (its command line names the model file). */
async function sdServerPids(): Promise<number[]> {
  const pids: number[] = []
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue
    const cmd = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')
    if (cmd.includes('mock-engines/sd-server.js') && cmd.includes(model)) pids.push(Number(p))
  }
  return pids
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-local-sd-'))
  model = join(dir, 'tiny-painter.safetensors')
  await writeFile(model, randomBytes(64))
  const binary = join(dir, 'sd-server')
  await writeFile(binary, `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, 'dist', 'scripts', 'mock-engines', 'sd-server.js')}" "$@"\n`)
  await chmod(binary, 0o755)
  a = await startAgent({ name: 'sd-a', clusterKey: CLUSTER_KEY, args: ['--sd-model', model, '--sd-server', binary, '--sd-arg=--steps', '--sd-arg=2'] })
  b = await startAgent({ name: 'sd-b', clusterKey: CLUSTER_KEY, peers: [await meshAddress(a)] })
  client = new OpenAI({ baseURL: `${b.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  await waitFor(async () => (await modelsOf(b)).data.some((m) => m.id === 'tiny-painter'), 'B to see the local sd model', 60_000)
})

afterAll(async () => {
  await stopAllAgents()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('native image generation (--sd-model)', () => {
  it("advertises the model by its file's name, as an image model of engine kind sdcpp on its node", async () => {
    const m = (await modelsOf(b)).data.find((x) => x.id === 'tiny-painter')
    expect(m?.llmlb).toMatchObject({ nodes: ['sd-a'], engines: ['sdcpp'], capabilities: { imageGeneration: true, chat: false } })
    // sd-server was given the model, a loopback address and the extra arguments
    const [pid] = await sdServerPids()
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')
    expect(argv).toEqual(expect.arrayContaining(['-m', model, '--listen-ip', '127.0.0.1', '--steps', '2']))
  })

  it('generates PNGs through another node with the openai client', async () => {
    const r = await client.images.generate({ model: 'tiny-painter', prompt: 'a red square', n: 2, size: '256x256', response_format: 'b64_json' })
    expect(r.data).toHaveLength(2)
    for (const img of r.data ?? []) expect(decodePng(Buffer.from(img.b64_json ?? '', 'base64')).width).toBeGreaterThan(0)
  })

  it('a killed sd-server answers 503 on its node, then the node starts it again and it serves', async () => {
    const [pid] = await sdServerPids()
    expect(pid).toBeGreaterThan(0)
    process.kill(pid as number, 'SIGKILL')
    const res = await fetch(`${a.url}/v1/images/generations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'tiny-painter', prompt: 'x', response_format: 'b64_json' }) })
    expect(res.status).toBe(503)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('engine_unavailable')
    // a new process, started by the node itself
    await waitFor(async () => ((await sdServerPids()).some((p) => p !== pid) ? true : undefined), 'the node to start sd-server again', 60_000)
    const again = await waitFor(
      async () => (await client.images.generate({ model: 'tiny-painter', prompt: 'again', response_format: 'b64_json' }).catch(() => undefined)) ?? undefined,
      'the model to be served again',
      60_000,
      200
    )
    expect(decodePng(Buffer.from(again.data?.[0]?.b64_json ?? '', 'base64')).width).toBeGreaterThan(0)
  })
})
