/**
 * A new user's first run with authentication on, and the `llmlb keys` commands against a running node
 * (through its data dir, and through its URL with an API key).
 */
import { stat, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startAgent, stopAllAgents, tempDir, tinyModel, type RunningAgent } from '../../helpers/agent-process.js'

let agent: RunningAgent
let model: string
let dataDir: string

beforeAll(async () => {
  model = await tinyModel('first-run')
  dataDir = await tempDir()
  agent = await startAgent({ name: 'first', models: [model], dataDir, auth: true })
})
afterAll(stopAllAgents)

const printed = (what: RegExp): string => what.exec(agent.output())?.[1] ?? ''

describe('first run with auth on', () => {
  it('prints the dashboard, a generated admin password (to be changed) and an initial key the openai client can use', async () => {
    expect(agent.output()).toContain(`dashboard:  ${agent.url}/`)
    const password = printed(/admin:\s+user "admin", password (\S+)/)
    const key = printed(/API key:\s+(llmlb_initial_\S+)/)
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/)
    const file = join(dataDir, 'initial-api-key')
    expect((await readFile(file, 'utf8')).trim()).toBe(key)
    expect((await stat(file)).mode & 0o777).toBe(0o600)

    const client = new OpenAI({ baseURL: `${agent.url}/v1`, apiKey: key, maxRetries: 0 })
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['first-run'])
    const chat = await client.chat.completions.create({ model: 'first-run', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 })
    expect(chat.choices[0]?.message).toBeDefined()
    const anonymous = new OpenAI({ baseURL: `${agent.url}/v1`, apiKey: 'not-a-key', maxRetries: 0 })
    await expect(anonymous.models.list()).rejects.toMatchObject({ status: 401 })

    const login = await fetch(`${agent.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })
    expect(login.status).toBe(200)
    expect(((await login.json()) as { user: { mustChangePassword: boolean } }).user.mustChangePassword).toBe(true)
  })

  it('llmlb keys create prints only the key; list shows no secret; revoke makes it fail everywhere', async () => {
    const created = await runCli(['keys', 'create', '--data-dir', dataDir, '--name', 'ci', '--scopes', 'inference,models:read', '--expires', '30d'])
    expect(created.code).toBe(0)
    const key = created.stdout.trim()
    expect(created.stdout).toMatch(/^llmlb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/)
    expect((await fetch(`${agent.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200)

    const json = await runCli(['keys', 'create', '--data-dir', dataDir, '--name', 'ci-json', '--scopes', 'models:read', '--json'])
    const details = JSON.parse(json.stdout) as { id: string; name: string; key: string; scopes: string[] }
    expect(details).toMatchObject({ name: 'ci-json', scopes: ['models:read'] })
    expect(details.key).toMatch(/^llmlb_/)

    const list = await runCli(['keys', 'list', '--data-dir', dataDir])
    expect(list.code).toBe(0)
    for (const name of ['initial', 'ci', 'ci-json']) expect(list.stdout).toContain(name)
    expect(list.stdout).not.toContain(key)
    expect(list.stdout).not.toContain(details.key)

    const revoked = await runCli(['keys', 'revoke', 'ci', '--data-dir', dataDir])
    expect(revoked.code).toBe(0)
    expect((await fetch(`${agent.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401)
    expect((await runCli(['keys', 'revoke', 'ci', '--data-dir', dataDir])).code).toBe(2)
    expect(agent.output()).not.toContain(key)
    expect(agent.output()).not.toContain(details.key)
  })

  it('--url targets need an API key with keys:manage (flag or LLMLB_API_KEY); peers works with the local token', async () => {
    const made = await runCli(['keys', 'create', '--data-dir', dataDir, '--name', 'manager', '--scopes', 'keys:manage,nodes:read'])
    expect(made.stderr).toBe('')
    const manager = made.stdout.trim()
    const none = await runCli(['keys', 'list', '--url', agent.url], { LLMLB_API_KEY: '' })
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('HTTP 401')
    const reader = printed(/API key:\s+(llmlb_initial_\S+)/)
    expect((await runCli(['keys', 'list', '--url', agent.url, '--api-key', reader])).stderr).toContain('HTTP 403')
    const viaFlag = await runCli(['keys', 'list', '--url', agent.url, '--api-key', manager, '--json'])
    expect(viaFlag.code).toBe(0)
    expect((JSON.parse(viaFlag.stdout) as { name: string }[]).map((k) => k.name)).toContain('manager')
    const viaEnv = await runCli(['keys', 'create', '--url', agent.url, '--name', 'from-env', '--scopes', 'nodes:read'], { LLMLB_API_KEY: manager })
    expect(viaEnv.code).toBe(0)
    // a key cannot grant more than it holds
    const escalate = await runCli(['keys', 'create', '--url', agent.url, '--name', 'escalate', '--scopes', 'users:manage'], { LLMLB_API_KEY: manager })
    expect(escalate.code).toBe(2)
    expect(escalate.stderr).toContain('HTTP 403')
    const peers = await runCli(['peers', '--data-dir', dataDir])
    expect(peers.code).toBe(0)
    expect(peers.stdout).toContain('first')
  })

  it('a restart prints no new password or key, and the old ones still work', async () => {
    const key = printed(/API key:\s+(llmlb_initial_\S+)/)
    expect(await agent.stop()).toBe(0)
    await expect(stat(join(dataDir, 'local-admin.token'))).rejects.toThrow()
    agent = await startAgent({ name: 'first', models: [model], dataDir, auth: true })
    expect(agent.output()).not.toContain('API key:')
    expect(agent.output()).not.toContain('password')
    expect((await fetch(`${agent.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200)
    const list = await runCli(['keys', 'list', '--data-dir', dataDir, '--json'])
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(4)
  })
})

describe('--auth off', () => {
  it('prints a loud warning and leaves every route open', async () => {
    const open = await startAgent({ name: 'open', args: ['--auth', 'off'] })
    expect(open.output()).toContain('WARNING: authentication is OFF')
    expect((await fetch(`${open.url}/api/nodes`)).status).toBe(200)
    expect((await fetch(`${open.url}/api/auth/me`)).status).toBe(404)
  })
})
