/**
 * `llmlb serve`: loads the config, starts the agent, prints how to use it, and stops it cleanly on
 * SIGINT/SIGTERM (a second signal exits at once).
 */
import { join, resolve } from 'node:path'
import { loadConfig, InvalidConfigError, type ConfigInput } from '../config/index.js'
import { Agent } from '../agent.js'
import { DataDirLockedError } from '../node/data-dir-lock.js'
import { LOG_REDACT } from '../auth/index.js'
import { AUTH_OFF_WARNING, authBannerLines, curlAuthHeader } from './auth-banner.js'
import { dataDirOf } from './credentials.js'
import { createAgentLogger } from '../observability/index.js'
import { tuneHeapForServing } from '../node/heap-tuning.js'

export interface ServeFlags {
  port?: string
  host?: string
  dataDir?: string
  name?: string
  model?: string[]
  modelsDir?: string
  demo?: boolean
  meshPort?: string
  peer?: string[]
  clusterKey?: string
  clusterKeyFile?: string
  mdns?: boolean
  mmap?: boolean
  auth?: 'on' | 'off'
  slots?: string
  threads?: string
  ctxSize?: string
  profile?: 'default' | 'test'
  logLevel?: string
  corsOrigins?: string
  logFormat?: string
  autoPull?: boolean
  rpcWorker?: boolean
  autoShard?: boolean
  rpcCache?: string
  engine?: string[]
  engineAllow?: string
  /** `--mmproj` values, each tagged with the `--model` it follows (see `pairedProjectors`). */
  mmproj?: string[]
  imageUrlAllow?: string[]
  sdModel?: string
  sdServer?: string
  sdArg?: string[]
}

/** A comma-separated list of origins (`--cors-origins`, `LLMLB_CORS_ORIGINS`). */
export const originList = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean))

const int = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number.parseInt(v, 10))

/** Maps CLI flags to a partial config (commander's `--no-mdns` gives mdns=true unless set). */
export function flagsToConfig(f: ServeFlags): ConfigInput {
  return {
    port: int(f.port),
    host: f.host,
    dataDir: f.dataDir,
    name: f.name,
    models: f.model,
    modelsDir: f.modelsDir,
    demo: f.demo,
    meshPort: int(f.meshPort),
    peers: f.peer,
    clusterKey: f.clusterKey,
    clusterKeyFile: f.clusterKeyFile,
    mdns: f.mdns === false ? false : undefined,
    auth: f.auth,
    profile: f.profile,
    logLevel: f.logLevel as ConfigInput['logLevel'],
    corsOrigins: originList(f.corsOrigins),
    logFormat: f.logFormat as ConfigInput['logFormat'],
    autoPull: f.autoPull,
    sharding: { rpcWorker: f.rpcWorker, autoShard: f.autoShard, cacheDir: f.rpcCache },
    runtime: { slots: int(f.slots), threads: int(f.threads), contextSize: int(f.ctxSize), ...(f.mmap === false ? { mmap: false } : {}) },
    ...(f.engine || f.engineAllow ? { engines: { ...(f.engine ? { urls: f.engine } : {}), ...(f.engineAllow ? { allow: originList(f.engineAllow) } : {}) } } : {}),
    vision: { projectors: pairedProjectors(f.model ?? [], f.mmproj ?? []), imageUrlAllow: f.imageUrlAllow },
    ...(f.sdModel || f.sdServer || f.sdArg ? { images: { sd: { model: f.sdModel, server: f.sdServer, args: f.sdArg } } } : {})
  }
}

/** Separator between a `--mmproj` value and the index of the `--model` it follows (set by the CLI parser). */
export const PROJECTOR_TAG = '\t'

/** `--mmproj` values (`<model index>\t<path>`) as config: model path → projector path; undefined when none. */
export function pairedProjectors(models: string[], tagged: string[]): Record<string, string> | undefined {
  if (tagged.length === 0) return undefined
  const out: Record<string, string> = {}
  for (const t of tagged) {
    const [index, ...rest] = t.split(PROJECTOR_TAG)
    const model = models[Number(index)]
    if (model === undefined) throw new InvalidConfigError(`--mmproj ${rest.join(PROJECTOR_TAG)}: give it after the --model it belongs to`)
    out[model] = rest.join(PROJECTOR_TAG)
  }
  return out
}

export async function serveCommand(flags: ServeFlags): Promise<void> {
  tuneHeapForServing()
  let config
  try {
    config = loadConfig(flagsToConfig(flags))
  } catch (err) {
    if (err instanceof InvalidConfigError) {
      process.stderr.write(`llmlb: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  // stdout: readable lines in a terminal, JSON lines otherwise; rotating JSON files in the data dir,
  // which the log API reads back
  const { logger, logs } = createAgentLogger({
    name: config.name,
    level: config.logLevel,
    format: config.logFormat === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : config.logFormat,
    redact: LOG_REDACT,
    dir: resolve(config.logs.dir ?? join(config.dataDir, 'logs')),
    maxFileBytes: config.logs.maxFileBytes,
    maxFiles: config.logs.maxFiles
  })
  if (config.auth === 'off') {
    process.stderr.write(AUTH_OFF_WARNING + '\n')
    logger.warn('authentication is off: every request is allowed (local development only)')
  }
  const agent = new Agent(config, logger, { logs })
  let info
  try {
    info = await agent.start()
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      process.stderr.write(`llmlb: ${err.message}\n`)
      process.exit(3)
    }
    logger.fatal({ err }, 'failed to start')
    process.exit(1)
  }
  const lines = [
    '',
    `llmlb node "${info.name}" is up`,
    `  API:        ${info.url}/v1   (OpenAI-compatible)`,
    ...authBannerLines(info.auth, info.url, config.dataDir),
    `  models:     ${info.models.length ? info.models.join(', ') : `none yet: llmlb models pull Qwen/Qwen2.5-7B-Instruct-GGUF:Q4_K_M${dataDirFlag(config.dataDir)}, or --model path.gguf`}`,
    `  peer id:    ${info.peerId}`,
    `  mesh:       ${info.meshAddresses.join(' ')}`,
    `  cluster key ${info.clusterKey.source === 'generated' ? 'created at' : 'from'} ${info.clusterKey.path ?? info.clusterKey.source}`,
    `  add a box:  llmlb serve --cluster-key ${info.clusterKey.hex}${config.mdns ? '' : ` --peer ${peerHint(info.meshAddresses, config.meshPort)}`}`,
    `  try it:     curl -N ${info.url}/v1/chat/completions${curlAuthHeader(info.auth, config.dataDir)} -d '{"model":"${info.models[0] ?? '<model>'}","messages":[{"role":"user","content":"hi"}],"stream":true}'`,
    ''
  ]
  process.stdout.write(lines.join('\n') + '\n')
  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) process.exit(130)
    stopping = true
    logger.info({ signal }, 'shutting down')
    agent.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed')
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

/** `--data-dir X` for a CLI hint, unless the node runs on the dir the CLI finds by itself. */
function dataDirFlag(dataDir: string): string {
  return resolve(dataDir) === dataDirOf({}) ? '' : ` --data-dir ${dataDir}`
}

/** The mesh address another box should use: a LAN address when there is one, loopback otherwise. */
function peerHint(addresses: string[], meshPort: number): string {
  return addresses.find((a) => !a.includes('/127.0.0.1/') && !a.includes('/::1/')) ?? addresses[0] ?? `<this-host>:${meshPort}`
}
