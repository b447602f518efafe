/**
 * Decodes a PNG far enough to prove it is one: the signature, every chunk's CRC, IHDR, and the IDAT
 * data inflating to exactly the rows the header announces (8-bit RGBA or RGB, no interlace).
 */
import { crc32, inflateSync } from 'node:zlib'

export interface PngInfo {
  width: number
  height: number
  colourType: number
}

const SIGNATURE = '89504e470d0a1a0a'

export function decodePng(bytes: Uint8Array): PngInfo {
  const b = Buffer.from(bytes)
  if (b.subarray(0, 8).toString('hex') !== SIGNATURE) throw new Error('not a PNG: bad signature')
  let off = 8
  let info: PngInfo | undefined
  const idat: Buffer[] = []
  let ended = false
  while (off + 12 <= b.length && !ended) {
    const len = b.readUInt32BE(off)
    const type = b.toString('ascii', off + 4, off + 8)
    const data = b.subarray(off + 8, off + 8 + len)
    if ((crc32(b.subarray(off + 4, off + 8 + len)) >>> 0) !== b.readUInt32BE(off + 8 + len)) throw new Error(`bad CRC in ${type}`)
    if (type === 'IHDR') info = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), colourType: data[9] as number }
    if (type === 'IDAT') idat.push(data)
    if (type === 'IEND') ended = true
    off += 12 + len
  }
  if (!info || !ended || idat.length === 0) throw new Error('not a PNG: missing IHDR, IDAT or IEND')
  const channels = info.colourType === 6 ? 4 : info.colourType === 2 ? 3 : 1
  const raw = inflateSync(Buffer.concat(idat))
  if (raw.length !== info.height * (1 + info.width * channels)) throw new Error('IDAT does not hold the announced rows')
  return info
}
