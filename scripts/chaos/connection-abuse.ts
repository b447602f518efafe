/**
 * Connection abuse against one real node started with the `connections` bounds given:
 * - `slow-loris`: clients that open a request and drip its headers one byte at a time — the node cuts
 *   each after `headersTimeoutMs` (checked every `connectionsCheckMs`);
 * - `flood`: one client opening `count` connections that send nothing — past `maxConnections` the node
 *   closes new sockets at once, and the idle ones are cut like slow-loris ones.
 * Measured: connections opened, refused at once, cut by the node and how long the last one lived, and
 * whether the node stayed up and served a normal request right after.
 */
import { connect, type Socket } from 'node:net'
import { startBenchAgent } from '../bench/agent-proc.js'

export interface AbuseRow {
  scenario: string
  connections: number
  /** Closed by the node within 1 s of opening (over maxConnections). */
  refused: number
  /** Closed by the node later (a timeout). */
  cut: number
  /** Still open when the scenario gave up waiting (should be 0). */
  open: number
  /** Life of the longest connection the node cut (ms). */
  longestMs: number
  /** The node answered a request after the abuse, and its process is alive. */
  served: boolean
}

export interface AbuseOptions {
  connections: number
  maxConnections: number
  headersTimeoutMs: number
  /** Longest the scenario waits for the node to cut everything (ms). */
  waitMs: number
}

export async function runAbuse(kind: 'slow-loris' | 'flood', o: AbuseOptions): Promise<AbuseRow> {
  const node = await startBenchAgent(['--name', 'abused'], {}, false, { connections: { maxConnections: o.maxConnections, headersTimeoutMs: o.headersTimeoutMs } })
  const { hostname, port } = new URL(node.url)
  const sockets: { s: Socket; opened: number; closedAt?: number }[] = []
  const drip: NodeJS.Timeout[] = []
  try {
    for (let i = 0; i < o.connections; i++) {
      const entry: { s: Socket; opened: number; closedAt?: number } = { s: connect(Number(port), hostname), opened: performance.now() }
      entry.s.on('error', () => {})
      // a connection's life at the node starts when it is accepted, not when this side asked: a thousand
      // connects at once wait their turn in the listen backlog first
      entry.s.once('connect', () => (entry.opened = performance.now()))
      entry.s.on('close', () => (entry.closedAt = performance.now()))
      sockets.push(entry)
      if (kind === 'slow-loris') {
        entry.s.write('GET /health HTTP/1.1\r\nHost: x\r\n')
        const t = setInterval(() => entry.s.writable && entry.s.write('x'), 1000)
        drip.push(t)
      }
      // let the event loop breathe every so often (and keep under the process's descriptor limit)
      if (i % 500 === 499) await new Promise((r) => setTimeout(r, 10))
    }
    const deadline = performance.now() + o.waitMs
    while (performance.now() < deadline && sockets.some((x) => x.closedAt === undefined)) await new Promise((r) => setTimeout(r, 250))
    for (const t of drip) clearInterval(t)
    const closed = sockets.filter((x) => x.closedAt !== undefined)
    const refused = closed.filter((x) => (x.closedAt as number) - x.opened < 1000).length
    const cut = closed.length - refused
    const longestMs = Math.max(0, ...closed.map((x) => (x.closedAt as number) - x.opened))
    const open = sockets.length - closed.length
    for (const x of sockets) x.s.destroy()
    const served = node.proc.exitCode === null && (await fetch(`${node.url}/health`).then((r) => r.ok, () => false))
    return { scenario: kind, connections: o.connections, refused, cut, open, longestMs, served }
  } finally {
    for (const t of drip) clearInterval(t)
    for (const x of sockets) x.s.destroy()
    await node.kill()
  }
}
