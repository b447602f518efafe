/**
 * Runs one step of a build (git, cmake): every output line goes to the build log and to `onLine`; a
 * non-zero exit rejects. Aborting kills the step's process.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { createInterface } from 'node:readline'

export interface StepOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  log: Writable
  onLine?: (line: string) => void
  signal?: AbortSignal
}

export function runStep(cmd: string, args: string[], o: StepOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    o.log.write(`$ ${[cmd, ...args].join(' ')}\n`)
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], signal: o.signal })
    let pending = 2
    const lines = (stream: NodeJS.ReadableStream): void => {
      const rl = createInterface({ input: stream, crlfDelay: Infinity })
      rl.on('line', (line) => {
        o.log.write(`${line}\n`)
        o.onLine?.(line)
      })
      rl.on('close', () => void (--pending === 0 && settle()))
    }
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    const settle = (): void => {
      if (!exit || pending > 0) return
      if (exit.code === 0) resolve()
      else reject(new Error(`${cmd} ${args[0] ?? ''} failed (${exit.code !== null ? `exit ${exit.code}` : exit.signal})`))
    }
    lines(child.stdout)
    lines(child.stderr)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      exit = { code, signal }
      settle()
    })
  })
}

/** The last lines of a build log (what a failed build shows), '' when it cannot be read. */
export async function readLogTail(path: string, lines = 40): Promise<string> {
  return (await readFile(path, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-lines).join('\n')
}

/** A build that could not start (toolchain, backend, source) or failed; `logTail` holds the end of its log. */
export class BuildError extends Error {
  constructor(message: string, readonly logTail?: string) {
    super(message)
    this.name = new.target.name
  }
}
