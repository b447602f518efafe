/**
 * What a person sees when a node starts: log lines for people in a terminal (pretty), JSON lines when
 * asked (or when stdout is not a terminal), JSON log files either way; and a lone node — the first of a
 * new cluster — starts without waiting for peers that do not exist.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startAgent, stopAllAgents, tinyModel } from '../../helpers/agent-process.js'

afterAll(stopAllAgents)

const FIRST_SYNC_WAIT_LINE = 'no peer answered a control-plane sync yet'

async function logFileLines(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'logs')
  const files = (await readdir(dir)).filter((f) => f.endsWith('.log') || f.includes('log'))
  const text = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('')
  return text.split('\n').filter(Boolean)
}

describe('start output', () => {
  it('--log-format pretty: one readable line per log entry on stdout, JSON in the log files; a lone node does not wait for peers', async () => {
    const a = await startAgent({ name: 'pretty', models: [await tinyModel('tiny-pretty')], auth: true, adminPassword: 'pretty-pw-123', args: ['--log-level', 'info', '--log-format', 'pretty'] })
    const lines = a.output().split('\n').filter((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] [A-Z]+:/.test(l))
    expect(lines.length).toBeGreaterThan(2)
    expect(lines.some((l) => /INFO: \[mesh\] mesh started/.test(l))).toBe(true)
    expect(a.output().split('\n').some((l) => l.startsWith('{'))).toBe(false)
    // the lone node bootstrapped its admin without the first-sync wait
    expect(a.output()).toContain('first admin created')
    expect(a.output()).not.toContain(FIRST_SYNC_WAIT_LINE)
    const file = await logFileLines(a.dataDir)
    expect(file.length).toBeGreaterThan(2)
    for (const l of file) expect(() => JSON.parse(l) as unknown).not.toThrow()
  })

  it('stdout that is not a terminal gets JSON lines (the default auto format)', async () => {
    const a = await startAgent({ name: 'jsonout', models: [await tinyModel('tiny-json')], args: ['--log-level', 'info'] })
    const logLines = a.output().split('\n').filter((l) => l.startsWith('{'))
    expect(logLines.length).toBeGreaterThan(2)
    for (const l of logLines) expect((JSON.parse(l) as { msg?: string }).msg).toBeTypeOf('string')
  })
})
