/**
 * `llmlb service install [--user] | uninstall [--user]`: writes (or removes) the systemd unit and its
 * environment file, then says how to start and follow the node. Nothing is started here: enabling a
 * service is the operator's decision, printed as the next command.
 */
import { existsSync } from 'node:fs'
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises'
import { homedir, userInfo } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expandHome } from '../config/index.js'
import { envFileTemplate, SERVICE_NAME, systemdUnit } from './systemd-unit.js'

export interface ServiceFlags {
  user?: boolean
  dataDir?: string
  /** Write under this folder instead of `/` (packaging, tests). */
  root?: string
}

const out = (s: string): boolean => process.stdout.write(s + '\n')

/** The bin script of this installation (dist/agent/src/cli → package root). */
const cliPath = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'bin', 'llmlb.js')

function paths(flags: ServiceFlags): { unit: string; env: string; dataDir: string } {
  const root = flags.root ? resolve(flags.root) : ''
  const home = homedir()
  if (flags.user) {
    return {
      unit: join(root, home, '.config', 'systemd', 'user', SERVICE_NAME),
      env: join(root, home, '.config', 'llmlb', 'llmlb.env'),
      dataDir: resolve(expandHome(flags.dataDir ?? '~/.llmlb'))
    }
  }
  return { unit: join(root, '/etc/systemd/system', SERVICE_NAME), env: join(root, '/etc/llmlb/llmlb.env'), dataDir: resolve(expandHome(flags.dataDir ?? '/var/lib/llmlb')) }
}

export async function serviceInstallCommand(flags: ServiceFlags): Promise<void> {
  const p = paths(flags)
  const ctl = flags.user ? 'systemctl --user' : 'sudo systemctl'
  const journal = flags.user ? 'journalctl --user' : 'sudo journalctl'
  const unit = systemdUnit({ nodePath: process.execPath, cliPath: cliPath(), dataDir: p.dataDir, envFile: p.env, user: Boolean(flags.user), runAs: userInfo().username })
  try {
    await mkdir(dirname(p.unit), { recursive: true })
    await writeFile(p.unit, unit)
    await mkdir(dirname(p.env), { recursive: true, mode: 0o700 })
    // an existing environment file holds the operator's keys: never overwritten
    if (!existsSync(p.env)) await writeFile(p.env, envFileTemplate(), { mode: 0o600 })
    await chmod(p.env, 0o600)
  } catch (err) {
    process.stderr.write(`llmlb: cannot write ${p.unit}: ${(err as Error).message}${flags.user ? '' : ' (a system unit needs root: sudo, or --user)'}\n`)
    process.exit(1)
  }
  out(`wrote ${p.unit}`)
  out(`settings: ${p.env} (cluster key, peers, HF_TOKEN…)`)
  out(`data dir: ${p.dataDir}`)
  out('')
  out(`start it:   ${ctl} daemon-reload && ${ctl} enable --now llmlb`)
  out(`follow it:  ${journal} -u llmlb -f`)
  if (flags.user) out('keep it running after logout:  sudo loginctl enable-linger $USER')
}

export async function serviceUninstallCommand(flags: ServiceFlags): Promise<void> {
  const p = paths(flags)
  if (!existsSync(p.unit)) {
    out(`no unit at ${p.unit}`)
    return
  }
  await rm(p.unit, { force: true })
  out(`removed ${p.unit} (kept ${p.env} and the data dir ${p.dataDir})`)
  out(`then: ${flags.user ? 'systemctl --user' : 'sudo systemctl'} disable --now llmlb; ${flags.user ? 'systemctl --user' : 'sudo systemctl'} daemon-reload`)
}
