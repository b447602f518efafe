/**
 * Cloud provider calls go through the node's outbound policy (specs/security.md, outbound requests):
 * a base URL the operator set to a literal local address is reached (as a registered engine is), a
 * name that resolves into a blocked range is refused at connect time (DNS rebinding), a metadata
 * address is refused even when configured, and a provider's redirect is never followed.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listModels } from '../../../../agent/src/clouds/provider-api.js'
import type { ProviderSettings } from '../../../../agent/src/clouds/providers.js'
import { setOutboundDefaults } from '../../../../agent/src/net/index.js'
import { mockOpenAi, type MockProvider } from '../../../helpers/mock-providers.js'
import { resolverOf } from '../../../helpers/resolver.js'

const KEY = 'sk-proj-outbound-test'
let provider: MockProvider
let redirecting: Server
let redirectPort = 0
/** What the test's resolver answers for a name (a DNS server the attacker controls). */
const names: Record<string, string> = {}
const lookup = resolverOf((host) => names[host])

const settings = (baseUrl: string): ProviderSettings => ({ kind: 'openai', prefix: 'openai', baseUrl, apiKey: KEY, keySource: 'local' })
const port = (): string => new URL(provider.url).port

beforeAll(async () => {
  provider = await mockOpenAi(KEY)
  redirecting = createServer((_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end())
  await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r))
  redirectPort = (redirecting.address() as AddressInfo).port
  setOutboundDefaults({ allow: [], lookup })
})

afterAll(async () => {
  setOutboundDefaults({ allow: [] })
  await provider.close()
  redirecting.closeAllConnections()
  await new Promise((r) => redirecting.close(r))
})

describe('cloud provider calls through the outbound policy', () => {
  it('reach a base URL the operator set to a literal local address', async () => {
    expect(await listModels(settings(provider.url))).toEqual(['gpt-test'])
  })

  it('refuse a name that resolves to a loopback or private address, and a metadata address even when configured', async () => {
    names['llm-proxy.example'] = '127.0.0.1'
    names['lan-proxy.example'] = '10.0.0.9'
    names['meta.example'] = '169.254.169.254'
    await expect(listModels(settings(`http://llm-proxy.example:${port()}/v1`))).rejects.toMatchObject({ code: 'provider_failed', message: expect.stringMatching(/127\.0\.0\.1 is a loopback address/) })
    await expect(listModels(settings('http://lan-proxy.example/v1'))).rejects.toMatchObject({ code: 'provider_failed', message: expect.stringMatching(/10\.0\.0\.9 is a private address/) })
    await expect(listModels(settings('http://meta.example/v1'))).rejects.toMatchObject({ code: 'provider_failed', message: expect.stringMatching(/cloud metadata address/) })
    await expect(listModels(settings('http://169.254.169.254/v1'))).rejects.toMatchObject({ code: 'provider_failed', message: expect.stringMatching(/cloud metadata address/) })
  })

  it('reach such a name once the node’s outbound.allow names its range', async () => {
    setOutboundDefaults({ allow: ['127.0.0.0/8'], lookup })
    try {
      expect(await listModels(settings(`http://llm-proxy.example:${port()}/v1`))).toEqual(['gpt-test'])
    } finally {
      setOutboundDefaults({ allow: [], lookup })
    }
  })

  it('never follow a provider’s redirect (here into the metadata address)', async () => {
    await expect(listModels(settings(`http://127.0.0.1:${redirectPort}/v1`))).rejects.toMatchObject({ code: 'provider_failed', message: expect.stringMatching(/HTTP 302/) })
  })
})
