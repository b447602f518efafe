/**
 * A stand-in for stable-diffusion.cpp's `sd-server` binary where none is built (CI: its source is not
 * fetched there): takes the arguments the node gives the real one (`-m FILE --listen-ip IP
 * --listen-port N`, the rest ignored) and serves the `sdcpp` mock engine on that port, its model named
 * after the file. `node dist/scripts/mock-engines/sd-server.js -m model.safetensors --listen-port 8080`.
 */
import { basename, extname } from 'node:path'
import { startMockEngine } from './engines.js'

const args = process.argv.slice(2)
const value = (...names: string[]): string | undefined => {
  const i = args.findIndex((a) => names.includes(a))
  return i >= 0 ? args[i + 1] : undefined
}
const model = value('-m', '--model')
const port = Number(value('--listen-port') ?? 1234)
if (!model) {
  process.stderr.write('error: the following arguments are required: -m\n')
  process.exit(1)
}
const engine = await startMockEngine('sdcpp', { port, models: [{ id: basename(model, extname(model)), type: 'image' }] })
process.stdout.write(`listening on: ${engine.url}\n`)
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void engine.stop().then(() => process.exit(0)))
