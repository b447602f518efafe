/**
 * stable-diffusion.cpp's `sd-server` run by the node itself (`--sd-model`, specs/images.md "Native
 * image generation"): a LocalServer on a loopback port the node keeps for its life, fronted by an
 * EngineBackend of kind `sdcpp` in the backend registry — so its model is advertised, routed to from
 * every node, queued, authorised and recorded like any engine's. The server is started again whenever
 * it exits (a crash, a kill -9), after `retryMs`; the engine's health check sees it go down (requests in
 * flight fail with a 503, the model leaves the advert) and come back.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { BackendRegistry } from '../backends/index.js'
import { freeLoopbackPort, type Outbound } from '../net/index.js'
import { adapterOf } from './adapters/index.js'
import { EngineBackend } from './engine-backend.js'
import { EngineHttp } from './engine-http.js'
import type { HealthTimings } from './health.js'
import { exitText, LocalServer } from './local-server.js'

export interface LocalSdOptions {
  /** The `sd-server` binary (`--sd-server`, else the one `llmlb sd build` cached). */
  binary: string
  /** The model file (`-m`: a whole checkpoint, `.safetensors`, `.ckpt` or `.gguf`). */
  model: string
  /** More sd-server arguments (`--sd-arg`: `--vae`, `--steps`, `--diffusion-model`…). */
  args: readonly string[]
  threads?: number
  registry: BackendRegistry
  outbound: Outbound
  health: HealthTimings
  logger: Logger
  /** Wait before starting it again after it exited (ms). */
  retryMs: number
  /** Longest wait for the model to load (ms). */
  loadTimeoutMs: number
}

/** The argument list (pure, so it is unit-tested). */
export function sdServerArgs(o: Pick<LocalSdOptions, 'model' | 'args' | 'threads'>, port: number): string[] {
  return ['-m', o.model, '--listen-ip', '127.0.0.1', '--listen-port', String(port), ...(o.threads ? ['-t', String(o.threads)] : []), ...o.args]
}

export class LocalSd {
  private readonly stopper = new AbortController()
  private server?: LocalServer
  private engine?: EngineBackend
  private done?: Promise<void>
  constructor(private readonly o: LocalSdOptions) {}

  start(): void {
    this.done ??= this.loop().catch((err: unknown) => this.o.logger.error({ err: (err as Error).message }, 'local sd-server supervision stopped'))
  }

  async stop(): Promise<void> {
    this.stopper.abort()
    await this.server?.stop()
    await this.done
    if (this.engine) {
      this.engine.stop()
      this.o.registry.remove(this.engine.name)
    }
  }

  private async loop(): Promise<void> {
    const signal = this.stopper.signal
    const port = await freeLoopbackPort()
    while (!signal.aborted) {
      const server = new LocalServer({ label: 'sd-server', binary: this.o.binary, args: (p) => sdServerArgs(this.o, p), readyPath: '/sdcpp/v1/capabilities', loadTimeoutMs: this.o.loadTimeoutMs, logger: this.o.logger, logFields: { model: this.o.model }, port })
      this.server = server
      try {
        await server.start(signal)
        await this.attach(server.url)
        const gone = await server.exited
        if (!signal.aborted) this.o.logger.warn({ model: this.o.model, why: exitText(gone) }, 'sd-server exited: starting it again')
      } catch (err) {
        if (!signal.aborted) this.o.logger.warn({ model: this.o.model, err: (err as Error).message }, 'sd-server did not start: trying again')
      }
      // its engine reads down at once, not at its next check
      void this.engine?.checkNow()
      await delay(this.o.retryMs, undefined, { signal }).catch(() => undefined)
    }
  }

  /** The first start registers the engine; later ones (same URL) only ask it to check now. */
  private async attach(url: string): Promise<void> {
    if (this.engine) return void (await this.engine.checkNow())
    const record = { id: 'local-sd', url, kind: 'sdcpp' as const, slots: 1, addedAt: Date.now() }
    const engine = new EngineBackend(record, adapterOf('sdcpp'), new EngineHttp(this.o.outbound, url), this.o.health, () => this.o.registry.changed(), this.o.logger)
    await engine.start()
    this.engine = engine
    this.o.registry.add(engine)
  }
}
