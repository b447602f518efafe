/**
 * The floor of the proxy bench: the HTTP stack a llmlb node is built on (fastify 5 receiving, an
 * undici Pool to the engine, the JSON body parsed once as the node does) forwarding
 * `POST /v1/chat/completions` and nothing else — no auth, routing, admission, history or metrics.
 * It is what any node on this stack can at best reach on the box, so the bench can say how much of the
 * gap to nginx is the node's own work and how much is Node's HTTP path itself.
 * `node dist/scripts/bench/floor-proxy.js <engine url>`: prints `{"url": …}` once listening; stops on SIGTERM.
 */
import Fastify from 'fastify'
import { Pool } from 'undici'

const engine = process.argv[2]
if (!engine) {
  process.stderr.write('usage: node dist/scripts/bench/floor-proxy.js <engine url>\n')
  process.exit(2)
}
const pool = new Pool(engine, { connections: 64 })
const app = Fastify({ logger: false })
app.post('/v1/chat/completions', async (req, reply) => {
  const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body) })
  reply.code(res.statusCode).header('content-type', String(res.headers['content-type'] ?? 'application/json'))
  return reply.send(res.body)
})
await app.listen({ port: 0, host: '127.0.0.1' })
const addr = app.server.address()
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` }) + '\n')
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void Promise.all([app.close(), pool.close()]).then(() => process.exit(0)))
