/**
 * A network-namespace lab for the network faults of `npm run chaos`: N "boxes" (one namespace each,
 * 10.198.0.i) on one bridge, plus a veth from this process's namespace into the bridge (10.198.0.254)
 * so the chaos runner can act as a client of any box without running inside a namespace. Faults are
 * applied with the real tools: `iptables` DROP rules inside the boxes for a partition (bridged traffic
 * does not cross the host's iptables without br_netfilter, so the rules live at the ends), `tc netem`
 * on both ends of a box's link for loss and delay (or the same fault in user space, `user-netem.ts`). Needs root, iproute2 and iptables; everything is
 * removed by `close()` (also when the process exits).
 */
import { execFileSync } from 'node:child_process'
import { insertUserNetem, userNetemAvailable, type LinkFault, type UserNetem } from './user-netem.js'

export interface NetnsLab {
  /** The box's address (i from 1). */
  ip(i: number): string
  /** The namespace name of box i, for `ip netns exec`. */
  ns(i: number): string
  /** DROPs all traffic between the two groups (both directions, unicast and multicast). */
  partition(a: number[], b: number[]): void
  /** Removes every partition rule. */
  heal(): void
  /**
   * Makes box i's link lossy and slow in both directions: `tc netem` on both ends of its veth when the
   * kernel has sch_netem; otherwise (a kernel built without it, as some VM kernels are) the same fault
   * from a relay in user space (`user-netem.ts`); without python3 either, the loss alone through
   * iptables' `statistic` match. Returns what was applied.
   */
  degrade(i: number, l: LinkFault): Promise<string>
  /** Removes what `degrade` applied. */
  restore(i: number): Promise<void>
  close(): void
}

const SUBNET = '10.198.0'
export const HOST_IP = `${SUBNET}.254`

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const quiet = (cmd: string, args: string[]): void => {
  try {
    run(cmd, args)
  } catch {
    // already gone
  }
}

/** Why the lab cannot run here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, iptables, tc)'
  for (const tool of ['ip', 'tc', 'iptables']) {
    try {
      run('sh', ['-c', `command -v ${tool}`])
    } catch {
      return `needs ${tool} (apt-get install iproute2 iptables)`
    }
  }
  return undefined
}

export function createLab(boxes: number): NetnsLab {
  const p = `lchaos${process.pid}`
  const br = `${p}br`
  const host = `${p}h`
  const ns = (i: number): string => `${p}n${i}`
  const ids = Array.from({ length: boxes }, (_, k) => k + 1)
  const shaped = new Map<number, UserNetem>()
  const inNs = (i: number, cmd: string, args: string[]): string => run('ip', ['netns', 'exec', ns(i), cmd, ...args])
  const close = (): void => {
    // the boxes' agents, and a user-space netem relay in the bridge's namespace
    for (const name of [...ids.map(ns), br]) {
      let pids: string[] = []
      try {
        pids = run('ip', ['netns', 'pids', name]).split('\n').filter(Boolean)
      } catch {
        // no namespace
      }
      for (const pid of pids) quiet('kill', ['-9', pid])
      if (name !== br) quiet('ip', ['netns', 'del', name])
    }
    quiet('ip', ['link', 'del', host])
    quiet('ip', ['netns', 'del', br])
    process.off('exit', close)
  }
  process.on('exit', close)
  try {
    run('ip', ['netns', 'add', br])
    run('ip', ['-n', br, 'link', 'add', 'br0', 'type', 'bridge'])
    run('ip', ['-n', br, 'link', 'set', 'br0', 'up'])
    run('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'vh', 'netns', br])
    run('ip', ['-n', br, 'link', 'set', 'vh', 'master', 'br0'])
    run('ip', ['-n', br, 'link', 'set', 'vh', 'up'])
    run('ip', ['addr', 'add', `${HOST_IP}/24`, 'dev', host])
    run('ip', ['link', 'set', host, 'up'])
    for (const i of ids) {
      run('ip', ['netns', 'add', ns(i)])
      run('ip', ['-n', br, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(i)])
      run('ip', ['-n', br, 'link', 'set', `v${i}`, 'master', 'br0'])
      run('ip', ['-n', br, 'link', 'set', `v${i}`, 'up'])
      run('ip', ['-n', ns(i), 'link', 'set', 'lo', 'up'])
      run('ip', ['-n', ns(i), 'addr', 'add', `${SUBNET}.${i}/24`, 'dev', 'eth0'])
      run('ip', ['-n', ns(i), 'link', 'set', 'eth0', 'up'])
      // without a multicast route mDNS fails with ENETUNREACH, silently
      run('ip', ['-n', ns(i), 'route', 'add', '224.0.0.0/4', 'dev', 'eth0'])
    }
  } catch (err) {
    close()
    throw err
  }
  return {
    ip: (i) => `${SUBNET}.${i}`,
    ns,
    partition(a, b) {
      for (const [side, other] of [[a, b], [b, a]] as const) {
        for (const i of side) {
          for (const j of other) {
            inNs(i, 'iptables', ['-I', 'INPUT', '-s', `${SUBNET}.${j}`, '-j', 'DROP'])
            inNs(i, 'iptables', ['-I', 'OUTPUT', '-d', `${SUBNET}.${j}`, '-j', 'DROP'])
          }
        }
      }
    },
    heal() {
      for (const i of ids) {
        inNs(i, 'iptables', ['-F', 'INPUT'])
        inNs(i, 'iptables', ['-F', 'OUTPUT'])
      }
    },
    async degrade(i, l) {
      const ends = [[ns(i), 'eth0'], [br, `v${i}`]] as const
      const what = `loss ${l.lossPct}% delay ${l.delayMs}ms ± ${l.jitterMs}ms`
      try {
        for (const [where, dev] of ends) run('ip', ['netns', 'exec', where, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'netem', 'loss', `${l.lossPct}%`, 'delay', `${l.delayMs}ms`, `${l.jitterMs}ms`])
        return `netem ${what}`
      } catch {
        for (const [where, dev] of ends) quiet('ip', ['netns', 'exec', where, 'tc', 'qdisc', 'del', 'dev', dev, 'root'])
      }
      if (userNetemAvailable()) {
        shaped.set(i, await insertUserNetem(br, `v${i}`, l))
        return `user-space netem ${what} (no sch_netem in this kernel)`
      }
      for (const chain of ['INPUT', 'OUTPUT']) inNs(i, 'iptables', ['-A', chain, '-m', 'statistic', '--mode', 'random', '--probability', String(l.lossPct / 100), '-j', 'DROP'])
      return `iptables loss ${l.lossPct}% (no netem in this kernel, no python3: no delay)`
    },
    async restore(i) {
      for (const [where, dev] of [[ns(i), 'eth0'], [br, `v${i}`]] as const) quiet('ip', ['netns', 'exec', where, 'tc', 'qdisc', 'del', 'dev', dev, 'root'])
      await shaped.get(i)?.remove()
      shaped.delete(i)
      inNs(i, 'iptables', ['-F', 'INPUT'])
      inNs(i, 'iptables', ['-F', 'OUTPUT'])
    },
    close
  }
}
