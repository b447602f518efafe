/**
 * The only module that reads `process.env`. Maps `LLMLB_*` variables to a partial config.
 */
import type { ConfigInput } from './schema.js'

type Env = Record<string, string | undefined>

const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v))

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean)

/** Reads the environment into a partial config; unset variables are left out. */
export function configFromEnv(env: Env = process.env): ConfigInput {
  const out: Record<string, unknown> = {
    port: num(env.LLMLB_PORT),
    host: env.LLMLB_HOST,
    dataDir: env.LLMLB_DATA_DIR,
    name: env.LLMLB_NAME,
    meshPort: num(env.LLMLB_MESH_PORT),
    forwardBodyLimitBytes: num(env.LLMLB_FORWARD_BODY_LIMIT_BYTES),
    peers: env.LLMLB_PEERS ? env.LLMLB_PEERS.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    clusterKey: env.LLMLB_CLUSTER_KEY,
    adminPassword: env.LLMLB_ADMIN_PASSWORD,
    auth: env.LLMLB_AUTH === 'off' ? 'off' : env.LLMLB_AUTH === 'on' ? 'on' : undefined,
    logLevel: env.LLMLB_LOG_LEVEL,
    corsOrigins: env.LLMLB_CORS_ORIGINS === undefined ? undefined : env.LLMLB_CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    logFormat: env.LLMLB_LOG_FORMAT,
    audio: env.LLMLB_AUDIO_MAX_BYTES || env.LLMLB_AUDIO_FFMPEG ? { ...(env.LLMLB_AUDIO_MAX_BYTES ? { maxUploadBytes: num(env.LLMLB_AUDIO_MAX_BYTES) } : {}), ...(env.LLMLB_AUDIO_FFMPEG ? { ffmpeg: env.LLMLB_AUDIO_FFMPEG } : {}) } : undefined,
    images: env.LLMLB_IMAGES_MAX_BYTES || env.LLMLB_IMAGES_URL_TTL_MS ? { ...(env.LLMLB_IMAGES_MAX_BYTES ? { maxUploadBytes: num(env.LLMLB_IMAGES_MAX_BYTES) } : {}), ...(env.LLMLB_IMAGES_URL_TTL_MS ? { urlTtlMs: num(env.LLMLB_IMAGES_URL_TTL_MS) } : {}) } : undefined,
    hf: env.HF_ENDPOINT || env.HF_TOKEN ? { ...(env.HF_ENDPOINT ? { endpoint: env.HF_ENDPOINT } : {}), ...(env.HF_TOKEN ? { token: env.HF_TOKEN } : {}) } : undefined,
    engines: env.LLMLB_ENGINES_ALLOW === undefined ? undefined : { allow: list(env.LLMLB_ENGINES_ALLOW) },
    outbound: env.LLMLB_OUTBOUND_ALLOW === undefined ? undefined : { allow: list(env.LLMLB_OUTBOUND_ALLOW) },
    sharding: env.LLMLB_RPC_CACHE === undefined ? undefined : { cacheDir: env.LLMLB_RPC_CACHE }
  }
  const clouds = cloudsFromEnv(env)
  if (clouds) out.clouds = clouds
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k]
  return out as ConfigInput
}

/** Provider keys and base URLs the providers' own SDKs read, plus LLMLB_COMPAT_* for the OpenAI-compatible prefix. */
function cloudsFromEnv(env: Env): Record<string, Record<string, string>> | undefined {
  const pick = (o: Record<string, string | undefined>): Record<string, string> | undefined => {
    const r: Record<string, string> = {}
    for (const [k, v] of Object.entries(o)) if (v) r[k] = v
    return Object.keys(r).length ? r : undefined
  }
  const out: Record<string, Record<string, string>> = {}
  const set = (name: string, v: Record<string, string> | undefined): void => {
    if (v) out[name] = v
  }
  set('openai', pick({ apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL }))
  set('anthropic', pick({ apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL }))
  set('google', pick({ apiKey: env.GEMINI_API_KEY || env.GOOGLE_API_KEY, baseUrl: env.GEMINI_BASE_URL }))
  set('compatible', pick({ apiKey: env.LLMLB_COMPAT_API_KEY, baseUrl: env.LLMLB_COMPAT_BASE_URL, prefix: env.LLMLB_COMPAT_PREFIX }))
  return Object.keys(out).length ? out : undefined
}

/** Environment of the CLI's client verbs (`keys`, `peers`…), not part of a node's config. */
export interface CliEnv {
  /** `LLMLB_API_KEY`: credential for `--url` targets. */
  apiKey?: string
}

export function cliEnv(env: Env = process.env): CliEnv {
  return env.LLMLB_API_KEY ? { apiKey: env.LLMLB_API_KEY } : {}
}
