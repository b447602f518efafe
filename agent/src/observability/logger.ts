/**
 * The agent's root logger: structured JSON (pino) to stdout, to rotating files in the data dir, and
 * to an in-memory ring that serves the log tail API. One level for all three (`logLevel`). Request
 * lines carry the request id (`reqId`, fastify's request logger); prompts and completions are never
 * logged.
 */
import { pino, type Logger, type LoggerOptions } from 'pino'
import pretty from 'pino-pretty'
import { LogRing } from './log-ring.js'
import { LogTail, type LogSource } from './log-tail.js'
import { RotatingFile } from './rotating-file.js'

export interface AgentLoggerInit {
  /** Node name, on every line as `node`. */
  name: string
  level: LoggerOptions['level']
  /** Folder of the rotating files. */
  dir: string
  maxFileBytes?: number
  maxFiles?: number
  /** pino `redact` paths (secrets). */
  redact?: LoggerOptions['redact']
  /** Also write to stdout. @default true */
  stdout?: boolean
  /** Lines on stdout: pino's JSON, or one readable line each (files stay JSON). @default 'json' */
  format?: 'json' | 'pretty'
}

export interface AgentLogger {
  logger: Logger
  /** The log tail of this process and its files. */
  logs: LogSource
  /** Writes buffered file lines now; call before `process.exit`. */
  flushSync(): void
}

export function createAgentLogger(init: AgentLoggerInit): AgentLogger {
  const ring = new LogRing()
  const file = new RotatingFile({ dir: init.dir, maxFileBytes: init.maxFileBytes, maxFiles: init.maxFiles })
  // every destination takes everything the logger emits; the logger's level is the one filter
  const streams: pino.StreamEntry[] = [
    { level: 'trace', stream: file },
    { level: 'trace', stream: ring }
  ]
  // synchronous, as pino's default stdout: a line logged just before process.exit is not lost
  if (init.stdout !== false) streams.unshift({ level: 'trace', stream: init.format === 'pretty' ? prettyStdout() : pino.destination({ dest: 1, sync: true }) })
  const logger = pino({ level: init.level, base: { node: init.name }, ...(init.redact ? { redact: init.redact } : {}) }, pino.multistream(streams))
  // lines of the last turn are still buffered when process.exit runs
  process.once('exit', () => file.flushSync())
  return { logger, logs: new LogTail({ ring, dir: init.dir }), flushSync: () => file.flushSync() }
}

/** Readable stdout lines for a person at a terminal: `12:00:01.234 INFO [mesh] peer joined {…}`. */
function prettyStdout(): NodeJS.WritableStream {
  return pretty({
    destination: 1,
    sync: true,
    colorize: process.stdout.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,node,component',
    messageFormat: '{if component}[{component}] {end}{msg}'
  })
}
