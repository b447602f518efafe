/**
 * The PCM handoff to the audio child: each job's file is a WAV of exactly its clip (a reused file
 * never keeps the tail of a longer one), files are reused once released, and the directory of a
 * runtime whose process died is swept at the next start.
 */
import { mkdir, readdir, readFile, readlink, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PcmHandoff, SYNC_WRITE_BYTES } from '../../../native-runtime/src/audio/pcm-handoff.js'
import { decodeWav } from '../../../agent/src/audio/index.js'

const handoffs: PcmHandoff[] = []
afterEach(async () => {
  for (const h of handoffs.splice(0)) await h.close()
})

function clip(n: number, seed: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => ((i * 7919 + seed) % 65536) - 32768)
}

describe('PCM handoff', () => {
  it('writes each clip as an exact WAV, reusing a released file without keeping a longer clip\'s tail', async () => {
    const h = new PcmHandoff()
    handoffs.push(h)
    const long = clip(48_000, 1)
    const first = await h.write(long)
    expect((await stat(first)).size).toBe(44 + long.byteLength)
    h.release(first)
    const short = clip(16_000, 2)
    const bytes = new Uint8Array(short.byteLength + 1)
    bytes.set(new Uint8Array(short.buffer), 1)
    // the bytes form, at an odd offset (a view of an upload's data chunk)
    const second = await h.write(bytes.subarray(1))
    expect(second).toBe(first)
    expect((await stat(second)).size).toBe(44 + short.byteLength)
    const back = decodeWav(await readFile(second))
    expect(back.sampleRate).toBe(16_000)
    expect(Array.from(back.samples.subarray(0, 5), (x) => Math.round(x * 32768))).toEqual(Array.from(short.subarray(0, 5)))
    expect(back.samples.length).toBe(short.length)
  })

  it('gives concurrent jobs distinct files and removes its directory on close', async () => {
    const h = new PcmHandoff()
    const [a, b] = await Promise.all([h.write(clip(100, 3)), h.write(clip(100, 4))])
    expect(a).not.toBe(b)
    await h.close()
    await expect(stat(dirname(a as string))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('writes a clip over the synchronous bound asynchronously, whole, and closes every file it kept open on close', async () => {
    // the files of the handoff this process holds open now
    const held = async (dir: string): Promise<string[]> => {
      const targets = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')))
      return targets.filter((t) => t.startsWith(`${dir}/`)).sort()
    }
    const h = new PcmHandoff()
    const long = clip(SYNC_WRITE_BYTES / 2 + 12_345, 7)
    const [a, b] = await Promise.all([h.write(long), h.write(clip(100, 8))])
    expect((await stat(a)).size).toBe(44 + long.byteLength)
    const back = decodeWav(await readFile(a))
    expect(back.samples.length).toBe(long.length)
    expect(Math.round((back.samples[long.length - 1] as number) * 32768)).toBe(long[long.length - 1])
    h.release(a)
    h.release(b)
    expect(await held(dirname(a))).toEqual([a, b].sort())
    await h.close()
    expect(await held(dirname(a))).toEqual([])
  })

  it("sweeps the directory a dead process left behind", async () => {
    const probe = new PcmHandoff()
    handoffs.push(probe)
    const base = dirname(dirname(await probe.write(clip(10, 5))))
    // pid 2^22 + 1 is above Linux's pid_max limit: no process has it
    const stale = join(base, `llmlb-audio-${2 ** 22 + 1}-abc`)
    await mkdir(stale, { recursive: true })
    const h = new PcmHandoff()
    handoffs.push(h)
    await h.write(clip(10, 6))
    expect(await readdir(base)).not.toContain(`llmlb-audio-${2 ** 22 + 1}-abc`)
  })
})
