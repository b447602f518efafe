// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { copyText } from '../../../ui/src/browser/clipboard.js'

describe('copyText', () => {
  afterEach(() => vi.restoreAllMocks())

  it('falls back to a selected textarea and execCommand on plain HTTP', async () => {
    const writeText = vi.fn()
    let copied: string | undefined
    const exec = vi.fn((cmd: string) => {
      const ta = document.activeElement as HTMLTextAreaElement
      copied = cmd === 'copy' ? ta.value.slice(ta.selectionStart, ta.selectionEnd) : undefined
      return true
    })
    Object.defineProperty(document, 'execCommand', { value: exec, configurable: true })
    const ok = await copyText('sk-secret-123', { document, navigator: { clipboard: { writeText } as unknown as Clipboard }, isSecureContext: false })
    expect(ok).toBe(true)
    expect(writeText).not.toHaveBeenCalled()
    expect(exec).toHaveBeenCalledWith('copy')
    expect(copied).toBe('sk-secret-123')
    expect(document.querySelector('textarea')).toBeNull()
  })

  it('uses the async clipboard on secure origins', async () => {
    const writeText = vi.fn(async () => undefined)
    const ok = await copyText('abc', { document, navigator: { clipboard: { writeText } as unknown as Clipboard }, isSecureContext: true })
    expect(ok).toBe(true)
    expect(writeText).toHaveBeenCalledWith('abc')
  })

  it('says so when nothing could copy', async () => {
    Object.defineProperty(document, 'execCommand', { value: () => false, configurable: true })
    expect(await copyText('x', { document, navigator: undefined, isSecureContext: false })).toBe(false)
  })
})
