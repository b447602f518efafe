/**
 * Entry point of the multimodal runtime child, forked by the supervisor for models that come with a
 * projector (`mmproj`). It runs llama.cpp with libmtmd through `@fugood/llama.node`, speaks the same IPC
 * protocol as the text child (specs/runtime-protocol.md), and isolates crashes the same way: an image or a
 * model that aborts llama.cpp takes down only this process.
 */
import { errorToWire } from '../error-wire.js'
import { RuntimeUnavailableError } from '../errors.js'
import { childInitSchema, PROTOCOL_VERSION } from '../protocol.js'
import { onParentMessage, send } from '../child/ipc.js'
import { watchParent } from '../child/parent-watchdog.js'
import { loadBinding } from './binding.js'
import { MediaFolder } from './media-files.js'
import { RequestHandler } from '../child/request-handler.js'
import { CapabilityError } from '../errors.js'
import { runMtmdGeneration } from './mtmd-generation.js'
import { MtmdHost } from './mtmd-host.js'

const exit = (code: number): never => process.exit(code)

const parsed = childInitSchema.safeParse(safeJson(process.argv[2] ?? ''))
if (!parsed.success) {
  process.stderr.write(`llmlb multimodal runtime child: invalid init argument: ${parsed.error.message}\n`)
  exit(2)
} else {
  const init = parsed.data
  watchParent(init.parentPid, { exit })
  try {
    const binding = loadBinding()
    // the binding picks a GPU build only when asked for one; 'auto' offloads when its default build has a GPU device
    const gpu = init.gpu !== false
    const media = new MediaFolder()
    const handler = new RequestHandler<MtmdHost>(
      {
        load: (spec) => MtmdHost.load(binding, spec, init.threads, gpu, media),
        generate: runMtmdGeneration,
        embed: async (host) => {
          throw new CapabilityError(host.id, 'embeddings')
        },
        countTokens: async (host, prompt) => {
          const rendered = await host.render(prompt)
          await rendered.release()
          return rendered.tokens
        }
      },
      exit
    )
    onParentMessage((message) => handler.handle(message))
    send({ type: 'ready', protocol: PROTOCOL_VERSION, pid: process.pid, gpu: false, threads: init.threads })
  } catch (err) {
    const error = errorToWire(new RuntimeUnavailableError(`the multimodal runtime (@fugood/llama.node) could not start: ${(err as Error).message}`))
    send({ type: 'fatal', error }, () => exit(1))
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
