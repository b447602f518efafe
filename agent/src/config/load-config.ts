/**
 * Merges configuration sources: defaults < config file < env < flags. Objects merge key by key;
 * arrays and scalars are replaced. The result is parsed once and frozen.
 */
import { readFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { homedir } from 'node:os'
import { ConfigSchema, type Config, type ConfigInput } from './schema.js'
import { configFromEnv } from './env.js'
import { InvalidConfigError } from './invalid-config-error.js'

/** Name of the optional config file inside the data dir. */
export const CONFIG_FILE_NAME = 'config.json'

type Plain = Record<string, unknown>
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Deep-merges `b` over `a` (objects by key, everything else replaced; undefined never overrides). */
export function mergeConfig(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a }
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue
    out[k] = isPlain(v) && isPlain(out[k]) ? mergeConfig(out[k] as Plain, v) : v
  }
  return out
}

/** Expands a leading `~` so config files and flags can use it. */
export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p
}

function readConfigFile(dataDir: string): Plain {
  const file = join(dataDir, CONFIG_FILE_NAME)
  if (!existsSync(file)) return {}
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    if (!isPlain(parsed)) throw new Error('not a JSON object')
    return parsed
  } catch (err) {
    throw new InvalidConfigError(`${file}: ${(err as Error).message}`)
  }
}

/** Applies the test profile: ports 0, no mDNS, short waits — only where the sources left them unset. */
function profileDefaults(profile: unknown): Plain {
  return profile === 'test' ? { port: 0, meshPort: 0, mdns: false, host: '127.0.0.1', drainTimeoutMs: 2000 } : {}
}

/**
 * Loads the effective config.
 * @param flags values from the CLI (highest precedence)
 * @param env environment (defaults to process.env through `configFromEnv`)
 */
export function loadConfig(flags: ConfigInput = {}, env: ConfigInput = configFromEnv()): Readonly<Config> {
  const early = mergeConfig(env as Plain, flags as Plain)
  const dataDir = resolve(expandHome(String(early.dataDir ?? ConfigSchema.shape.dataDir.parse(undefined))))
  const file = readConfigFile(dataDir)
  const merged = mergeConfig(mergeConfig(mergeConfig(profileDefaults(early.profile ?? file.profile), file), env as Plain), flags as Plain)
  merged.dataDir = dataDir
  const result = ConfigSchema.safeParse(merged)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new InvalidConfigError(`${issue?.path.join('.') || 'config'}: ${issue?.message ?? 'invalid'}`)
  }
  const cfg = result.data
  cfg.models = cfg.models.map((m) => resolve(expandHome(m)))
  if (cfg.modelsDir) cfg.modelsDir = resolve(expandHome(cfg.modelsDir))
  cfg.vision.projectors = Object.fromEntries(Object.entries(cfg.vision.projectors).map(([m, p]) => [resolve(expandHome(m)), resolve(expandHome(p))]))
  if (cfg.clusterKeyFile) cfg.clusterKeyFile = resolve(expandHome(cfg.clusterKeyFile))
  return Object.freeze(cfg)
}
