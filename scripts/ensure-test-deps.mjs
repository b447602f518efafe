#!/usr/bin/env node
// Makes sure what the test suite needs outside npm is present: Debian's Chromium for the dashboard's
// browser tests. Installs it with apt when running as root (CI, fresh boxes); otherwise says how.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { noOptions } from './plain-script-args.mjs'

noOptions('usage: node scripts/ensure-test-deps.mjs   (runs in npm test) — installs Debian\'s Chromium for the browser tests when run as root')

const CHROMIUM = '/usr/bin/chromium'
if (existsSync(CHROMIUM)) process.exit(0)
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
if (!isRoot || !hasApt) {
  process.stderr.write(`llmlb tests need Chromium at ${CHROMIUM} for the dashboard's browser tests: run \`sudo apt-get install -y chromium\` (Debian/Ubuntu), then npm test again.\n`)
  process.exit(1)
}
process.stderr.write('llmlb: installing Chromium (apt-get) for the browser tests…\n')
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
