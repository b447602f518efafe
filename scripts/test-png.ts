/**
 * A minimal PNG encoder (RGB, zlib, CRC from node:zlib) for generated test and benchmark images: real
 * PNG files that llama.cpp's image loader decodes, without an image library.
 */
import { crc32, deflateSync } from 'node:zlib'

/** An RGB PNG of `width` × `height` with a deterministic gradient; `seed` shifts the pattern (distinct images). */
export function pngImage(width = 40, height = 30, seed = 0): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(typed))
    return Buffer.concat([len, typed, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: RGB
  const row = width * 3 + 1 // filter byte + pixels
  const raw = Buffer.alloc(row * height)
  for (let y = 0; y < height; y++) for (let x = 0; x < width * 3; x++) raw[y * row + 1 + x] = (x * 7 + y * 13 + seed * 31) & 255
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

/** A data URL of `bytes` with `mime`. */
export const dataUrl = (bytes: Buffer, mime = 'image/png'): string => `data:${mime};base64,${bytes.toString('base64')}`
