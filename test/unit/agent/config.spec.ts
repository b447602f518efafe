import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { configFromEnv, loadConfig, mergeConfig, InvalidConfigError } from '../../../agent/src/config/index.js'

const dir = (): string => mkdtempSync(join(tmpdir(), 'llmlb-cfg-'))

describe('config', () => {
  it('has documented defaults', () => {
    const c = loadConfig({ dataDir: dir() }, {})
    expect(c.port).toBe(32768)
    expect(c.meshPort).toBe(32769)
    expect(c.host).toBe('0.0.0.0')
    expect(c.mdns).toBe(true)
    expect(c.runtime.slots).toBe(4)
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('merges defaults < file < env < flags', () => {
    const d = dir()
    writeFileSync(join(d, 'config.json'), JSON.stringify({ port: 1000, name: 'from-file', meshPort: 2000, runtime: { slots: 8 } }))
    const env = configFromEnv({ LLMLB_PORT: '1001', LLMLB_NAME: 'from-env' })
    const c = loadConfig({ dataDir: d, port: 1002 }, env)
    expect(c.port).toBe(1002)
    expect(c.name).toBe('from-env')
    expect(c.meshPort).toBe(2000)
    expect(c.runtime.slots).toBe(8)
    expect(c.runtime.contextSize).toBe(2048)
  })

  it('reads every documented variable', () => {
    const e = configFromEnv({
      LLMLB_PORT: '1',
      LLMLB_HOST: 'h',
      LLMLB_DATA_DIR: '/d',
      LLMLB_NAME: 'n',
      LLMLB_MESH_PORT: '2',
      LLMLB_PEERS: 'a:1, b:2',
      LLMLB_CLUSTER_KEY: 'k',
      LLMLB_ADMIN_PASSWORD: 'p',
      LLMLB_AUTH: 'off'
    })
    expect(e).toEqual({ port: 1, host: 'h', dataDir: '/d', name: 'n', meshPort: 2, peers: ['a:1', 'b:2'], clusterKey: 'k', adminPassword: 'p', auth: 'off' })
  })

  it('reads cloud provider keys and base URLs from the variables their SDKs use; the file sets the rest', () => {
    const e = configFromEnv({ OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'sk-a', ANTHROPIC_BASE_URL: 'http://proxy:1', GOOGLE_API_KEY: 'g-2', LLMLB_COMPAT_API_KEY: 'c', LLMLB_COMPAT_PREFIX: 'openrouter', LLMLB_COMPAT_BASE_URL: 'https://openrouter.ai/api/v1' })
    expect(e.clouds).toEqual({ openai: { apiKey: 'sk-o' }, anthropic: { apiKey: 'sk-a', baseUrl: 'http://proxy:1' }, google: { apiKey: 'g-2' }, compatible: { apiKey: 'c', baseUrl: 'https://openrouter.ai/api/v1', prefix: 'openrouter' } })
    expect(configFromEnv({ GEMINI_API_KEY: 'g-1', GOOGLE_API_KEY: 'g-2' }).clouds).toEqual({ google: { apiKey: 'g-1' } })
    expect(configFromEnv({}).clouds).toBeUndefined()
    const d = dir()
    writeFileSync(join(d, 'config.json'), JSON.stringify({ clouds: { google: { baseUrl: 'http://gemini-proxy:2' }, modelsTtlMs: 5000 } }))
    const c = loadConfig({ dataDir: d }, e)
    expect(c.clouds).toMatchObject({ google: { apiKey: 'g-2', baseUrl: 'http://gemini-proxy:2' }, anthropic: { apiKey: 'sk-a' }, modelsTtlMs: 5000 })
    expect(() => loadConfig({ dataDir: dir(), clouds: { compatible: { prefix: 'anthropic' } } }, {})).toThrow(/clouds.compatible.prefix/)
  })

  it('test profile uses port 0 and no mDNS unless set', () => {
    const c = loadConfig({ dataDir: dir(), profile: 'test' }, {})
    expect(c.port).toBe(0)
    expect(c.mdns).toBe(false)
    expect(loadConfig({ dataDir: dir(), profile: 'test', port: 5 }, {}).port).toBe(5)
  })

  it('rejects bad values and bad files with a clear error', () => {
    expect(() => loadConfig({ dataDir: dir(), port: 70000 }, {})).toThrow(/port/)
    const d = dir()
    writeFileSync(join(d, 'config.json'), '{nope')
    expect(() => loadConfig({ dataDir: d }, {})).toThrow(InvalidConfigError)
  })

  it('mergeConfig never lets undefined override', () => {
    expect(mergeConfig({ a: 1, b: { c: 2 } }, { a: undefined, b: { d: 3 } })).toEqual({ a: 1, b: { c: 2, d: 3 } })
  })
})
