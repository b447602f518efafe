/**
 * `bench structured`: decoding speed of grammar-constrained JSON (a `json_schema` response format) vs
 * unconstrained text on the same model, prompt and sampling through `llmlb serve`'s streaming chat
 * API, and the time to first token that rendering tools into the prompt adds (tools + their prefill).
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeTinyGguf, defaultThreads, type TinyGgufOptions } from '../../native-runtime/src/index.js'
import { startBenchAgent, waitUntil, type BenchAgent } from './agent-proc.js'
import { fmt, median, printTable } from './stats.js'

const RUNS = 7
const SEED = 99

/** A schema whose answer is long (40 short strings), so decoding speed dominates the measurement. */
const LONG_JSON = {
  type: 'object',
  properties: { words: { type: 'array', items: { type: 'string', maxLength: 6 }, minItems: 40, maxItems: 40 } },
  required: ['words'],
  additionalProperties: false
}
const TOOLS = ['get_weather', 'get_time', 'search_docs'].map((name) => ({
  type: 'function',
  function: { name, description: `The ${name.replace('_', ' ')} tool`, parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } }, required: ['query'] } }
}))

interface Sample {
  ttftMs: number
  tokensPerSecond: number
  tokens: number
}

/** One streamed chat request; `run` varies the system prompt so no prefix is cached between runs. */
async function streamChat(agent: BenchAgent, run: number, extra: Record<string, unknown>): Promise<Sample> {
  const t0 = performance.now()
  const res = await fetch(`${agent.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'bench',
      messages: [{ role: 'system', content: `run ${run}` }, { role: 'user', content: 'List some words.' }],
      temperature: 0.8,
      seed: SEED + run,
      stream: true,
      stream_options: { include_usage: true },
      ...extra
    })
  })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const dec = new TextDecoder()
  let first = 0
  let buf = ''
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    buf += dec.decode(r.value, { stream: true })
    if (!first && /"(content|tool_calls)":(?!"")/.test(buf.replace(/"role":"assistant","content":""/g, ''))) first = performance.now()
  }
  const end = performance.now()
  const tokens = Number(/"completion_tokens":(\d+)/.exec(buf)?.[1] ?? 0)
  return { ttftMs: first - t0, tokensPerSecond: ((tokens - 1) * 1000) / (end - first), tokens }
}

async function series(agent: BenchAgent, extra: Record<string, unknown>): Promise<Sample[]> {
  const out: Sample[] = []
  for (let run = 0; run <= RUNS; run++) {
    const s = await streamChat(agent, run + Math.floor(Math.random() * 1e6), extra)
    if (run > 0) out.push(s) // the first run warms up
  }
  return out
}

/**
 * Constrained and free runs in pairs, one right after the other, each free run as long as its JSON
 * partner (decoding slows down as the context fills): on a shared, noisy box both halves of a pair see
 * the same load. Returns both series and the per-pair speed ratios.
 */
async function pairs(agent: BenchAgent): Promise<{ json: Sample[]; free: Sample[]; ratios: number[] }> {
  const json: Sample[] = []
  const free: Sample[] = []
  for (let run = 0; run <= RUNS; run++) {
    const id = Math.floor(Math.random() * 1e9)
    const j = await streamChat(agent, id, { max_tokens: 2000, response_format: { type: 'json_schema', json_schema: { name: 'words', schema: LONG_JSON } } })
    const f = await streamChat(agent, id + 1, { max_tokens: j.tokens, ignore_eos: true })
    if (run === 0) continue // warm-up
    json.push(j)
    free.push(f)
  }
  return { json, free, ratios: json.map((j, i) => j.tokensPerSecond / (free[i] as Sample).tokensPerSecond) }
}

export async function structuredBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-models-'))
  const threads = defaultThreads()
  const shapes: [string, TinyGgufOptions][] = [
    ['tiny (2x64)', { layers: 2, embd: 64, ff: 128 }],
    ['medium (8x512)', { layers: 8, embd: 512, ff: 1376 }]
  ]
  const speed: (string | number)[][] = []
  const ttft: (string | number)[][] = []
  for (const [label, shape] of shapes) {
    const path = join(dir, 'bench.gguf')
    await writeTinyGguf(path, { ...shape, ctx: 4096, seed: 5, template: 'hermes' })
    const agent = await startBenchAgent(['--model', path, '--slots', '1', '--ctx-size', '4096', '--threads', String(threads)])
    try {
      await waitUntil(async () => (await fetch(`${agent.url}/ready`)).status === 200, 60_000, 'model ready')
      const { json, free, ratios } = await pairs(agent)
      const plain = await series(agent, { max_tokens: 1, ignore_eos: true })
      const withTools = await series(agent, { max_tokens: 1, ignore_eos: true, tools: TOOLS })
      const tpsFree = median(free.map((s) => s.tokensPerSecond))
      const tpsJson = median(json.map((s) => s.tokensPerSecond))
      speed.push([label, fmt(tpsFree, 0), fmt(tpsJson, 0), fmt(median(ratios)), median(json.map((s) => s.tokens))])
      const a = median(plain.map((s) => s.ttftMs))
      const b = median(withTools.map((s) => s.ttftMs))
      ttft.push([label, fmt(a), fmt(b), fmt(b - a)])
    } finally {
      await agent.stop()
    }
  }
  printTable(`structured: grammar-constrained JSON vs free text, streaming chat (threads=${threads}, ${RUNS} runs, median)`, ['model', 'free tok/s', 'json_schema tok/s', 'ratio (median of pairs)', 'json tokens'], speed)
  printTable(`structured: time to first token without and with 3 tools rendered (no cached prefix)`, ['model', 'no tools TTFT ms', 'tools TTFT ms', 'added ms'], ttft)
}
