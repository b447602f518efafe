import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { resolveChildEntry } from '../../../native-runtime/src/child-entry.js'

describe('resolveChildEntry', () => {
  it('uses the sibling compiled child when the supervisor is compiled JavaScript', () => {
    const url = pathToFileURL('/opt/llmlb/dist/native-runtime/src/llama-cpp-runtime.js').href
    expect(resolveChildEntry(url)).toBe('/opt/llmlb/dist/native-runtime/src/child/main.js')
  })

  it('uses dist/ under the repository root when the supervisor runs from TypeScript sources', () => {
    const url = pathToFileURL('/work/repo/native-runtime/src/llama-cpp-runtime.ts').href
    expect(resolveChildEntry(url)).toBe('/work/repo/dist/native-runtime/src/child/main.js')
  })

  it('finds the compiled child of this checkout (tsc runs before the tests)', () => {
    const source = join(import.meta.dirname, '../../../native-runtime/src/llama-cpp-runtime.ts')
    expect(existsSync(resolveChildEntry(pathToFileURL(source).href))).toBe(true)
  })
})
