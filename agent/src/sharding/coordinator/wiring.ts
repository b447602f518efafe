/**
 * Sharding's coordinator side as the composition root wires it: finds this node's RPC binaries
 * (without them it coordinates nothing), starts the ShardManager over the control store's marks, and
 * hands back what the agent needs: the filter that keeps a coordinated model from
 * also being advertised as stored, the routes' dependencies, and stop.
 */
import type { Logger } from 'pino'
import type { Mesh } from '../../../../mesh/src/index.js'
import type { BackendRegistry } from '../../backends/index.js'
import type { Config } from '../../config/index.js'
import type { ControlStore } from '../../control-plane/index.js'
import { DEFAULT_HEALTH, ENGINE_OUTBOUND, TEST_HEALTH } from '../../engines/index.js'
import type { ColdModels } from '../../inference/inference-service.js'
import type { ModelManager } from '../../models/index.js'
import { Outbound } from '../../net/index.js'
import { findRpcBinaries, rpcCacheRoot } from '../binaries.js'
import type { WorkerLeaser } from '../contract.js'
import { ShardMarks } from './marks.js'
import { ShardManager } from './shard-manager.js'
import type { ShardRouteDeps } from './routes.js'

export interface ShardingWiring {
  manager: ShardManager
  /** False for a model served split, here (its backend advertises it instead) or by a peer. */
  advertiseStored: (model: string) => boolean
  routes: ShardRouteDeps
  stop: () => Promise<void>
}

export async function startSharding(o: { config: Readonly<Config>; store: ControlStore; mesh: Mesh; models: ModelManager; registry: BackendRegistry; leaser?: WorkerLeaser; logger: Logger }): Promise<ShardingWiring> {
  const cfg = o.config
  const log = o.logger
  const binaries = await findRpcBinaries(rpcCacheRoot(cfg.dataDir, cfg.sharding.cacheDir)).catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, 'no RPC binaries: this node cannot coordinate split models')
    return undefined
  })
  const marks = new ShardMarks(o.store)
  const outbound = new Outbound({ ...ENGINE_OUTBOUND, allow: ['loopback'] })
  const manager = new ShardManager({
    marks,
    mesh: o.mesh,
    name: cfg.name,
    records: {
      record: (id) => o.models.record(id),
      ids: () => o.models.list().map((m) => m.id),
      budgetBytes: () => o.models.loads.budgetBytes
    },
    ...(binaries ? { binaries } : {}),
    ...(o.leaser ? { leaser: o.leaser } : {}),
    registry: o.registry,
    serving: { contextSize: cfg.runtime.contextSize, slots: cfg.runtime.slots },
    autoShard: cfg.sharding.autoShard,
    ...(cfg.runtime.threads ? { threads: cfg.runtime.threads } : {}),
    outbound,
    health: cfg.profile === 'test' ? TEST_HEALTH : DEFAULT_HEALTH,
    logger: log.child({ component: 'sharding' }),
    // the model would be served twice: split here, and whole by the runtime that loaded it at start
    onCoordinate: (id) => void o.models.unload(id).catch(() => undefined)
  })
  manager.start()
  const known = (id: string): boolean => o.models.record(id) !== undefined || o.mesh.peers().some((p) => p.status === 'alive' && p.state.models.some((m) => m.id === id && (m.engine === undefined || m.sharded !== undefined)))
  return {
    manager,
    advertiseStored: (id) => !manager.coordinates(id) && !manager.splitElsewhere(id),
    routes: { name: cfg.name, marks, views: () => manager.views(), known },
    stop: async () => {
      await manager.stop()
      await outbound.close()
    }
  }
}

/** The node's on-demand loads, minus models a peer serves split (see ShardManager.splitElsewhere). */
export function splitAwareColdModels(inner: ColdModels, sharding: () => ShardingWiring | undefined): ColdModels {
  return {
    stored: (model) => (sharding()?.manager.splitElsewhere(model) ? undefined : inner.stored(model)),
    ensureLoaded: (model, signal) => inner.ensureLoaded(model, signal),
    touch: (model) => inner.touch(model)
  }
}
