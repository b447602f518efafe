/**
 * Loss and delay on a box's link where the kernel has no `sch_netem` (VM kernels built without it, as
 * the development box's and CI's are): the box's bridge port is taken out of the bridge and relayed
 * to a new veth into the bridge by `link-shaper.py`, an L2 relay in user space that drops and delays
 * frames the way netem does. Python's standard library can open AF_PACKET sockets, Node cannot, and
 * Debian boxes have python3 (`.ci/run` installs it where missing).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

// dist/scripts/chaos/netns/ or scripts/chaos/netns/: the script stays next to its source
const SHAPER = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../../scripts/chaos/netns/link-shaper.py' : './link-shaper.py', import.meta.url))

const ip = (bridgeNs: string, args: string[]): void => void execFileSync('ip', ['-n', bridgeNs, ...args], { stdio: 'ignore' })

export interface LinkFault {
  lossPct: number
  delayMs: number
  jitterMs: number
}

export interface UserNetem {
  /** Puts the bridge back as it was and stops the relay. */
  remove(): Promise<void>
}

/** Whether python3 runs here (the relay's only need besides root). */
export function userNetemAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'import socket; socket.AF_PACKET'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Inserts the relay between `port` (a box's veth end in the bridge namespace) and the bridge `br0`.
 * Resolves once the relay reads both interfaces.
 */
export async function insertUserNetem(bridgeNs: string, port: string, fault: LinkFault): Promise<UserNetem> {
  const [a, b] = [`${port}sa`, `${port}sb`]
  ip(bridgeNs, ['link', 'add', a, 'type', 'veth', 'peer', 'name', b])
  ip(bridgeNs, ['link', 'set', b, 'master', 'br0'])
  for (const dev of [a, b]) ip(bridgeNs, ['link', 'set', dev, 'up'])
  // the relay sees frames for any address only in promiscuous mode
  for (const dev of [a, port]) ip(bridgeNs, ['link', 'set', dev, 'promisc', 'on'])
  ip(bridgeNs, ['link', 'set', port, 'nomaster'])
  const relay = spawn('ip', ['netns', 'exec', bridgeNs, 'python3', SHAPER, port, a, String(fault.lossPct), String(fault.delayMs), String(fault.jitterMs)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const remove = async (): Promise<void> => {
    await stop(relay)
    try {
      ip(bridgeNs, ['link', 'del', a])
      ip(bridgeNs, ['link', 'set', port, 'promisc', 'off'])
      ip(bridgeNs, ['link', 'set', port, 'master', 'br0'])
    } catch {
      // the lab is being torn down
    }
  }
  try {
    await ready(relay)
  } catch (err) {
    await remove()
    throw err
  }
  return { remove }
}

async function ready(relay: ChildProcess): Promise<void> {
  const lines = createInterface({ input: relay.stdout! })
  for await (const line of lines) if (line === 'ready') return
  // stdout ended without the line: the relay exited (its error is on stderr)
  throw new Error(`link-shaper.py exited before it was ready (${String(relay.exitCode ?? relay.signalCode)})`)
}

async function stop(relay: ChildProcess): Promise<void> {
  if (relay.exitCode !== null || relay.signalCode !== null) return
  const exited = once(relay, 'exit')
  relay.kill('SIGTERM')
  await exited
}
