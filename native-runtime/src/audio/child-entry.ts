/**
 * Where the compiled audio child lives, seen from the supervisor module (same rule as the llama.cpp
 * child: always a compiled file, so it starts with plain `node`).
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export function resolveAudioChildEntry(moduleUrl: string): string {
  const file = fileURLToPath(moduleUrl)
  if (file.endsWith('.js')) return join(dirname(file), 'child.js')
  return join(dirname(file), '..', '..', '..', 'dist', 'native-runtime', 'src', 'audio', 'child.js')
}
