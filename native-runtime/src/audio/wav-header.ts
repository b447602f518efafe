/**
 * The 44-byte header of a 16-bit PCM mono WAV file holding `dataBytes` of samples; without a size (a
 * stream of unknown length) the sizes are 0xffffffff, as streaming encoders write them.
 */
export function wavHeader(sampleRate: number, dataBytes?: number): Buffer {
  const b = Buffer.alloc(44)
  b.write('RIFF', 0, 'ascii')
  b.writeUInt32LE(dataBytes === undefined ? 0xffffffff : 36 + dataBytes, 4)
  b.write('WAVEfmt ', 8, 'ascii')
  b.writeUInt32LE(16, 16)
  b.writeUInt16LE(1, 20)
  b.writeUInt16LE(1, 22)
  b.writeUInt32LE(sampleRate, 24)
  b.writeUInt32LE(sampleRate * 2, 28)
  b.writeUInt16LE(2, 32)
  b.writeUInt16LE(16, 34)
  b.write('data', 36, 'ascii')
  b.writeUInt32LE(dataBytes ?? 0xffffffff, 40)
  return b
}
