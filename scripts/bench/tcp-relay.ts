/**
 * The floor of any tunnel, for `npm run bench -- shard`: a plain TCP relay (accept, connect onward,
 * pipe both ways; no framing, no encryption, no mesh). Two of them in a chain — one in the bench
 * process where the coordinator's agent would be, one in its own process where a lender's agent would
 * be — make the same process hops a mesh tunnel makes, so the bench can tell the cost of those hops on
 * this box from the cost of the tunnel's own work.
 * `node dist/scripts/bench/tcp-relay.js <port>`: prints `{"url": "tcp://127.0.0.1:…"}` once listening;
 * stops on SIGTERM or when its stdin ends.
 */
import { once } from 'node:events'
import { connect, createServer, type AddressInfo, type Server } from 'node:net'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startListening } from './agent-proc.js'

/** Listens on a free loopback port and relays every connection to `127.0.0.1:to`. */
export async function startRelay(to: number): Promise<{ port: number; server: Server }> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.setNoDelay(true)
    const out = connect({ host: '127.0.0.1', port: to, allowHalfOpen: true })
    out.setNoDelay(true)
    s.pipe(out)
    out.pipe(s)
    s.on('error', () => out.destroy())
    out.on('error', () => s.destroy())
    s.on('close', () => out.destroy())
    out.on('close', () => s.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { port: (server.address() as AddressInfo).port, server }
}

/** The same relay in a process of its own; it exits when this process does (its stdin closes). */
export async function spawnRelay(to: number): Promise<{ port: number; proc: ChildProcess }> {
  const { url, proc } = await startListening(fileURLToPath(import.meta.url), [String(to)])
  return { port: Number(new URL(url).port), proc }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { port } = await startRelay(Number(process.argv[2]))
  process.stdout.write(JSON.stringify({ url: `tcp://127.0.0.1:${port}` }) + '\n')
  process.once('SIGTERM', () => process.exit(0))
  // a bench that dies without stopping it must not leave it listening
  process.stdin.on('end', () => process.exit(0)).resume()
}
