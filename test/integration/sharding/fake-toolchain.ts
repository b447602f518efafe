/**
 * A fake build toolchain for `llmlb rpc build` tests: `git`, `cmake`, `c++` and `ninja` as small Node
 * scripts first on PATH. Each call is appended to `calls.jsonl`; `git clone` lays out a tree with
 * ggml-rpc.h, `cmake --build` prints ninja's progress lines and writes the target as an executable.
 * `FAKE_GATE=<file>`: configure waits until that file exists (to hold a build midway).
 * `FAKE_FAIL=1`: building a target fails with compiler-like errors.
 * No real compile ever runs in a test (npm test's set-up builds the real binaries once per machine).
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const PRELUDE = `#!${process.execPath}
const fs = require('node:fs')
const path = require('node:path')
const args = process.argv.slice(2)
fs.appendFileSync(path.join(__dirname, 'calls.jsonl'), JSON.stringify({ tool: path.basename(process.argv[1]), args, pid: process.pid }) + '\\n')
`

const GIT = `${PRELUDE}
if (args[0] !== 'clone') process.exit(0)
const dst = args[args.length - 1]
fs.mkdirSync(path.join(dst, 'ggml', 'include'), { recursive: true })
fs.writeFileSync(path.join(dst, 'ggml', 'include', 'ggml-rpc.h'), '#define RPC_PROTO_MAJOR_VERSION 6\\n#define RPC_PROTO_MINOR_VERSION 0\\n#define RPC_PROTO_PATCH_VERSION 0\\n')
`

const CMAKE = `${PRELUDE}
if (args[0] === '--version') { console.log('cmake version 3.25.1'); process.exit(0) }
if (args[0] === '--build') {
  const out = args[1]
  const target = args[args.indexOf('--target') + 1]
  console.log('[1/2] Building CXX object ' + target + '.o')
  if (process.env.FAKE_FAIL) { console.error('fatal error: fake-compiler: ' + target + ' does not compile'); process.exit(1) }
  console.log('[2/2] Linking CXX executable bin/' + target)
  fs.mkdirSync(path.join(out, 'bin'), { recursive: true })
  fs.writeFileSync(path.join(out, 'bin', target), '#!/bin/sh\\necho ' + target + '\\n', { mode: 0o755 })
  process.exit(0)
}
const gate = process.env.FAKE_GATE
const configure = () => { fs.mkdirSync(args[args.indexOf('-B') + 1], { recursive: true }); console.log('-- Configuring done') }
if (!gate || fs.existsSync(gate)) configure()
else {
  const timer = setInterval(() => { if (fs.existsSync(gate)) { clearInterval(timer); configure() } }, 50)
}
`

const NOOP = `${PRELUDE}`

export interface FakeToolchain {
  dir: string
  /** Every recorded call, in order. */
  calls: () => Promise<Array<{ tool: string; args: string[]; pid: number }>>
}

/** Writes the fake tools into `dir`; `omit` leaves some out (e.g. `['cmake']`). */
export async function fakeToolchain(dir: string, omit: string[] = []): Promise<FakeToolchain> {
  await mkdir(dir, { recursive: true })
  const tools: Record<string, string> = { git: GIT, cmake: CMAKE, 'c++': NOOP, ninja: NOOP }
  for (const [name, text] of Object.entries(tools)) {
    if (omit.includes(name)) continue
    await writeFile(join(dir, name), text)
    await chmod(join(dir, name), 0o755)
  }
  return {
    dir,
    calls: async () =>
      (await readFile(join(dir, 'calls.jsonl'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { tool: string; args: string[]; pid: number })
  }
}
