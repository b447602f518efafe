/**
 * `npm run bench -- multimodal` (vision part): time to first token of an image prompt through
 * `llmlb serve`'s API vs `@fugood/llama.node` called in-process on the same model, projector, images and
 * threads; and the figures behind the runtime decision of specs/vision.md — text decode speed and memory of
 * the two child kinds on the same weights, and whether JSON-schema output works on the multimodal kind.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultThreads, writeTinyGguf, writeTinyMmproj } from '../../native-runtime/src/index.js'
import { loadBinding } from '../../native-runtime/src/child-mtmd/binding.js'
import { dataUrl, pngImage } from '../test-png.js'
import { startBenchAgent, waitUntil, type BenchAgent } from './agent-proc.js'
import { fmt, median, printTable } from './stats.js'

const RUNS = 5
const TEXT = { layers: 4, embd: 256, ff: 1024, ctx: 2048, seed: 5 }
// 224 px in 14 px patches: 256 image positions through a 2-block encoder, like a (very) small CLIP
const PROJECTOR = { textEmbd: 256, imageSize: 224, patchSize: 14, embd: 128, ff: 256, layers: 2, heads: 4 }
const QUESTION = 'What is in this picture?'
/** A distinct image per run, so neither side reuses an encoded image. */
const image = (run: number): Buffer => pngImage(320, 240, run + 1)

type MtmdContext = Awaited<ReturnType<ReturnType<typeof loadBinding>['loadModel']>>

/** One in-process image prompt, as the multimodal child runs it: image file, template, tokenize (validation), 1 token. */
async function inProcessOnce(ctx: MtmdContext, dir: string, run: number): Promise<number> {
  const t0 = performance.now()
  const file = join(dir, `in-process-${run}.png`)
  await writeFile(file, image(run))
  const f = ctx.getFormattedChat([{ role: 'user', content: [{ type: 'text', text: QUESTION }, { type: 'image_url', image_url: { url: file } }] }], undefined, { jinja: true, add_generation_prompt: true })
  const prompt = typeof f === 'string' ? { prompt: f, media_paths: [] } : { prompt: f.prompt, media_paths: f.media_paths ?? [] }
  await ctx.tokenize(prompt.prompt, { media_paths: prompt.media_paths })
  await (await ctx.parallel.completion({ ...prompt, n_predict: 1, temperature: 0.8 })).promise
  return performance.now() - t0
}

const chat = async (a: BenchAgent, body: object): Promise<{ ms: number; json: { usage: { completion_tokens: number }; choices: { message: { content: string } }[] } }> => {
  const t0 = performance.now()
  const r = await fetch(`${a.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const json = (await r.json()) as Awaited<ReturnType<typeof chat>>['json']
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${JSON.stringify(json)}`)
  return { ms: performance.now() - t0, json }
}

async function apiOnce(a: BenchAgent, run: number): Promise<number> {
  const content = [{ type: 'text', text: QUESTION }, { type: 'image_url', image_url: { url: dataUrl(image(run + 100)) } }]
  return (await chat(a, { model: 'vis', max_tokens: 1, messages: [{ role: 'user', content }] })).ms
}

/** Decode tokens/s of a text prompt through the API: 255 tokens over the difference of a 256- and a 1-token answer. */
async function textTps(a: BenchAgent, model: string): Promise<number> {
  const speeds: number[] = []
  for (let run = 0; run <= RUNS; run++) {
    const body = { model, temperature: 0.8, seed: run, ignore_eos: true, messages: [{ role: 'user', content: 'hello world, the mesh' }] }
    const one = await chat(a, { ...body, max_tokens: 1 })
    const many = await chat(a, { ...body, max_tokens: 256 })
    if (run > 0) speeds.push(((many.json.usage.completion_tokens - 1) * 1000) / Math.max(1, many.ms - one.ms))
  }
  return median(speeds)
}

/** Resident memory (MiB) of the agent's child whose command line contains `marker`. */
function childRssMiB(agentPid: number, marker: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid !== agentPid || !readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) continue
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]
      return Number(kb) / 1024
    } catch {
      // gone while read
    }
  }
  return NaN
}

export async function visionBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-bench-vision-'))
  const threads = defaultThreads()
  const vis = join(dir, 'vis.gguf')
  const txtDir = await mkdtemp(join(tmpdir(), 'llmlb-bench-text-'))
  const txt = join(txtDir, 'txt.gguf')
  await writeTinyGguf(vis, TEXT)
  await writeTinyGguf(txt, TEXT)
  await writeTinyMmproj(join(dir, 'vis.mmproj.gguf'), PROJECTOR)
  const agent = await startBenchAgent(['--model', vis, '--model', txt, '--slots', '1', '--threads', String(threads), '--ctx-size', '2048'])
  const ctx = await loadBinding().loadModel({ model: vis, n_ctx: 2048, n_threads: threads, n_gpu_layers: 0, n_parallel: 1 })
  try {
    ctx.initMultimodal({ path: join(dir, 'vis.mmproj.gguf'), use_gpu: false })
    await ctx.parallel.enable({ n_parallel: 1 })
    await waitUntil(async () => ((await (await fetch(`${agent.url}/ready`)).json()) as { models: string[] }).models.length === 2, 60_000, 'both models to load')
    // alternated run by run, so both sides see the same load on the box; run 0 warms both up
    const inProcess: number[] = []
    const api: number[] = []
    for (let run = 0; run <= RUNS; run++) {
      const a = await inProcessOnce(ctx, dir, run)
      const b = await apiOnce(agent, run)
      if (run > 0) inProcess.push(a)
      if (run > 0) api.push(b)
    }
    const ttA = median(inProcess)
    const ttB = median(api)
    printTable(
      `multimodal (vision): TTFT of an image prompt (${PROJECTOR.imageSize}px, ${(PROJECTOR.imageSize / PROJECTOR.patchSize) ** 2} patches; prompt + image encode + 1 token), in-process @fugood/llama.node vs llmlb serve (threads=${threads}, ${RUNS} runs, median)`,
      ['model', 'in-process TTFT ms', 'llmlb TTFT ms', 'ratio (in-process / llmlb)', 'llmlb TTFT range ms'],
      [['4x256 + 2x128 clip', fmt(ttA), fmt(ttB), fmt(ttA / ttB), `${fmt(Math.min(...api), 0)}–${fmt(Math.max(...api), 0)}`]]
    )
    const tpsText = await textTps(agent, 'txt')
    const tpsMtmd = await textTps(agent, 'vis')
    const schema = { type: 'object', properties: { answer: { type: 'string', maxLength: 12 } }, required: ['answer'], additionalProperties: false }
    const structured = await chat(agent, { model: 'vis', max_tokens: 64, messages: [{ role: 'user', content: 'answer in JSON' }], response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } })
    let jsonOk = 'no'
    try {
      jsonOk = typeof (JSON.parse(structured.json.choices[0]?.message.content ?? '') as { answer?: unknown }).answer === 'string' ? 'yes' : 'no'
    } catch {
      jsonOk = 'no'
    }
    printTable(
      `multimodal (runtime kinds): the same 4x256 text weights in each child kind, text prompt through the API (threads=${threads}, ${RUNS} runs, median)`,
      ['child kind', 'decode tok/s', 'ratio to node-llama-cpp', 'child RSS MiB', 'json_schema answer parses'],
      [
        ['node-llama-cpp (text)', fmt(tpsText, 0), '1.00', fmt(childRssMiB(agent.proc.pid as number, 'child/main.js'), 0), 'yes (tested in structured suite)'],
        ['@fugood/llama.node (multimodal)', fmt(tpsMtmd, 0), fmt(tpsMtmd / tpsText), fmt(childRssMiB(agent.proc.pid as number, 'child-mtmd'), 0), jsonOk]
      ]
    )
  } finally {
    await ctx.release()
    await agent.stop()
  }
}
