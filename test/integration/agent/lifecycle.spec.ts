/**
 * Failure modes of one node: the llama.cpp child killed with SIGKILL, a stale lock left by a killed
 * agent, and `llmlb stop`.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, startAgent, stopAllAgents, tempDir, tinyModel, waitFor } from '../../helpers/agent-process.js'

afterAll(stopAllAgents)

const childPids = (pid: number): number[] => {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
  return r.stdout.split('\n').filter(Boolean).map(Number)
}

const chat = (url: string, body: object): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('node lifecycle', () => {
  it('kill -9 of the runtime child: in-flight work fails with runtime_unavailable, then the node serves again by itself', async () => {
    const model = await tinyModel('crashy')
    const a = await startAgent({ name: 'crashy-node', models: [model] })
    const [child] = childPids(a.pid)
    expect(child).toBeGreaterThan(0)
    const res = await chat(a.url, { model: 'crashy', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100000, stream: true, ignore_eos: true })
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    process.kill(child as number, 'SIGKILL')
    let rest = ''
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value)
    expect(rest).toContain('"code":"runtime_unavailable"')
    expect(rest).not.toContain('[DONE]')
    // requests while the child is down get a clean 503, never a hang or a crash of the agent
    const during = await chat(a.url, { model: 'crashy', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })
    expect([200, 503]).toContain(during.status)
    if (during.status === 503) expect(((await during.json()) as { error: { code: string } }).error.code).toBe('runtime_unavailable')
    await waitFor(async () => (await chat(a.url, { model: 'crashy', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })).status === 200, 'runtime to come back', 60_000, 200)
    const [newChild] = childPids(a.pid)
    expect(newChild).not.toBe(child)
    expect(a.proc.exitCode).toBeNull()
  })

  it('a stale lock from a killed agent is reclaimed', async () => {
    const dir = await tempDir()
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number
    await writeFile(join(dir, 'llmlb.lock'), JSON.stringify({ pid: dead, port: 1, host: '', url: '', startedAt: 0 }))
    const a = await startAgent({ dataDir: dir, name: 'reclaimer' })
    expect((await fetch(`${a.url}/health`)).status).toBe(200)
  })

  it('llmlb stop drains and stops the node of a data dir, and removes its lock', async () => {
    const a = await startAgent({ name: 'stoppable' })
    const children = childPids(a.pid)
    expect(children.length).toBeGreaterThan(0)
    const r = await runCli(['stop', '--data-dir', a.dataDir])
    expect(r.code).toBe(0)
    await waitFor(() => a.proc.exitCode !== null, 'agent to exit', 30_000)
    expect(a.proc.exitCode).toBe(0)
    expect(existsSync(join(a.dataDir, 'llmlb.lock'))).toBe(false)
    // the runtime child went with it
    await waitFor(() => children.every((pid) => spawnSync('kill', ['-0', String(pid)]).status !== 0), 'runtime child to exit', 60_000)
  })
  it('stop is not held by open connections: a dashboard event stream, kept-alive clients, aborted streams', async () => {
    const model = await tinyModel('held')
    const a = await startAgent({ name: 'held-node', models: [model], args: ['--slots', '1'] })
    const events = await fetch(`${a.url}/api/events`)
    const eventReader = (events.body as ReadableStream<Uint8Array>).getReader()
    await eventReader.read()
    const aborts = Array.from({ length: 3 }, () => new AbortController())
    await Promise.all(aborts.map(async (ac) => {
      const res = await fetch(`${a.url}/v1/chat/completions`, {
        method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'held', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100000, ignore_eos: true, stream: true })
      })
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      await reader.read()
      ac.abort()
    }))
    expect((await chat(a.url, { model: 'held', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })).status).toBe(200)
    const r = await runCli(['stop', '--data-dir', a.dataDir])
    expect(r.code).toBe(0)
    // the test profile drains for at most 2 s; a connection that held the HTTP server open would keep
    // the agent for the 72 s keep-alive timeout, or for as long as the dashboard stays open
    await waitFor(() => a.proc.exitCode !== null, 'agent to exit', 60_000)
    expect(a.proc.exitCode).toBe(0)
    await eventReader.cancel().catch(() => undefined)
  })
})
