/**
 * pnet's cipher (xsalsa20) shares one capped WebAssembly memory between all connections; without the
 * fix, alternating large and small updates across ciphers grow it until `memory.grow` throws (the node
 * process dies). The scenarios are run in a child process each, with and without the fix (the built one in dist/).
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const SCENARIOS = {
  // a large write on one connection, then traffic alternating between its two directions
  alternating: `const a = new X(n, k), b = new X(n, k); for (let i = 0; i < 400; i++) (i % 2 ? a : b).update(new Uint8Array(700 * 1024))`,
  // thousands of connections over a node's life, traffic on old and new ones
  connections: `const all = []; for (let i = 0; i < 8000; i++) { all.push(new X(n, k), new X(n, k)); for (let j = 0; j < 3; j++) all[(i * 7919 + j * 104729) % all.length].update(new Uint8Array(16 * 1024)) }`
}

function run(scenario: string, fix: boolean): { status: number | null; stderr: string } {
  const script = `
    import { createRequire } from 'node:module'
    ${fix ? "const { fixXsalsa20Memory } = await import('./dist/mesh/src/transport/xsalsa20-memory.js'); fixXsalsa20Memory()" : ''}
    const X = createRequire(import.meta.resolve('@libp2p/pnet'))('xsalsa20')
    const n = new Uint8Array(24), k = new Uint8Array(32)
    ${scenario}
  `
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() })
  return { status: r.status, stderr: r.stderr }
}

describe('xsalsa20 memory (pnet cipher)', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`${name}: crashes without the fix, runs with it`, () => {
      const without = run(scenario, false)
      expect(without.status).not.toBe(0)
      expect(without.stderr).toContain('Maximum memory size exceeded')
      const withFix = run(scenario, true)
      expect(withFix.stderr).toBe('')
      expect(withFix.status).toBe(0)
    }, 120_000)
  }
})
