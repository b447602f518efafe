/**
 * The node-state advert every agent gossips (topic NODE_STATE_TOPIC). Versioned; unknown keys are
 * stripped so newer agents can add fields without breaking older ones. A receiver keeps, per peer,
 * only the advert with the highest `seq`.
 */
import { z } from 'zod'

/** Gossip topic of node-state adverts; the version is part of the topic. */
export const NODE_STATE_TOPIC = '/llmlb/state/1.0.0'
/** Largest advert accepted on the wire (bytes). */
export const MAX_NODE_STATE_BYTES = 64 * 1024

export const ModelAdvertSchema = z.object({
  id: z.string().min(1).max(256),
  capabilities: z.object({
    chat: z.boolean(),
    completion: z.boolean(),
    embeddings: z.boolean(),
    tools: z.boolean().default(false),
    vision: z.boolean().default(false),
    transcription: z.boolean().optional(),
    speech: z.boolean().optional(),
    /** Image generation (`/v1/images/*`: an engine or a cloud provider's image models). Absent means false. */
    imageGeneration: z.boolean().optional()
  }),
  loaded: z.boolean(),
  contextLength: z.number().int().nonnegative(),
  quantization: z.string().max(32),
  sizeBytes: z.number().nonnegative(),
  slotsTotal: z.number().int().nonnegative(),
  slotsBusy: z.number().int().nonnegative(),
  queueDepth: z.number().int().nonnegative().default(0),
  /** EMA of generation speed, tokens/s. */
  tokensPerSecond: z.number().nonnegative(),
  /** EMA of the time a request holds a slot (ms); 0 before the first. Routing's queue-wait estimate. */
  avgServiceMs: z.number().nonnegative().default(0),
  /**
   * Requests the node has served with this model (since it started): how far its speed figures can be
   * trusted. Optional (older agents and backends omit it; routing then trusts the figures as they are).
   */
  served: z.number().int().nonnegative().optional(),
  /**
   * Expected time to load the model when `loaded` is false (ms): a stored model the node loads on
   * demand, estimated from its size and the node's measured disk speed. Optional (older agents omit it).
   */
  coldLoadMs: z.number().nonnegative().max(3_600_000).optional(),
  /**
   * Set when the model is served by a backend of the node rather than its native runtime: an engine
   * kind on the box (`ollama`, `vllm`, `llama.cpp`…) or `cloud:<provider>`. Optional (older agents omit it).
   */
  engine: z.string().min(1).max(64).optional(),
  /** Speech models: the voice names a request may use. Optional (older agents and other models omit it). */
  voices: z.array(z.string().max(64)).max(128).optional(),
  /**
   * Set when the model is split over RPC workers (llama.cpp's RPC backend, specs/sharding.md): this node
   * coordinates, `workers` lend it memory. Optional (older agents and unsplit models omit it).
   */
  sharded: z
    .object({
      workers: z
        .array(
          z.object({
            /** The lending node's name and peer id. */
            name: z.string().min(1).max(128),
            peerId: z.string().min(1).max(128),
            /** Bytes of the model this worker holds (weights + its share of KV cache and buffers, estimated). */
            bytes: z.number().nonnegative()
          })
        )
        .max(32),
      /** `serving`, or why not yet: `placing` (choosing workers), `loading`, `failed` (see `error`). */
      state: z.enum(['placing', 'loading', 'serving', 'failed']),
      error: z.string().max(256).optional()
    })
    .optional()
})
export type ModelAdvert = z.infer<typeof ModelAdvertSchema>

/**
 * A cloud provider a node serves (it holds the provider's key): every `<prefix>:<model>` is routable
 * to it without one advert per model (provider catalogs run to hundreds of models, past the 256-model
 * and 64 KB bounds). `models` lists catalog ids for `/v1/models` on every node, bounded by the sender.
 */
export const ProviderAdvertSchema = z.object({
  /** Model-id prefix without the colon: `openai`, `anthropic`, `google`, or a configured one. */
  prefix: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  /** `cloud:<provider kind>`, as in ModelAdvert.engine. */
  engine: z.string().min(1).max(64),
  capabilities: ModelAdvertSchema.shape.capabilities,
  contextLength: z.number().int().nonnegative(),
  /** Requests the node sends to the provider at once before queueing them. */
  slotsTotal: z.number().int().nonnegative(),
  /** Requests in flight to the provider from this node now. */
  slotsBusy: z.number().int().nonnegative(),
  /** Catalog ids with their prefix (`anthropic:claude-…`), possibly a bounded subset. */
  models: z.array(z.string().min(1).max(256)).max(1024).default([])
})
export type ProviderAdvert = z.infer<typeof ProviderAdvertSchema>

export const GpuAdvertSchema = z.object({
  name: z.string().max(128),
  vramTotalBytes: z.number().nonnegative(),
  vramUsedBytes: z.number().nonnegative()
})

/**
 * A node that lends its memory to split models (`--rpc-worker`): what its RPC worker offers, so a
 * coordinator can place a split model on it (specs/sharding.md). Two builds interoperate only with the
 * same `protocol` and `bundle`.
 */
export const RpcWorkerAdvertSchema = z.object({
  /** ggml RPC protocol version of the worker binary, `major.minor.patch`. */
  protocol: z.string().max(16),
  /** Commit of the llama.cpp bundle the worker was built from. */
  bundle: z.string().max(64),
  /** Compute backend of the worker: `cpu`, `cuda`, `vulkan`, `metal`. */
  backend: z.string().max(16),
  /** Memory the worker can take for tensors now (free RAM, or free VRAM on a GPU backend). */
  freeBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  /** Peer id of the coordinator holding its lease; absent when free. A worker serves one client at a time. */
  leasedBy: z.string().max(128).optional(),
  /** `up` when the worker child answers; `starting` / `down` otherwise (not leasable). */
  state: z.enum(['starting', 'up', 'down'])
})
export type RpcWorkerAdvert = z.infer<typeof RpcWorkerAdvertSchema>

export const NodeStateSchema = z.object({
  v: z.literal(1),
  /** Per-node sequence number; strictly increases across the node's lifetime (time-seeded at start). */
  seq: z.number().int().nonnegative(),
  name: z.string().min(1).max(128),
  peerId: z.string().min(1).max(128),
  version: z.string().max(32),
  /** Base URL of the node's HTTP API, e.g. http://10.0.0.5:32768 */
  httpUrl: z.string().max(256),
  /** alive: serving; leaving: draining, takes no new forwarded work. */
  status: z.enum(['alive', 'leaving']),
  startedAt: z.number().int().nonnegative(),
  models: z.array(ModelAdvertSchema).max(256),
  cpu: z.object({ cores: z.number().int().nonnegative(), load1: z.number().nonnegative() }),
  memory: z.object({ totalBytes: z.number().nonnegative(), freeBytes: z.number().nonnegative() }),
  gpus: z.array(GpuAdvertSchema).max(16).default([]),
  /** Requests being served or queued on this node right now. */
  inFlight: z.number().int().nonnegative().default(0),
  /** Bounded digest of recent prompt-prefix hashes per model (routing affinity); hex strings. */
  prefixes: z.record(z.string(), z.array(z.string().max(32)).max(256)).default({}),
  /**
   * Mesh multiaddrs of the node (with `/p2p/<id>`), filled in by the mesh, never by the agent. Lets a
   * node that learnt of this one through relayed gossip dial it directly (full mesh on a LAN).
   */
  addrs: z.array(z.string().max(256)).max(32).optional(),
  /**
   * Room for one more model: the memory budget, what of it loaded models do not hold, and the disk
   * space the model store may still use. Where `--auto-pull` places a model. Optional (older agents
   * omit it).
   */
  capacity: z
    .object({
      memoryBudgetBytes: z.number().nonnegative(),
      memoryFreeBytes: z.number().nonnegative(),
      diskFreeBytes: z.number().nonnegative()
    })
    .optional(),
  /** Cloud providers this node serves by prefix (ProviderAdvertSchema). Optional (older agents omit it). */
  providers: z.array(ProviderAdvertSchema).max(16).optional(),
  /** This node's RPC worker, when it lends memory (`--rpc-worker`). Optional (absent otherwise). */
  rpcWorker: RpcWorkerAdvertSchema.optional(),
  /**
   * The RPC binaries this node has built (`llmlb rpc build`): it can coordinate a split model whose
   * workers speak the same `protocol` from the same `bundle`. Optional (absent without a build).
   */
  rpcBuild: RpcWorkerAdvertSchema.pick({ protocol: true, bundle: true, backend: true }).optional()
})
export type NodeState = z.infer<typeof NodeStateSchema>
