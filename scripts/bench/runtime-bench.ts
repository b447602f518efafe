/**
 * Issue "one agent" benchmark: tokens/s and time-to-first-token of node-llama-cpp called in-process
 * vs through `llmlb serve`'s streaming HTTP API, same model, prompt, sampling and thread count.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getLlama } from 'node-llama-cpp'
import { writeTinyGguf, defaultThreads, type TinyGgufOptions } from '../../native-runtime/src/index.js'
import { startBenchAgent, waitUntil } from './agent-proc.js'
import { fmt, median, printTable } from './stats.js'

const PROMPT = 'hello world, the mesh'
const MAX_TOKENS = 256
const RUNS = 7
const SEED = 1234
const TEMPERATURE = 0.8

interface Sample {
  ttftMs: number
  tokensPerSecond: number
  tokens: number
}

async function inProcess(path: string, threads: number): Promise<Sample[]> {
  const llama = await getLlama({ gpu: false, build: 'never' })
  const model = await llama.loadModel({ modelPath: path })
  const ctx = await model.createContext({ contextSize: 2048, sequences: 1, threads })
  const out: Sample[] = []
  for (let run = 0; run < RUNS + 1; run++) {
    const seq = ctx.getSequence()
    const t0 = performance.now()
    const tokens = model.tokenize(PROMPT)
    let first = 0
    let n = 0
    for await (const tok of seq.evaluate(tokens, { temperature: TEMPERATURE, seed: SEED + run })) {
      if (n === 0) first = performance.now()
      if (model.isEogToken(tok)) break
      n++
      // detokenize as a server must, to emit text
      model.detokenize([tok])
      if (n >= MAX_TOKENS) break
    }
    const end = performance.now()
    seq.dispose()
    if (run > 0) out.push({ ttftMs: first - t0, tokensPerSecond: ((n - 1) * 1000) / (end - first), tokens: n })
  }
  await ctx.dispose()
  await model.dispose()
  return out
}

async function throughApi(path: string, threads: number): Promise<Sample[]> {
  const agent = await startBenchAgent(['--model', path, '--slots', '1', '--ctx-size', '2048', '--threads', String(threads)])
  try {
    await waitUntil(async () => (await fetch(`${agent.url}/ready`)).status === 200, 60_000, 'model ready')
    const out: Sample[] = []
    for (let run = 0; run < RUNS + 1; run++) {
      const t0 = performance.now()
      const res = await fetch(`${agent.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'bench', prompt: PROMPT, max_tokens: MAX_TOKENS, temperature: TEMPERATURE, seed: SEED + run, stream: true, stream_options: { include_usage: true } })
      })
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      const dec = new TextDecoder()
      let first = 0
      let buf = ''
      let tokens = 0
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        buf += dec.decode(r.value, { stream: true })
        if (!first && buf.includes('"text"')) first = performance.now()
        const m = /"completion_tokens":(\d+)/.exec(buf)
        if (m) tokens = Number(m[1])
      }
      const end = performance.now()
      if (run > 0) out.push({ ttftMs: first - t0, tokensPerSecond: ((tokens - 1) * 1000) / (end - first), tokens })
    }
    return out
  } finally {
    await agent.stop()
  }
}

export async function runtimeBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-models-'))
  const threads = defaultThreads()
  const shapes: [string, TinyGgufOptions][] = [
    ['tiny (2x64)', { layers: 2, embd: 64, ff: 128, ctx: 2048 }],
    ['small (4x256)', { layers: 4, embd: 256, ff: 768, ctx: 2048 }],
    // a 100 MB model decoding at tens of tokens/s, like real models on CPUs: per-token overheads vanish
    ['medium (8x512)', { layers: 8, embd: 512, ff: 1376, ctx: 2048 }]
  ]
  const rows: (string | number)[][] = []
  for (const [label, shape] of shapes) {
    const path = join(dir, 'bench.gguf')
    await writeTinyGguf(path, { ...shape, seed: 5 })
    const a = await inProcess(path, threads)
    const b = await throughApi(path, threads)
    const tpsA = median(a.map((s) => s.tokensPerSecond))
    const tpsB = median(b.map((s) => s.tokensPerSecond))
    const ttA = median(a.map((s) => s.ttftMs))
    const ttB = median(b.map((s) => s.ttftMs))
    rows.push([label, fmt(tpsA, 0), fmt(tpsB, 0), fmt(tpsB / tpsA), fmt(ttA), fmt(ttB), median(b.map((s) => s.tokens))])
  }
  printTable(
    `runtime: in-process node-llama-cpp vs llmlb serve streaming HTTP (threads=${threads}, ${RUNS} runs, median)`,
    ['model', 'in-process tok/s', 'llmlb tok/s', 'ratio', 'in-process TTFT ms', 'llmlb TTFT ms', 'tokens'],
    rows
  )
}
