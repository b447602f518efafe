/**
 * Serves the parent's requests in a child of any kind: the models loaded there and the generations running
 * on them. What differs between kinds (how a model loads, generates, embeds, counts) is the `ChildBackend`;
 * the protocol handling — replies, model state messages, cancel, unload during a generation — is this one.
 */
import { errorToWire } from '../error-wire.js'
import { ModelLoadError, ModelNotFoundError, RuntimeError, RuntimeUnavailableError } from '../errors.js'
import type { PromptInput } from '../interfaces.js'
import type { GenerateRequest, LoadRequest, ModelInfo, ParentMessage, ResultOf, WireGenerationEvent } from '../protocol.js'
import { log, send } from './ipc.js'
import { coalesceText } from './event-coalescer.js'

/** A loaded model as the handler sees it. */
export interface ChildModelHost {
  readonly info: ModelInfo
  /** Running generations, by their controller. */
  readonly running: Map<AbortController, Promise<void>>
  /** Aborts the running generations with `reason`, waits for them, frees the model. */
  dispose(reason: RuntimeError): Promise<void>
}

/** What a child kind does with its models. */
export interface ChildBackend<H extends ChildModelHost> {
  load(spec: LoadRequest['spec']): Promise<H>
  /**
   * Runs a generation, sending its events through `emit`. Resolves after `end`, or silently when `signal`
   * aborts with a non-error reason (a cancel); throws a RuntimeError when refused or aborted with one.
   */
  generate(host: H, request: GenerateRequest, emit: (event: WireGenerationEvent) => void, signal: AbortSignal): Promise<void>
  embed(host: H, inputs: string[]): Promise<ResultOf<'embed'>>
  countTokens(host: H, prompt: PromptInput): Promise<number>
}

export class RequestHandler<H extends ChildModelHost> {
  private readonly models = new Map<string, H>()
  /** Running generations by request id, for `cancel`. */
  private readonly generations = new Map<number, AbortController>()

  constructor(
    private readonly backend: ChildBackend<H>,
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
          const id = message.spec.id
          send({ type: 'model', model: id, state: 'loading' })
          await this.drop(id, 'replaced by a new load of the same id')
          try {
            const host = await this.backend.load(message.spec)
            this.models.set(id, host)
            send({ type: 'model', model: id, state: 'loaded' })
            return host.info
          } catch (err) {
            send({ type: 'model', model: id, state: 'failed', error: (err as Error).message })
            throw err instanceof RuntimeError ? err : new ModelLoadError(id, String(err), err)
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
        this.reply(message.id, () => this.backend.embed(this.host(message.model), message.inputs))
        return
      case 'countTokens':
        this.reply(message.id, async () => ({ tokens: await this.backend.countTokens(this.host(message.model), message.prompt) }))
    }
  }

  private generate(request: GenerateRequest): void {
    const controller = new AbortController()
    const signal = controller.signal
    const { emit } = coalesceText((event: WireGenerationEvent): void => send({ type: 'generation', id: request.id, event }))
    let host: H
    try {
      host = this.host(request.model)
    } catch (err) {
      emit({ type: 'error', error: errorToWire(err) })
      return
    }
    this.generations.set(request.id, controller)
    const done = this.backend
      .generate(host, request, emit, signal)
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

  private host(id: string): H {
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
