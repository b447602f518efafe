/**
 * The package as a user installs it: `npm pack`, then `npm install -g` of the tarball into a clean
 * prefix (no repository, no dev dependencies), and the installed `llmlb` serves the demo model to the
 * official openai client. Needs the npm registry or a warm npm cache (`--prefer-offline`).
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, describe, expect, it } from 'vitest'
import { bundleCommit } from '../../../agent/src/sharding/index.js'
import { REPO_ROOT, tempDir, waitFor } from '../../helpers/agent-process.js'

const INSTALL_TIMEOUT_MS = 540_000
let serve: ReturnType<typeof spawn> | undefined

afterAll(() => {
  if (serve && serve.exitCode === null) serve.kill('SIGKILL')
})

describe('npm package', () => {
  it('the packed tarball installed globally into a clean prefix serves the demo model', { timeout: INSTALL_TIMEOUT_MS + 120_000 }, async () => {
    const dir = await tempDir('llmlb-pack-')
    const pack = spawnSync('npm', ['pack', '--pack-destination', dir], { cwd: REPO_ROOT, encoding: 'utf8' })
    expect(pack.status, pack.stderr).toBe(0)
    const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'))
    expect(tgz).toBeDefined()
    const prefix = join(dir, 'prefix')
    const install = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const p = spawn('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, tgz as string)], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
      let err = ''
      p.stderr.on('data', (d) => (err += d))
      const timer = setTimeout(() => p.kill('SIGKILL'), INSTALL_TIMEOUT_MS)
      p.once('exit', (code) => {
        clearTimeout(timer)
        resolve({ code, err })
      })
    })
    expect(install.code, install.err.slice(-2000)).toBe(0)
    const pkgDir = join(prefix, 'lib', 'node_modules', 'llmlb')
    const bin = join(prefix, 'bin', 'llmlb')
    // run time needs no dev dependency, and none is installed
    for (const dev of ['vitest', 'typescript', 'vite', 'openai']) expect(existsSync(join(pkgDir, 'node_modules', dev)), dev).toBe(false)
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' })
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(version.stdout.trim()).toBe(pkg.version)
    // `llmlb rpc build` needs the llama.cpp bundle of node-llama-cpp (a dependency) at run time
    const rpcStatus = spawnSync(bin, ['rpc', 'status', '--json', '--rpc-cache', join(dir, 'rpc')], { encoding: 'utf8' })
    expect(rpcStatus.status, rpcStatus.stderr).toBe(0)
    const rpc = JSON.parse(rpcStatus.stdout) as { bundle: { path: string; commit?: string }; entries: unknown[] }
    expect(rpc.bundle.path.startsWith(pkgDir)).toBe(true)
    expect(rpc.bundle.commit).toBe(await bundleCommit())
    expect(rpc.entries).toEqual([])

    const dataDir = await tempDir()
    serve = spawn(bin, ['serve', '--demo', '--profile', 'test', '--data-dir', dataDir, '--no-mdns', '--log-level', 'warn'], { env: { ...process.env, LLMLB_AUTH: 'off' }, stdio: 'ignore' })
    const url = await waitFor(async () => {
      const lock = JSON.parse(await readFile(join(dataDir, 'llmlb.lock'), 'utf8')) as { port: number; url?: string }
      if (!lock.url) return undefined
      const ready = (await (await fetch(`http://127.0.0.1:${lock.port}/ready`)).json()) as { models: string[] }
      return ready.models.includes('llmlb-tiny-demo') ? `http://127.0.0.1:${lock.port}` : undefined
    }, 'installed llmlb to serve the demo model', 90_000)
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused' })
    const r = await client.chat.completions.create({ model: 'llmlb-tiny-demo', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 })
    expect(r.choices[0]?.message.content?.length).toBeGreaterThan(0)
    const dash = await fetch(`${url}/`)
    expect(dash.status).toBe(200)
    expect(await dash.text()).toContain('<div id=')
    serve.kill('SIGTERM')
    await waitFor(() => serve?.exitCode !== null, 'installed llmlb to stop', 30_000)
  })
})
