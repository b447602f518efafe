/**
 * Responses benchmark: what the translator costs on the one generation path, and what a stored
 * response on another node costs to read.
 *
 * - Translation: the same prompt, greedy, the same number of tokens, streamed through
 *   `/v1/chat/completions` and through `/v1/responses` on the node that holds the model, in
 *   interleaved rounds: time to the first text delta and decode tokens/s, side by side as ratios.
 * - Translator CPU: the same work in this process, measured in CPU time (robust to a busy box): a
 *   recorded 48-token chat stream read and re-emitted as Responses events, vs passed through as is.
 * - Stored response lookup: `GET /v1/responses/{id}` answered by the node that stored it vs by another
 *   node, which relays through the mesh to the owner (the same round trip a `previous_response_id`
 *   continued on another node makes before its chat request is routed).
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeTinyGguf } from '../../native-runtime/src/index.js'
import { meshAddressOf, startBenchAgent, waitUntil } from './agent-proc.js'
import { fmt, median, percentile, printTable } from './stats.js'
import { readChatChunks } from '../../agent/src/protocols/chat-events.js'
import { sseData, SSE_DONE } from '../../agent/src/inference/http-result.js'
import { parseResponsesRequest } from '../../agent/src/protocols/responses/parse-request.js'
import { inputItemsOf, toChatBody } from '../../agent/src/protocols/responses/request-mapping.js'
import { ResponseBuilder } from '../../agent/src/protocols/responses/response-builder.js'
import { sseEvent } from '../../agent/src/protocols/responses/serve-response.js'

const ROUNDS = 6
const PER_ROUND = 6
/** Tokens of each streamed answer (ignore_eos: every run the same length). */
const TOKENS = 200
/** Tokens of the recorded stream the translator CPU is measured on. */
const CPU_TOKENS = 48
const LOOKUPS = 300
const PROMPT = 'Write a short story about a lighthouse keeper who finds a message in a bottle.'

interface Run {
  ttft: number
  tokPerS: number
}

/** One streamed request; `ttft` to the first text delta, tokens/s over the decode after it. */
async function streamOnce(url: string, api: 'chat' | 'responses'): Promise<Run> {
  const body =
    api === 'chat'
      ? { model: 'resp', messages: [{ role: 'user', content: PROMPT }], max_tokens: TOKENS, temperature: 0, ignore_eos: true, stream: true, stream_options: { include_usage: true } }
      : { model: 'resp', input: PROMPT, max_output_tokens: TOKENS, temperature: 0, ignore_eos: true, stream: true, store: false }
  const t0 = performance.now()
  const res = await fetch(`${url}${api === 'chat' ? '/v1/chat/completions' : '/v1/responses'}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (res.status !== 200 || !res.body) throw new Error(`${api}: status ${res.status}`)
  const dec = new TextDecoder()
  let ttft = 0
  let text = ''
  for await (const piece of res.body) {
    const s = dec.decode(piece, { stream: true })
    // the first chat chunk (role, empty content) is not text yet
    if (!ttft && (/"content":"[^"]/.test(s) || s.includes('output_text.delta'))) ttft = performance.now() - t0
    text += s
  }
  const total = performance.now() - t0
  const m = /"(?:completion_tokens|output_tokens)":(\d+)/.exec(text.slice(text.lastIndexOf('"usage"')))
  const tokens = Number(m?.[1] ?? 0)
  return { ttft, tokPerS: tokens > 1 ? (tokens - 1) / ((total - ttft) / 1000) : NaN }
}

async function timeGet(url: string): Promise<number> {
  const t0 = performance.now()
  const res = await fetch(url)
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`)
  return performance.now() - t0
}

/** The SSE frames of a 48-token chat answer, as the chat path streams them. */
function recordedChatStream(): string[] {
  const base = { id: 'chatcmpl-1', created: 1, model: 'resp' }
  const frames = [sseData({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })]
  for (let i = 0; i < CPU_TOKENS; i++) frames.push(sseData({ ...base, choices: [{ index: 0, delta: { content: ' word' }, finish_reason: null }] }))
  frames.push(sseData({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'length' }] }), sseData({ ...base, choices: [], usage: { prompt_tokens: 20, completion_tokens: CPU_TOKENS, total_tokens: 20 + CPU_TOKENS } }), SSE_DONE)
  return frames
}

async function* replay(frames: string[]): AsyncGenerator<string> {
  yield* frames
}

/** CPU µs per stream of `fn`, over `n` runs after a warm-up. */
async function cpuPerRun(n: number, fn: () => Promise<number>): Promise<number> {
  for (let i = 0; i < 200; i++) await fn()
  const c0 = process.cpuUsage()
  let sink = 0
  for (let i = 0; i < n; i++) sink += await fn()
  const c = process.cpuUsage(c0)
  if (sink < 0) throw new Error('unreachable')
  return (c.user + c.system) / n
}

async function translatorCpu(): Promise<void> {
  const frames = recordedChatStream()
  const raw = { model: 'resp', input: PROMPT, max_output_tokens: CPU_TOKENS, stream: true }
  const passThrough = async (): Promise<number> => {
    let bytes = 0
    for await (const f of replay(frames)) bytes += f.length
    return bytes
  }
  const translate = async (): Promise<number> => {
    const req = parseResponsesRequest(raw)
    toChatBody(req, [], inputItemsOf(req.input as string))
    const b = new ResponseBuilder({ id: 'resp_bench', createdAt: 1, request: req })
    let bytes = b.start().map(sseEvent).join('').length
    for await (const c of readChatChunks(replay(frames))) bytes += b.push(c).map(sseEvent).join('').length
    return bytes + b.finish(2).map(sseEvent).join('').length
  }
  const N = 3000
  const chat = await cpuPerRun(N, passThrough)
  const resp = await cpuPerRun(N, translate)
  printTable(`responses: translator CPU per ${CPU_TOKENS}-token stream (in process, CPU time, ${N} runs)`, ['', 'chat bytes as is', 'responses translation', 'added'], [
    ['CPU µs per stream', fmt(chat, 1), fmt(resp, 1), fmt(resp - chat, 1)],
    ['CPU µs per token', fmt(chat / CPU_TOKENS, 2), fmt(resp / CPU_TOKENS, 2), fmt((resp - chat) / CPU_TOKENS, 2)]
  ])
}

export async function responsesBench(): Promise<void> {
  await translatorCpu()
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-resp-'))
  const model = join(dir, 'resp.gguf')
  await writeTinyGguf(model, { name: 'resp', seed: 5 })
  const key = 'e6'.repeat(32)
  const owner = await startBenchAgent(['--name', 'holder', '--model', model, '--slots', '2', '--cluster-key', key], {}, true)
  const other = await startBenchAgent(['--name', 'other', '--cluster-key', key, '--peer', await meshAddressOf(owner)], {}, true)
  try {
    await waitUntil(async () => (await fetch(`${other.url}/ready`)).status === 200, 20_000, 'the second node to see the model')
    const runs: Record<'chat' | 'responses', Run[]> = { chat: [], responses: [] }
    for (const api of ['chat', 'responses'] as const) await streamOnce(owner.url, api) // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      const order: ('chat' | 'responses')[] = r % 2 ? ['responses', 'chat'] : ['chat', 'responses']
      for (const api of order) {
        for (let i = 0; i < PER_ROUND; i++) runs[api].push(await streamOnce(owner.url, api))
      }
    }
    const ttft = (api: 'chat' | 'responses'): number => median(runs[api].map((x) => x.ttft))
    const tps = (api: 'chat' | 'responses'): number => median(runs[api].map((x) => x.tokPerS).filter(Number.isFinite))
    printTable(`responses: translation on the serving node (${ROUNDS * PER_ROUND} streams each, ${TOKENS} tokens, greedy)`, ['', 'chat', 'responses', 'responses / chat'], [
      ['TTFT p50 (ms)', fmt(ttft('chat')), fmt(ttft('responses')), `${fmt(ttft('responses') - ttft('chat'))} ms added`],
      ['decode tok/s p50', fmt(tps('chat'), 1), fmt(tps('responses'), 1), fmt(tps('responses') / tps('chat'), 3)]
    ])

    // a stored response with some conversation behind it: three turns
    let prev: string | undefined
    for (let turn = 0; turn < 3; turn++) {
      const res = await fetch(`${other.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'resp', input: PROMPT, max_output_tokens: 32, previous_response_id: prev }) })
      prev = ((await res.json()) as { id: string }).id
    }
    const path = `/v1/responses/${prev}`
    const local: number[] = []
    const relayed: number[] = []
    for (let i = 0; i < 20; i++) await Promise.all([timeGet(`${other.url}${path}`), timeGet(`${owner.url}${path}`)])
    for (let i = 0; i < LOOKUPS; i++) {
      local.push(await timeGet(`${other.url}${path}`))
      relayed.push(await timeGet(`${owner.url}${path}`))
    }
    const bytes = (await (await fetch(`${other.url}${path}`)).text()).length
    printTable(`responses: reading a stored response (${LOOKUPS} GETs each, ${bytes} bytes; stored on its ingress node)`, ['', 'owner node', 'another node (mesh relay)', 'added'], [
      ['p50 (ms)', fmt(median(local)), fmt(median(relayed)), fmt(median(relayed) - median(local))],
      ['p90 (ms)', fmt(percentile(local, 90)), fmt(percentile(relayed, 90)), fmt(percentile(relayed, 90) - percentile(local, 90))]
    ])
  } finally {
    await Promise.all([owner.stop(), other.stop()])
  }
}
