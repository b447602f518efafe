/**
 * The one configuration schema. Defaults live here; sources are merged
 * defaults < `<data-dir>/config.json` < environment < CLI flags (see `load-config.ts`).
 */
import { homedir, hostname } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { isAllowEntry } from '../net/address-policy.js'

/** Default HTTP port of the API and dashboard. */
export const DEFAULT_HTTP_PORT = 32768
/** Default libp2p TCP port. */
export const DEFAULT_MESH_PORT = 32769
/** Largest accepted request body (bytes). */
export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024

const port = z.number().int().min(0).max(65535)

/** One cloud provider's local settings. */
const CloudProviderConfig = z.object({
  /** The provider's API key (stays on this node; never logged or advertised). */
  apiKey: z.string().min(1).optional(),
  /** Base URL override (Azure, a proxy, a test server); default: the provider's own. */
  baseUrl: z.string().url().optional()
})

export const ConfigSchema = z.object({
  /** `default` for real use; `test` shrinks every interval and uses port 0. */
  profile: z.enum(['default', 'test']).default('default'),
  port: port.default(DEFAULT_HTTP_PORT),
  host: z.string().default('0.0.0.0'),
  dataDir: z.string().default(join(homedir(), '.llmlb')),
  name: z.string().min(1).max(128).default(hostname()),
  /** GGUF files to serve. */
  models: z.array(z.string()).default([]),
  /** Folder scanned for `*.gguf` at start (default `<data-dir>/models`). */
  modelsDir: z.string().optional(),
  /** Generate and serve the tiny demo model (no download). */
  demo: z.boolean().default(false),
  meshPort: port.default(DEFAULT_MESH_PORT),
  peers: z.array(z.string()).default([]),
  clusterKey: z.string().optional(),
  clusterKeyFile: z.string().optional(),
  mdns: z.boolean().default(true),
  /**
   * Largest forwarded request body a serving node reads whole, and largest forwarded response (bytes).
   * Uploads (audio, image edits) are streamed instead and may be larger (specs/protocols.md).
   */
  forwardBodyLimitBytes: z.number().int().positive().default(64 * 1024 * 1024), // the mesh's MAX_FORWARD_BODY_BYTES
  auth: z.enum(['on', 'off']).default('on'),
  adminPassword: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Format of the log lines on stdout: `pretty` (level, time, component, message on one readable line),
   * `json` (pino's JSON lines), or `auto` — pretty when stdout is a terminal, JSON otherwise. The log
   * files in the data dir are always JSON.
   */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
  bodyLimitBytes: z.number().int().positive().default(DEFAULT_BODY_LIMIT_BYTES),
  /**
   * Origins whose browser pages may call the API (CORS), like Ollama's OLLAMA_ORIGINS: exact origins
   * (`https://app.example`), `*` within an entry as a wildcard (`http://localhost:*`), or `*` for any.
   * None by default: a cross-origin browser request is refused. Credentials are never allowed.
   */
  corsOrigins: z.array(z.string().min(1).max(256)).max(64).default([]),
  /**
   * Lingering close (see agent/src/http/lingering-close.ts): after answering before a request body was
   * read (413, 401, 404…), the rest of the body is read and discarded for at most `maxMs` and `maxBytes`
   * (default twice `bodyLimitBytes`), so the client reads the answer instead of a connection reset.
   */
  lingerClose: z
    .object({
      maxMs: z.number().int().min(0).default(5_000),
      maxBytes: z.number().int().min(0).optional()
    })
    .prefault({}),
  /**
   * Bounds on client connections (specs/chaos.md): a slow-loris client that drips its headers or body
   * is cut after `headersTimeoutMs` / `requestTimeoutMs` (checked every fifth of `headersTimeoutMs`, 3 s by default); past
   * `maxConnections` open sockets new ones are closed at once, so a connection flood cannot exhaust the
   * node's file descriptors or memory. Response streams are not bounded by these.
   */
  connections: z
    .object({
      maxConnections: z.number().int().min(16).max(1_000_000).default(4096),
      headersTimeoutMs: z.number().int().min(1000).max(600_000).default(15_000),
      requestTimeoutMs: z.number().int().min(1000).max(3_600_000).default(120_000)
    })
    .prefault({}),
  runtime: z
    .object({
      /** CPU threads per context; default chosen from the core count. */
      threads: z.number().int().positive().optional(),
      /** Parallel sequences per model. */
      slots: z.number().int().min(1).max(64).default(4),
      /** Context per slot (tokens). */
      contextSize: z.number().int().min(64).default(2048),
      /** Map model files (llama.cpp's default); false reads the weights into memory (`--no-mmap`). */
      mmap: z.boolean().default(true),
      gpu: z.enum(['auto', 'off', 'cuda', 'vulkan', 'metal']).default('auto')
    })
    .prefault({}),
  queue: z
    .object({
      /** Requests that may wait per model when every slot is busy. */
      maxWaiters: z.number().int().min(0).default(64),
      /** Longest wait for a slot (ms). */
      maxWaitMs: z.number().int().min(1).default(30_000)
    })
    .prefault({}),
  /** Request routing (see specs/routing.md). */
  routing: z
    .object({
      /**
       * How this node picks where a request runs when it is the ingress. `llmlb` (expected finish
       * time, power of two choices, prefix affinity) is the product; the others exist for benchmarks
       * and comparisons only: `round-robin`, `random`, `tps-argmax` (the original llmlb: highest
       * tokens/s wins), `least-in-flight` (fewest running + queued).
       */
      policy: z.enum(['llmlb', 'round-robin', 'random', 'tps-argmax', 'least-in-flight']).default('llmlb'),
      /**
       * Failover from a silent peer (specs/routing.md): a forwarded request whose peer sends nothing,
       * not even its response head, within max(headTimeoutFloorMs, headTimeoutFactor × the expected
       * time to its head) moves to the next candidate, as it does when membership declares the peer dead.
       */
      failover: z
        .object({
          headTimeoutFloorMs: z.number().int().min(100).max(3_600_000).default(15_000),
          headTimeoutFactor: z.number().min(1).max(1000).default(4)
        })
        .prefault({})
    })
    .prefault({}),
  /** The model store (specs/models.md). */
  modelStore: z
    .object({
      /** Most bytes pulled models may take; unset: the disk's free space is the limit. */
      maxBytes: z.number().int().positive().optional(),
      /** A loaded model idle this long is unloaded (stays stored, loads again on demand); 0: never. */
      keepAliveMs: z.number().int().min(0).default(30 * 60_000),
      /** Keep-alive per model id, overriding keepAliveMs. */
      keepAliveByModel: z.record(z.string(), z.number().int().min(0)).default({}),
      /** Memory loaded models may take together (bytes; estimate: weights + 10 % + KV cache); default 90 % of RAM. */
      memoryBudgetBytes: z.number().int().positive().optional()
    })
    .prefault({}),
  /** A request for a catalog model that no node has pulls it onto this node (503 + Retry-After meanwhile). */
  autoPull: z.boolean().default(false),
  /** One model across several boxes with llama.cpp's RPC backend (specs/sharding.md). */
  sharding: z
    .object({
      /** Lend this node's memory to split models: run an RPC worker (`--rpc-worker`). */
      rpcWorker: z.boolean().default(false),
      /** Split a model over workers when no single node's memory budget fits it (`--auto-shard`). */
      autoShard: z.boolean().default(false),
      /** Where built RPC binaries are cached (`--rpc-cache`, `LLMLB_RPC_CACHE`); default `<data-dir>/rpc`. */
      cacheDir: z.string().optional(),
      /** Threads of the RPC worker; default: the runtime's. */
      workerThreads: z.number().int().min(1).max(512).optional(),
      /** A lease not renewed for this long is free again (ms): a coordinator that dies releases its workers. */
      leaseTtlMs: z.number().int().min(1000).max(600_000).default(15_000)
    })
    .prefault({}),
  /** Hugging Face hub for pulls (`HF_ENDPOINT`, `HF_TOKEN`). */
  hf: z
    .object({
      /** Base URL of the hub or a mirror. */
      endpoint: z.string().url().default('https://huggingface.co'),
      /** Read token for gated or private repos; sent to the hub only. */
      token: z.string().optional()
    })
    .prefault({}),
  /**
   * Cloud providers this node serves (`openai:`, `anthropic:`, `google:` and an OpenAI-compatible
   * prefix); keys here stay on this node (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or
   * GOOGLE_API_KEY, LLMLB_COMPAT_API_KEY). Keys for the cluster go through `PUT /api/clouds/:provider`.
   */
  clouds: z
    .object({
      openai: CloudProviderConfig.prefault({}),
      anthropic: CloudProviderConfig.prefault({}),
      google: CloudProviderConfig.prefault({}),
      /** Any OpenAI-compatible API (OpenRouter, Together, a proxy) behind its own prefix. */
      compatible: CloudProviderConfig.extend({ prefix: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/).refine((p) => !['openai', 'anthropic', 'google'].includes(p), 'taken by a built-in provider').optional() }).prefault({}),
      /** How long a provider's model list is cached (ms). */
      modelsTtlMs: z.number().int().min(1000).default(10 * 60_000)
    })
    .prefault({}),
  /** Grace period for in-flight requests on shutdown (ms). */
  drainTimeoutMs: z.number().int().min(0).default(10_000),
  /** Request history and token statistics (see specs/storage.md). */
  history: z
    .object({
      /** Record requests (and count their tokens); false keeps metrics only. */
      enabled: z.boolean().default(true),
      /** Keep request and response bodies (redacted of base64 media, capped); false for privacy. */
      storeBodies: z.boolean().default(true),
      /** Cap of each stored body (bytes). */
      maxBodyBytes: z.number().int().min(0).default(64 * 1024),
      /** Records older than this are deleted (days; token statistics are kept). */
      retentionDays: z.number().positive().default(30),
      /** At most this many records are kept (the oldest go first). */
      maxRecords: z.number().int().positive().default(1_000_000)
    })
    .prefault({}),
  /** Log files (JSON lines; the level is `logLevel`). */
  logs: z
    .object({
      /** Folder of the rotating log files (default `<data-dir>/logs`). */
      dir: z.string().optional(),
      /** Size at which the next file is started (bytes). */
      maxFileBytes: z.number().int().min(4096).default(10 * 1024 * 1024),
      /** Files kept (the oldest are deleted). */
      maxFiles: z.number().int().min(1).default(10)
    })
    .prefault({}),
  /** Inference engines on this box that the node fronts (specs/engines.md). */
  engines: z
    .object({
      /** Engines registered at start (`--engine URL` or `URL#key`), besides those stored by the admin API. */
      urls: z.array(z.string().min(1)).default([]),
      /**
       * Addresses an engine may have besides public ones: `loopback`, `private`, `link-local` or CIDRs.
       * Loopback by default (an engine on the same box); cloud metadata addresses are never allowed.
       */
      allow: z.array(z.string().refine(isAllowEntry, 'an address class (loopback, private, link-local), an IP or a CIDR')).default(['loopback'])
    })
    .prefault({}),
  /** Every other outbound call (hubs, image URLs): addresses allowed besides public ones (specs/security.md). */
  outbound: z
    .object({
      allow: z.array(z.string().refine(isAllowEntry, 'an address class (loopback, private, link-local), an IP or a CIDR')).default([])
    })
    .prefault({}),
  /** Image inputs (specs/vision.md). */
  vision: z
    .object({
      /** Projector (`mmproj*.gguf`) of a local model: model path → projector path (`--mmproj`). */
      projectors: z.record(z.string(), z.string()).default({}),
      /** Largest image accepted, fetched or in a data URL (bytes). */
      maxImageBytes: z.number().int().positive().default(20 * 1024 * 1024),
      /** Deadline for fetching an `http(s)` image URL, connection to last byte (ms). */
      fetchTimeoutMs: z.number().int().positive().default(10_000),
      /**
       * Hosts (`name`, `ip`, or either with `:port`) that image URLs may name even though they resolve to a
       * loopback, private or link-local address. Empty by default: such URLs are refused.
       */
      imageUrlAllow: z.array(z.string().min(1).max(256)).max(64).default([])
    })
    .prefault({}),
  /** Speech to text and text to speech (see specs/audio.md). */
  audio: z
    .object({
      /** Largest audio upload (bytes); OpenAI's own limit is 25 MB. */
      maxUploadBytes: z.number().int().positive().default(25 * 1024 * 1024),
      /** Deadline of one call into the audio engine (ms); past it the audio child is restarted. */
      callTimeoutMs: z.number().int().positive().default(300_000),
      /** The ffmpeg command that decodes mp3, m4a, ogg/opus, webm and flac uploads (WAV needs none). */
      ffmpeg: z.string().min(1).default('ffmpeg')
    })
    .prefault({}),
  /** Image generation (see specs/images.md). */
  images: z
    .object({
      /** Largest edit or variation upload (bytes, every file and field together); OpenAI takes up to 50 MB for GPT image models. */
      maxUploadBytes: z.number().int().positive().default(25 * 1024 * 1024),
      /** How long an image answered as a URL stays served by the node that answered (ms); OpenAI's last 60 minutes. */
      urlTtlMs: z.number().int().positive().default(3_600_000),
      /** Images kept for URLs at once; past it the oldest go first. */
      maxStoredImages: z.number().int().positive().default(500),
      /** Bytes kept for URLs at once; past it the oldest go first. */
      maxStoredBytes: z.number().int().positive().default(256 * 1024 * 1024),
      /**
       * stable-diffusion.cpp's sd-server run by this node for one model (specs/images.md, "Native image
       * generation"): off unless `model` is set (`--sd-model`).
       */
      sd: z
        .object({
          /** The model file sd-server loads (`-m`). */
          model: z.string().min(1).optional(),
          /** The sd-server binary (`--sd-server`); default: the one `llmlb sd build` cached under `<data-dir>/sdcpp`. */
          server: z.string().min(1).optional(),
          /** More sd-server arguments (`--sd-arg`, repeatable). */
          args: z.array(z.string()).default([])
        })
        .prefault({})
    })
    .prefault({})
})

export type Config = z.infer<typeof ConfigSchema>
/** What a source may set: any subset, nested objects partial. */
export type ConfigInput = z.input<typeof ConfigSchema>
