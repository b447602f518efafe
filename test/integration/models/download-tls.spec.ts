/**
 * Downloads over TLS, the way huggingface.co and its CDN serve them: the bulk client's TLS path
 * (certificate checked against the trusted CAs, server name sent) through a redirect, a length-framed
 * and a chunked body. The client runs in a child node (the built agent) that trusts the test CA the
 * way an operator adds one (NODE_EXTRA_CA_CERTS); without it, the same server is refused.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../../helpers/agent-process.js'

const TLS_DIR = join(REPO_ROOT, 'test', 'helpers', 'tls')
const BODY = Buffer.from(Array.from({ length: (6 << 20) + 777 }, (_, i) => (i * 7 + (i >> 13)) & 0xff))
const SHA = createHash('sha256').update(BODY).digest('hex')
let server: Server
let port = 0

beforeAll(async () => {
  server = createServer({ key: readFileSync(join(TLS_DIR, 'key.pem')), cert: readFileSync(join(TLS_DIR, 'cert.pem')) }, (req, res) => {
    if (req.url === '/redirect') return res.writeHead(302, { location: `https://127.0.0.1:${port}/file` }).end()
    if (req.url === '/chunked') {
      res.writeHead(200)
      for (let i = 0; i < BODY.length; i += 1 << 20) res.write(BODY.subarray(i, i + (1 << 20)))
      return res.end()
    }
    res.writeHead(200, { 'content-length': String(BODY.length) }).end(BODY)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

/** Runs the built Outbound.receive in a child node; prints `status bytes sha256` or `error <message>`. */
function download(url: string, trustTestCa: boolean): Promise<string> {
  const script = `
    import { createHash } from 'node:crypto'
    import { Outbound } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'agent', 'src', 'net', 'index.js'))}
    const h = createHash('sha256')
    const o = new Outbound({ allow: ['loopback'] })
    try {
      const got = await o.receive(${JSON.stringify(url)}, {}, () => (c) => void h.update(c))
      console.log(got.head.status, got.bytes, h.digest('hex'))
    } catch (err) {
      console.log('error', err.message)
    }
    await o.close()`
  return new Promise((resolve, reject) => {
    const env = { ...process.env }
    if (trustTestCa) env.NODE_EXTRA_CA_CERTS = join(TLS_DIR, 'cert.pem')
    else delete env.NODE_EXTRA_CA_CERTS
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.once('error', reject)
    child.once('exit', () => resolve(out.trim()))
  })
}

describe('downloads over TLS', () => {
  it('follow a redirect and read length-framed and chunked bodies whole, by name and by address', async () => {
    for (const url of [`https://localhost:${port}/redirect`, `https://127.0.0.1:${port}/file`, `https://localhost:${port}/chunked`]) {
      expect(await download(url, true)).toBe(`200 ${BODY.length} ${SHA}`)
    }
  })

  it('refuse a server whose certificate no trusted CA signed', async () => {
    expect(await download(`https://localhost:${port}/file`, false)).toMatch(/^error .*(self.signed|SELF_SIGNED|certificate)/i)
  })
})
