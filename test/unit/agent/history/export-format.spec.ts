import { describe, expect, it } from 'vitest'
import { csvCell, csvHeader, exportChunks } from '../../../../agent/src/history/export-format.js'
import { makeRecord } from '../../../../scripts/bench/history-records.js'

describe('export', () => {
  it('quotes CSV cells that need it and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvCell(null)).toBe('')
    expect(csvCell(-3)).toBe('-3')
  })

  it('CSV has a header and one line per record; JSON is one valid array', async () => {
    const recs = Array.from({ length: 2500 }, (_, i) => makeRecord(i))
    const all = async (g: AsyncIterable<string>): Promise<string> => {
      let s = ''
      for await (const c of g) s += c
      return s
    }
    const csv = await all(exportChunks(recs, 'csv', 4096))
    expect(csv.startsWith(csvHeader())).toBe(true)
    expect(csv.trimEnd().split('\r\n')).toHaveLength(2501)
    const json = JSON.parse(await all(exportChunks(recs, 'json', 4096))) as { id: string }[]
    expect(json.map((r) => r.id)).toEqual(recs.map((r) => r.id))
    expect(JSON.parse(await all(exportChunks([], 'json')))).toEqual([])
  })
})
