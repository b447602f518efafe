/**
 * `--sd-model` as the composition root wires it: the sd-server binary (`--sd-server`, else the cached
 * build), then a LocalSd that keeps it running and fronts it as an engine. Without a binary the node
 * says why once and serves everything else.
 */
import type { Logger } from 'pino'
import type { BackendRegistry } from '../backends/index.js'
import type { Config } from '../config/index.js'
import { DEFAULT_HEALTH, ENGINE_OUTBOUND, LocalSd, TEST_HEALTH } from '../engines/index.js'
import { Outbound } from '../net/index.js'
import { findSdServer } from './build.js'
import { sdCacheRoot } from './plan.js'

export interface LocalSdWiring {
  sd: LocalSd
  stop: () => Promise<void>
}

export async function startLocalSd(cfg: Readonly<Config>, registry: BackendRegistry, logger: Logger): Promise<LocalSdWiring | undefined> {
  const o = cfg.images.sd
  if (!o.model) return undefined
  const log = logger.child({ component: 'sd-server' })
  const binary = o.server ?? (await findSdServer(sdCacheRoot(cfg.dataDir)))?.server
  if (!binary) {
    log.error({ model: o.model }, 'no sd-server for --sd-model: build it with `llmlb sd build` (or give --sd-server); this node generates no images natively')
    return undefined
  }
  const outbound = new Outbound({ ...ENGINE_OUTBOUND, allow: ['loopback'] })
  const sd = new LocalSd({
    binary,
    model: o.model,
    args: o.args,
    ...(cfg.runtime.threads ? { threads: cfg.runtime.threads } : {}),
    registry,
    outbound,
    health: cfg.profile === 'test' ? TEST_HEALTH : DEFAULT_HEALTH,
    logger: log,
    retryMs: cfg.profile === 'test' ? 200 : 2_000,
    // a large checkpoint loads for minutes on a slow disk
    loadTimeoutMs: 600_000
  })
  sd.start()
  return {
    sd,
    stop: async () => {
      await sd.stop()
      await outbound.close()
    }
  }
}
