#!/usr/bin/env node
// Makes sure what the test suite needs outside npm is present: Debian's Chromium for the dashboard's
// browser tests, systemd's `systemd-analyze` for the service unit test, the toolchain that builds the RPC
// binaries of the sharding tests (scripts/ensure-rpc-binaries.mjs, after the build). Installs them with apt when
// running as root (CI, fresh boxes); otherwise says how.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { noOptions } from './plain-script-args.mjs'

noOptions('usage: node scripts/ensure-test-deps.mjs   (runs in npm test) — installs Debian\'s Chromium for the browser tests when run as root')

/** [file that must exist, or a command on PATH, Debian package that provides it]. */
const NEEDED = [
  ['/usr/bin/chromium', 'chromium'],
  ['/usr/bin/systemd-analyze', 'systemd'],
  ['cmake', 'cmake'],
  ['ninja', 'ninja-build'],
  ['g++', 'g++'],
  ['git', 'git']
]
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
const present = (what) => (what.startsWith('/') ? existsSync(what) : onPath(what))
const missing = NEEDED.filter(([what]) => !present(what)).map(([, pkg]) => pkg)
if (missing.length === 0) process.exit(0)
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const hasApt = onPath('apt-get')
if (!isRoot || !hasApt) {
  process.stderr.write(`llmlb tests need ${missing.join(' and ')} (the dashboard's browser tests, the service unit check, building the RPC binaries): run \`sudo apt-get install -y ${missing.join(' ')}\` (Debian/Ubuntu), then npm test again.\n`)
  process.exit(1)
}
process.stderr.write(`llmlb: installing ${missing.join(', ')} (apt-get) for the tests…\n`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
