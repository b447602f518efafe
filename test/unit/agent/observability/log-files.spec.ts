import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RotatingFile, logFiles } from '../../../../agent/src/observability/rotating-file.js'
import { LogTail, LOG_LEVELS, readLinesBackwards } from '../../../../agent/src/observability/log-tail.js'
import { LogRing } from '../../../../agent/src/observability/log-ring.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-logs-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const line = (time: number, level: number, msg: string, extra: object = {}): string => JSON.stringify({ level, time, node: 'n1', ...extra, msg }) + '\n'

describe('RotatingFile', () => {
  it('rotates by size, keeps the newest files, and continues the newest file after a restart', async () => {
    const f = new RotatingFile({ dir, maxFileBytes: 200, maxFiles: 3 })
    for (let i = 0; i < 40; i++) f.write(line(i, 30, `message ${i}`))
    f.end()
    await new Promise((r) => setTimeout(r, 50))
    const files = logFiles(dir)
    expect(files).toHaveLength(3)
    const newest = await readFile(files.at(-1) as string, 'utf8')
    expect(newest.trimEnd().split('\n').at(-1)).toContain('message 39')
    for (const file of files) expect((await readFile(file)).length).toBeLessThanOrEqual(200)
    const again = new RotatingFile({ dir, maxFileBytes: 10_000, maxFiles: 3 })
    again.write(line(99, 30, 'after restart'))
    again.end()
    await new Promise((r) => setTimeout(r, 50))
    expect(logFiles(dir).at(-1)).toBe(files.at(-1))
  })
})

describe('LogTail', () => {
  it('reads lines backwards across chunk boundaries and UTF-8 characters', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => `${i} héllo ${'x'.repeat(i % 50)}`).join('\n') + '\n'
    const file = join(dir, 'llmlb.000001.log')
    await writeFile(file, text)
    const got: string[] = []
    for await (const l of readLinesBackwards(file, () => 1e9, () => undefined)) got.push(l)
    expect(got).toEqual(text.trimEnd().split('\n').reverse())
  })

  it('serves the ring first, then older lines from the files, with level, since, q and limit', async () => {
    // earlier run: in the files only
    await writeFile(join(dir, 'llmlb.000001.log'), [line(1, 30, 'old info'), line(2, 50, 'old error', { reqId: 'abc' }), line(3, 20, 'old debug')].join(''))
    await writeFile(join(dir, 'llmlb.000002.log'), [line(4, 40, 'old warn'), line(10, 30, 'new info')].join(''))
    // this run: in the ring and (as files are appended) also in the newest file
    const ring = new LogRing()
    ring.write(line(10, 30, 'new info'))
    ring.write(line(11, 50, 'new error'))
    const tail = new LogTail({ ring, dir })
    expect((await tail.query({ limit: 10 })).map((e) => e.msg)).toEqual(['old info', 'old error', 'old debug', 'old warn', 'new info', 'new error'])
    expect((await tail.query({ limit: 2 })).map((e) => e.msg)).toEqual(['new info', 'new error'])
    expect((await tail.query({ limit: 10, minLevel: LOG_LEVELS.warn })).map((e) => e.msg)).toEqual(['old error', 'old warn', 'new error'])
    expect((await tail.query({ limit: 10, since: 4 })).map((e) => e.msg)).toEqual(['old warn', 'new info', 'new error'])
    const abc = await tail.query({ limit: 10, q: 'ABC' })
    expect(abc).toHaveLength(1)
    expect(abc[0]).toMatchObject({ level: 'error', reqId: 'abc', time: 2 })
  })
})
