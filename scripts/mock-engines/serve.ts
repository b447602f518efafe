/**
 * Runs one mock engine as its own process (for benchmarks: the load generator and the engine then do
 * not share an event loop): `node dist/scripts/mock-engines/serve.js KIND [--port N] [--model ID]`.
 * Prints one JSON line `{"url": …}` once listening; stops on SIGTERM.
 */
import { scriptArgs } from '../script-args.js'
import { startMockEngine, type MockKind } from './engines.js'

const USAGE = 'usage: node dist/scripts/mock-engines/serve.js ollama|llamacpp|vllm|lmstudio|sglang|openai [--port N] [--model ID] [--image-model ID] [--answer TEXT]'
const { positionals, values } = scriptArgs(USAGE, { port: { type: 'string' }, model: { type: 'string' }, 'image-model': { type: 'string' }, answer: { type: 'string' } })
const kind = positionals[0] as MockKind | undefined
if (!kind || !['ollama', 'llamacpp', 'vllm', 'lmstudio', 'sglang', 'openai'].includes(kind)) {
  process.stderr.write(`${USAGE}\n`)
  process.exit(2)
}
const engine = await startMockEngine(kind, {
  port: values.port ? Number(values.port) : 0,
  // an image model answers the images API (openai kind): 4×4 PNGs
  ...(values.model || values['image-model'] ? { models: [...(values.model ? [{ id: values.model }] : []), ...(values['image-model'] ? [{ id: values['image-model'], type: 'image' as const }] : [])] } : {}),
  ...(values.answer ? { answer: values.answer } : {})
})
process.stdout.write(JSON.stringify({ url: engine.url }) + '\n')
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void engine.stop().then(() => process.exit(0)))
