/**
 * Entry point of the runtime child process, forked by `LlamaCppRuntime`. It runs llama.cpp through
 * node-llama-cpp so that a model which aborts the process (a GGML_ASSERT) takes down only this child.
 * Its argument is the JSON `ChildInit`; it talks to the parent over the IPC channel only
 * (specs/runtime-protocol.md). This module imports no libp2p, so it needs no polyfill.
 */
import { errorToWire } from '../error-wire.js'
import { RuntimeUnavailableError } from '../errors.js'
import { type ChildInit, childInitSchema, PROTOCOL_VERSION } from '../protocol.js'
import { log, onParentMessage, send } from './ipc.js'
import { watchParent } from './parent-watchdog.js'
import { RequestHandler } from './request-handler.js'
import { ModelHost } from './model-host.js'
import { runGeneration } from './generation.js'
// nothing the child imports pulls in libp2p or the agent (so no polyfill), only its own modules and llama.cpp
import { getLlama, type LlamaLogLevel, NoBinaryFoundError } from 'node-llama-cpp'

const exit = (code: number): never => process.exit(code)

const parsed = childInitSchema.safeParse(safeJson(process.argv[2] ?? ''))
if (!parsed.success) {
  process.stderr.write(`llmlb runtime child: invalid init argument: ${parsed.error.message}\n`)
  exit(2)
} else {
  const init = parsed.data
  watchParent(init.parentPid, { exit })
  try {
    const llama = await getLlama({
      // prebuilt binaries only: a missing one is an error here, never a download or a compile
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      gpu: init.gpu,
      logLevel: init.logLevel as LlamaLogLevel,
      logger: (level, message) => {
        const text = message.trim()
        if (text.length > 0) log(toLevel(level), text)
      }
    })
    if (init.gpu !== 'auto' && init.gpu !== false && llama.gpu !== init.gpu) {
      // node-llama-cpp quietly runs on the CPU when the backend cannot exist here (Metal on Linux)
      log('warn', `GPU backend '${init.gpu}' is not available on this platform; running on ${llama.gpu || 'the CPU'}`)
    }
    const handler = new RequestHandler<ModelHost>(
      {
        load: (spec) => ModelHost.load(llama, spec, init.threads, init.mmap),
        generate: runGeneration,
        embed: (host, inputs) => host.embed(inputs),
        countTokens: async (host, prompt) => host.countTokens(prompt)
      },
      exit
    )
    onParentMessage((message) => handler.handle(message))
    send({ type: 'ready', protocol: PROTOCOL_VERSION, pid: process.pid, gpu: llama.gpu, threads: init.threads })
  } catch (err) {
    const error = errorToWire(new RuntimeUnavailableError(startFailure(err, init.gpu)))
    send({ type: 'fatal', error }, () => exit(1))
  }
}

/** A readable reason (NoBinaryFoundError's message is only its name). */
function startFailure(err: unknown, gpu: ChildInit['gpu']): string {
  if (err instanceof NoBinaryFoundError) {
    const which = gpu === 'auto' || gpu === false ? 'CPU' : gpu
    return (
      `llama.cpp could not start: no usable prebuilt ${which} binary is installed ` +
      `(its @node-llama-cpp package is missing or its driver does not load; see LLMLB_KEEP_PREBUILTS)`
    )
  }
  return `llama.cpp could not start: ${(err as Error).message ?? String(err)}`
}

function toLevel(level: string): 'error' | 'warn' | 'info' | 'debug' {
  if (level === 'fatal' || level === 'error') return 'error'
  if (level === 'warn') return 'warn'
  return level === 'debug' ? 'debug' : 'info'
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
