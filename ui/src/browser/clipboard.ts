/**
 * Copying text. `navigator.clipboard` exists only on secure origins (https or localhost), and a
 * dashboard on a LAN is usually plain http://10.x.x.x, so the fallback selects the text in an
 * off-screen textarea and uses `document.execCommand('copy')`, which browsers still honour inside a
 * click handler.
 */

export interface ClipboardEnv {
  document: Document
  navigator?: Pick<Navigator, 'clipboard'> | undefined
  isSecureContext?: boolean | undefined
}

const defaultEnv = (): ClipboardEnv => ({ document, navigator: globalThis.navigator, isSecureContext: globalThis.isSecureContext })

/** Resolves true when the text reached the clipboard. */
export async function copyText(text: string, env: ClipboardEnv = defaultEnv()): Promise<boolean> {
  if (env.isSecureContext && env.navigator?.clipboard?.writeText) {
    try {
      await env.navigator.clipboard.writeText(text)
      return true
    } catch {
      // permission denied or unfocused document: try the old way
    }
  }
  return copyWithTextarea(text, env.document)
}

/** The fallback, synchronous so it stays inside the user's click. */
export function copyWithTextarea(text: string, doc: Document): boolean {
  const ta = doc.createElement('textarea')
  ta.value = text
  ta.setAttribute('readonly', '')
  ta.setAttribute('aria-hidden', 'true')
  ta.style.position = 'fixed'
  ta.style.top = '-1000px'
  ta.style.opacity = '0'
  doc.body.appendChild(ta)
  const previous = doc.activeElement as HTMLElement | null
  ta.focus()
  ta.select()
  ta.setSelectionRange(0, text.length)
  let ok = false
  try {
    ok = typeof doc.execCommand === 'function' && doc.execCommand('copy')
  } catch {
    ok = false
  }
  ta.remove()
  previous?.focus?.()
  return ok
}
