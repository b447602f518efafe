/**
 * Entry point of the multimodal runtime child, forked by the supervisor for models that come with a
 * projector (`mmproj`). It runs llama.cpp with libmtmd through `@fugood/llama.node`, speaks the same IPC
 * protocol as the text child (specs/runtime-protocol.md), and isolates crashes the same way: an image or a
 * model that aborts llama.cpp takes down only this process.
 */
import { existsSync } from 'node:fs'
import { errorToWire } from '../error-wire.js'
import { CapabilityError, RuntimeUnavailableError } from '../errors.js'
import { type ChildInit, childInitSchema, PROTOCOL_VERSION } from '../protocol.js'
import { log, onParentMessage, send } from '../child/ipc.js'
import { watchParent } from '../child/parent-watchdog.js'
import { RequestHandler } from '../child/request-handler.js'
import { loadBinding, type MtmdModule, type MtmdVariant } from './binding.js'
import { MediaFolder } from './media-files.js'
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
    const variant = await chooseVariant(binding, init.gpu)
    const media = new MediaFolder()
    const handler = new RequestHandler<MtmdHost>(
      {
        load: (spec) => MtmdHost.load(binding, spec, init.threads, variant, media, init.mmap),
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
    send({ type: 'ready', protocol: PROTOCOL_VERSION, pid: process.pid, gpu: variant === 'default' ? false : variant, threads: init.threads })
  } catch (err) {
    const error = errorToWire(new RuntimeUnavailableError(`the multimodal runtime (@fugood/llama.node) could not start: ${(err as Error).message}`))
    send({ type: 'fatal', error }, () => exit(1))
  }
}

/**
 * The binding build for the node's `gpu` setting: `cuda`/`vulkan` when asked and installed (else the CPU
 * build, with a warning); `auto` takes the CUDA build only where an NVIDIA driver is present (its package
 * is pruned elsewhere), because a GPU build without a device is no faster than the CPU one.
 */
async function chooseVariant(binding: MtmdModule, gpu: ChildInit['gpu']): Promise<MtmdVariant> {
  const wanted: MtmdVariant | null = gpu === 'cuda' || gpu === 'vulkan' ? gpu : gpu === 'auto' && existsSync('/dev/nvidia0') ? 'cuda' : null
  if (wanted === null) return 'default'
  if (await binding.isLibVariantAvailable(wanted).catch(() => false)) return wanted
  if (gpu !== 'auto') log('warn', `the multimodal runtime has no ${wanted} build installed (@fugood/node-llama-*-${wanted}); running on the CPU`)
  return 'default'
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
