/** Recognises a whisper.cpp model file by its magic number (the legacy ggml container). */
import { open } from 'node:fs/promises'
import { WHISPER_GGML_MAGIC } from './tiny-whisper.js'

/** True when `path` starts with whisper.cpp's `ggml` magic; false for GGUF and anything unreadable. */
export async function isWhisperModel(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'r')
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0)
      return bytesRead === 4 && buffer.readUInt32LE(0) === WHISPER_GGML_MAGIC
    } finally {
      await fh.close()
    }
  } catch {
    return false
  }
}
