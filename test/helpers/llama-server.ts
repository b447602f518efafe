/**
 * Runs the cached `llama-server` for a test (a plain one, or a coordinator over `--rpc` endpoints) on a
 * free loopback port and waits for its /health; `stop()` kills it. Greedy completions through the
 * official OpenAI client compare a split model with the whole one.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import OpenAI from 'openai'
import { waitFor } from './agent-process.js'
import { within } from './within.js'
import { freeLoopbackPort } from '../../agent/src/net/index.js'

export interface LlamaServer {
  url: string
  proc: ChildProcess
  output: () => string
  stop: () => Promise<void>
}


export async function startLlamaServer(binary: string, model: string, extra: string[] = []): Promise<LlamaServer> {
  const port = await freeLoopbackPort()
  const proc = spawn(binary, ['-m', model, '--alias', 'tiny', '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-t', '1', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  proc.stdout?.on('data', d => (log += d))
  proc.stderr?.on('data', d => (log += d))
  const url = `http://127.0.0.1:${port}`
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`llama-server exited with ${proc.exitCode}: ${log.slice(-2000)}`)
    return (await fetch(`${url}/health`)).status === 200
  }, 'llama-server to be healthy', 120_000, 100)
  return {
    url,
    proc,
    output: () => log,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      const exited = once(proc, 'exit')
      proc.kill('SIGKILL')
      await within(exited, 'llama-server to exit')
    }
  }
}

/** A greedy, seeded completion: the same model gives the same text wherever its layers run. */
export async function greedyCompletion(server: LlamaServer, prompt = 'The quick brown fox'): Promise<string> {
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  const res = await client.completions.create({ model: 'tiny', prompt, max_tokens: 24, temperature: 0, seed: 7 })
  return res.choices[0]?.text ?? ''
}
