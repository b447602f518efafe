/**
 * Protocols benchmark: what translating onto the chat path costs. The same model on one node, asked
 * the same thing through `/v1/chat/completions` (SSE), `/v1/messages` (Anthropic SSE events) and
 * `/api/chat` (Ollama NDJSON), interleaved request by request so noise lands on all three alike:
 *
 * - TTFT: request sent → first body bytes holding generated text (the chat chunk with content, the
 *   first `text_delta`, the first `done: false` line), p50 and p90, with the ratio to chat;
 * - tokens/s: generated tokens / (last byte − first token), per request, median; the ratio to chat is
 *   the median of the per-round ratios (each request against the chat request of its own round, a
 *   few ms apart), so a load change on the shared box between rounds does not land on one API only;
 *   the chat request sent twice per round (A/A) shows how far the ratio moves with no difference at all;
 * - translation CPU: the translator alone, in this process, on a recorded chat stream of the same length: to
 *   the first token (request parsed and mapped, stream formatted up to the first text) and per token.
 *   The tiny model writes ~2000 tokens/s, so per-token costs weigh far more here than on a real model.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { writeTinyGguf } from '../../native-runtime/src/index.js'
import { startBenchAgent, waitUntil } from './agent-proc.js'
import { fmt, median, percentile, printTable } from './stats.js'
import type { ChatChunk } from '../../agent/src/protocols/chat-events.js'
import { MessagesRequestSchema } from '../../agent/src/protocols/anthropic/schemas.js'
import { chatRequestOf as anthropicChat } from '../../agent/src/protocols/anthropic/to-chat.js'
import { messageEvents } from '../../agent/src/protocols/anthropic/format.js'
import { ChatRequestSchema } from '../../agent/src/protocols/ollama/schemas.js'
import { chatRequestOf as ollamaChat } from '../../agent/src/protocols/ollama/to-chat.js'
import { answerLines } from '../../agent/src/protocols/ollama/format.js'

/** Generated tokens per request (the tiny readable model does not stop early). */
const TOKENS = 256
const ROUNDS = 200
const PROMPT = 'Tell me about the mesh and the cluster of nodes'

interface Protocol {
  name: string
  path: string
  body: string
  /** True when `text` (the body so far) holds generated text. */
  hasToken: (text: string) => boolean
}

const PROTOCOLS: Protocol[] = [
  {
    name: 'chat (OpenAI SSE)',
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'proto', stream: true, max_tokens: TOKENS, messages: [{ role: 'user', content: PROMPT }] }),
    hasToken: (t) => /"content":"[^"]/.test(t)
  },
  {
    // the same request again: its ratio to the first is the bench's own noise floor on this box (A/A)
    name: 'chat again (A/A control)',
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'proto', stream: true, max_tokens: TOKENS, messages: [{ role: 'user', content: PROMPT }] }),
    hasToken: (t) => /"content":"[^"]/.test(t)
  },
  {
    name: 'anthropic /v1/messages',
    path: '/v1/messages',
    body: JSON.stringify({ model: 'proto', stream: true, max_tokens: TOKENS, messages: [{ role: 'user', content: PROMPT }] }),
    hasToken: (t) => t.includes('"text_delta"')
  },
  {
    name: 'ollama /api/chat',
    path: '/api/chat',
    body: JSON.stringify({ model: 'proto', options: { num_predict: TOKENS }, messages: [{ role: 'user', content: PROMPT }] }),
    hasToken: (t) => t.includes('"done":false')
  }
]

interface Sample {
  ttftMs: number
  tokensPerS: number
}

async function once(client: Agent, url: string, p: Protocol): Promise<Sample> {
  const t0 = performance.now()
  const res = await request(`${url}${p.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: p.body, dispatcher: client })
  if (res.statusCode !== 200) throw new Error(`${p.path}: status ${res.statusCode} ${await res.body.text()}`)
  let text = ''
  let first = 0
  for await (const chunk of res.body) {
    if (!first) {
      text += (chunk as Buffer).toString('utf8')
      if (p.hasToken(text)) first = performance.now()
    }
  }
  const end = performance.now()
  return { ttftMs: first - t0, tokensPerS: (TOKENS - 1) / ((end - first) / 1000) }
}

/** A recorded chat stream of TOKENS chunks plus usage, as the chat path yields it. */
function recordedStream(): ChatChunk[] {
  const chunks: ChatChunk[] = Array.from({ length: TOKENS }, (_, i) => ({ id: 'c', created: 1, model: 'proto', choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: ' hello' } : { content: ' hello' }, finish_reason: i === TOKENS - 1 ? 'length' : null }] }))
  chunks.push({ id: 'c', created: 1, model: 'proto', choices: [], usage: { prompt_tokens: 12, completion_tokens: TOKENS, total_tokens: 12 + TOKENS } })
  return chunks
}

async function* replay(chunks: ChatChunk[]): AsyncGenerator<ChatChunk> {
  for (const c of chunks) yield c
}

/**
 * The translator's CPU, p50 over 2000 runs: to the first token (parse and map the request, format
 * the stream up to the first generated text; ms) and per further token (µs).
 */
async function translationCost(p: Protocol, chunks: ChatChunk[]): Promise<{ firstMs: number; perTokenUs: number }> {
  const first: number[] = []
  const perToken: number[] = []
  const now = process.hrtime.bigint
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now()
    const raw: unknown = JSON.parse(p.body)
    const usage = { promptTokens: 0, completionTokens: 0 }
    let out: AsyncGenerator<string>
    if (p.path === '/v1/messages') {
      anthropicChat(MessagesRequestSchema.parse(raw))
      out = messageEvents({ id: 'msg_x', model: 'proto' }, replay(chunks), usage)
    } else {
      ollamaChat(ChatRequestSchema.parse(raw))
      out = answerLines({ kind: 'chat', model: 'proto', startNs: now(), now }, replay(chunks), usage)
    }
    let t1 = 0
    for await (const s of out) if (!t1 && p.hasToken(s)) t1 = performance.now()
    const t2 = performance.now()
    first.push(t1 - t0)
    perToken.push(((t2 - t1) * 1000) / (TOKENS - 1))
  }
  return { firstMs: median(first.slice(200)), perTokenUs: median(perToken.slice(200)) }
}

export async function protocolsBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-proto-'))
  const model = join(dir, 'proto.gguf')
  await writeTinyGguf(model, { name: 'proto', seed: 4, readable: true })
  const agent = await startBenchAgent(['--name', 'proto', '--model', model, '--slots', '1'])
  const client = new Agent({ connections: 1 })
  const samples = new Map<string, Sample[]>(PROTOCOLS.map((p) => [p.name, []]))
  try {
    await waitUntil(async () => (await fetch(`${agent.url}/ready`)).status === 200, 30_000, 'the model to load')
    for (const p of PROTOCOLS) for (let i = 0; i < 3; i++) await once(client, agent.url, p) // warm up
    for (let r = 0; r < ROUNDS; r++) for (const p of r % 2 ? [...PROTOCOLS].reverse() : PROTOCOLS) samples.get(p.name)?.push(await once(client, agent.url, p))
  } finally {
    await client.close()
    await agent.stop()
  }
  const base = samples.get(PROTOCOLS[0]?.name ?? '') ?? []
  const baseTtft = median(base.map((s) => s.ttftMs))
  const chunks = recordedStream()
  const rows: (string | number)[][] = []
  for (const p of PROTOCOLS) {
    const s = samples.get(p.name) ?? []
    const ttft = median(s.map((x) => x.ttftMs))
    const tps = median(s.map((x) => x.tokensPerS))
    const tpsRatio = median(s.map((x, i) => x.tokensPerS / (base[i]?.tokensPerS ?? Number.NaN)))
    const cost = p.path === '/v1/chat/completions' ? undefined : await translationCost(p, chunks)
    rows.push([p.name, fmt(ttft), fmt(percentile(s.map((x) => x.ttftMs), 90)), `${fmt(ttft - baseTtft)} (${fmt(ttft / baseTtft)}×)`, fmt(tps, 0), `${fmt(tpsRatio)}×`, cost ? fmt(cost.firstMs, 3) : '—', cost ? fmt(cost.perTokenUs, 1) : '—'])
  }
  printTable(
    `protocols: one node, ${TOKENS} tokens per request, ${ROUNDS} interleaved rounds (sequential)`,
    ['API', 'TTFT p50 ms', 'TTFT p90 ms', 'TTFT vs chat', 'tokens/s p50', 'tokens/s vs chat (paired)', 'translation to 1st token p50 ms', 'translation per token p50 µs'],
    rows
  )
}
