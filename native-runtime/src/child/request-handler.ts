/**
 * Serves the parent's requests in the child: the models loaded here and the generations running on them.
 */
import type { Llama } from 'node-llama-cpp'
import { errorToWire } from '../error-wire.js'
import { ModelLoadError, ModelNotFoundError, RuntimeError, RuntimeUnavailableError } from '../errors.js'
import type { GenerateRequest, ParentMessage } from '../protocol.js'
import { runGeneration } from './generation.js'
import { log, send } from './ipc.js'
import { ModelHost } from './model-host.js'
import { coalesceText } from './event-coalescer.js'

export class RequestHandler {
  private readonly models = new Map<string, ModelHost>()
  /** Running generations by request id, for `cancel`. */
  private readonly generations = new Map<number, AbortController>()

  constructor(
    private readonly llama: Llama,
    private readonly threads: number,
    private readonly exit: (code: number) => void
  ) {}

  handle(message: ParentMessage): void {
    switch (message.type) {
      case 'generate':
        this.generate(message)
        return
      case 'cancel':
        // a plain string reason means "stop silently": the parent has already let go of this generation
        this.generations.get(message.id)?.abort('cancelled')
        return
      case 'shutdown':
        send({ type: 'result', id: message.id, result: null }, () => this.exit(0))
        return
      case 'load':
        this.reply(message.id, async () => {
          send({ type: 'model', model: message.spec.id, state: 'loading' })
          await this.drop(message.spec.id, 'replaced by a new load of the same id')
          try {
            const host = await ModelHost.load(this.llama, message.spec, this.threads)
            this.models.set(host.id, host)
            send({ type: 'model', model: host.id, state: 'loaded' })
            return host.info
          } catch (err) {
            send({ type: 'model', model: message.spec.id, state: 'failed', error: (err as Error).message })
            throw err instanceof RuntimeError ? err : new ModelLoadError(message.spec.id, String(err), err)
          }
        })
        return
      case 'unload':
        this.reply(message.id, async () => {
          if (!(await this.drop(message.model, 'unloaded'))) throw new ModelNotFoundError(message.model)
          send({ type: 'model', model: message.model, state: 'unloaded' })
          return null
        })
        return
      case 'embed':
        this.reply(message.id, () => this.host(message.model).embed(message.inputs))
        return
      case 'countTokens':
        this.reply(message.id, async () => ({ tokens: this.host(message.model).countTokens(message.prompt) }))
    }
  }

  private generate(request: GenerateRequest): void {
    const controller = new AbortController()
    const signal = controller.signal
    const { emit } = coalesceText((event: Parameters<Parameters<typeof runGeneration>[2]>[0]): void =>
      send({ type: 'generation', id: request.id, event })
    )
    let host: ModelHost
    try {
      host = this.host(request.model)
    } catch (err) {
      emit({ type: 'error', error: errorToWire(err) })
      return
    }
    this.generations.set(request.id, controller)
    const done = runGeneration(host, request, emit, signal)
      .catch((err: unknown) => {
        // aborted by a cancel (string reason): the parent has let go, so nothing is sent
        if (signal.aborted && !(signal.reason instanceof RuntimeError)) return
        const error = signal.aborted ? signal.reason : err
        if (!(error instanceof RuntimeError)) log('error', `generation failed: ${(error as Error).message}`)
        emit({ type: 'error', error: errorToWire(error) })
      })
      .finally(() => {
        this.generations.delete(request.id)
        host.running.delete(controller)
      })
    host.running.set(controller, done)
  }

  private host(id: string): ModelHost {
    const host = this.models.get(id)
    if (host === undefined) throw new ModelNotFoundError(id)
    return host
  }

  /** Unloads a model if loaded; its running generations end with RuntimeUnavailableError. */
  private async drop(id: string, why: string): Promise<boolean> {
    const host = this.models.get(id)
    if (host === undefined) return false
    this.models.delete(id)
    await host.dispose(new RuntimeUnavailableError(`The model '${id}' was ${why} during this request`))
    return true
  }

  private reply(id: number, work: () => Promise<unknown>): void {
    work().then(
      (result) => send({ type: 'result', id, result }),
      (err: unknown) => send({ type: 'error', id, error: errorToWire(err) })
    )
  }
}
