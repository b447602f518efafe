/**
 * Servers that are not engines, or that break the protocol, for the bad-input tests: a web page
 * (404s and HTML), a redirect loop, a body that never ends, and an answer that is not JSON.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Misbehaviour = 'web-page' | 'redirect-loop' | 'endless-body' | 'not-json'

export async function startMisbehaving(kind: Misbehaviour): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    switch (kind) {
      case 'web-page':
        res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/html' })
        return res.end('<html><body>Welcome</body></html>')
      case 'redirect-loop':
        res.writeHead(302, { location: req.url?.startsWith('/a') ? '/b' + req.url : '/a' + (req.url ?? '/') })
        return res.end()
      case 'endless-body': {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write('{"object":"list","data":[')
        const timer = setInterval(() => res.write('{"id":"x","object":"model"},'.repeat(512)), 5)
        res.on('close', () => clearInterval(timer))
        return
      }
      case 'not-json':
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end('this is not json {')
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}
