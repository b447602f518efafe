/**
 * Connection abuse against one real node started with the `connections` bounds given:
 * - `slow-loris`: clients that open a request and drip its headers one byte at a time — the node cuts
 *   each after `headersTimeoutMs` (checked every `connectionsCheckMs`);
 * - `flood`: one client opening `count` connections that send nothing — past `maxConnections` the node
 *   closes new sockets at once, and the idle ones are cut like slow-loris ones.
 * Measured: connections opened, refused at once, cut by the node and how long the last one lived, and
 * whether the node stayed up and served a normal request right after.
 */
import { readFile } from 'node:fs/promises'
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
  /**
   * Open only on this side: the handshake completed by a SYN cookie, then the ACK dropped from a full
   * listen queue, so the node's kernel holds no socket for it (the node never had it to close).
   */
  neverAccepted: number
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
    const neverAccepted = await halfOpenAtClient(sockets.filter((x) => x.closedAt === undefined).map((x) => x.s), Number(port))
    const closed = sockets.filter((x) => x.closedAt !== undefined && !neverAccepted.has(x.s))
    const refused = closed.filter((x) => (x.closedAt as number) - x.opened < 1000).length
    const cut = closed.length - refused
    const longestMs = Math.max(0, ...closed.map((x) => (x.closedAt as number) - x.opened))
    const open = sockets.length - closed.length - neverAccepted.size
    for (const x of sockets) x.s.destroy()
    const served = node.proc.exitCode === null && (await fetch(`${node.url}/health`).then((r) => r.ok, () => false))
    return { scenario: kind, connections: o.connections, refused, cut, open, neverAccepted: neverAccepted.size, longestMs, served }
  } finally {
    for (const t of drip) clearInterval(t)
    for (const x of sockets) x.s.destroy()
    await node.kill()
  }
}

/**
 * Of sockets still open on this side, those the node's kernel has no socket for: in a flood the listen
 * queue overflows, the kernel answers with SYN cookies and drops the final ACK it has no room for, and
 * (keeping no state) never retransmits — the client believes it is connected, the node never had the
 * connection. The node side's sockets are read from /proc/net/tcp{,6} (loopback: both ends are listed);
 * where that cannot be read, none is excused.
 */
async function halfOpenAtClient(open: Socket[], nodePort: number): Promise<Set<Socket>> {
  const known = new Set<number>()
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(f, 'utf8').catch(() => null)
    if (text === null) return new Set()
    for (const line of text.split('\n').slice(1)) {
      const [, local, remote, state] = line.trim().split(/\s+/)
      // 0A: LISTEN — the listening socket itself, not a connection
      if (local && remote && state !== '0A' && parseInt(local.split(':')[1] ?? '', 16) === nodePort) known.add(parseInt(remote.split(':')[1] ?? '', 16))
    }
  }
  return new Set(open.filter((s) => s.localPort !== undefined && !known.has(s.localPort)))
}
