/**
 * llama.cpp's `llama-server` running a model over RPC workers: one child process per split model,
 * bound to loopback on a free port, ready once `/health` answers 200. The agent reaches it only through
 * the engine machinery (an EngineBackend on its URL). It aborts when a worker dies ("Remote RPC server
 * crashed"); `exited` tells the coordinator, which re-places.
 */
import type { Logger } from 'pino'
import { LocalServer } from '../../engines/index.js'

export interface LlamaServerOptions {
  /** Path of the `llama-server` binary (RpcBinaries.server). */
  binary: string
  /** The GGUF (first part of a split GGUF). */
  modelPath: string
  /** Model id clients use (`--alias`). */
  alias: string
  /** `host:port` of each leased worker (`--rpc`). */
  endpoints: readonly string[]
  slots: number
  /** Context per slot (tokens); the server gets `contextSize × slots`. */
  contextSize: number
  threads?: number
  /** Longest wait for the model to load (ms). */
  loadTimeoutMs: number
  logger: Logger
}

/** The argument list (pure, so it is unit-tested). */
export function llamaServerArgs(o: Pick<LlamaServerOptions, 'modelPath' | 'alias' | 'endpoints' | 'slots' | 'contextSize' | 'threads'>, port: number): string[] {
  return [
    '-m', o.modelPath,
    // no endpoints: the same model whole on this box (the reference a split must match)
    ...(o.endpoints.length > 0 ? ['--rpc', o.endpoints.join(',')] : []),
    '-ngl', '99',
    '--alias', o.alias,
    '--host', '127.0.0.1',
    '--port', String(port),
    '-np', String(o.slots),
    '-c', String(o.contextSize * o.slots),
    // the sizes are given: llama.cpp must not shrink the context to fit what it thinks is free
    '-fit', 'off',
    '--no-webui',
    ...(o.threads ? ['-t', String(o.threads)] : [])
  ]
}

/** llama-server as a LocalServer: ready once `/health` answers 200. */
export class LlamaServer extends LocalServer {
  constructor(o: LlamaServerOptions) {
    super({ label: 'llama-server', binary: o.binary, args: (port) => llamaServerArgs(o, port), readyPath: '/health', loadTimeoutMs: o.loadTimeoutMs, logger: o.logger, logFields: { model: o.alias, workers: o.endpoints } })
  }
}
