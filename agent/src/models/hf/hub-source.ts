/**
 * Parses what a user types after `llmlb models pull`: a hub URL (`https://huggingface.co/org/repo`,
 * `…/blob/<rev>/file.gguf`, `…/resolve/<rev>/file.gguf`, also `hf.co/org/repo:Q4_K_M` as Ollama
 * writes it), `org/repo[:quant]` or `org/repo/path/file.gguf`. Pure.
 */

/** A parsed pull source. */
export interface HubSource {
  /** `org/repo`. */
  repo: string
  /** Git revision (branch, tag or commit) @default 'main' */
  revision: string
  /** A file inside the repo the user named (`path/file.gguf`), else the quantization picks one. */
  file?: string
  /** Quantization named after `:`. */
  quant?: string
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/

/**
 * Whether a path from a hub's listing may become a file under the store: relative, no `.`/`..`
 * segments, no backslashes or NUL (a hostile or broken hub must not write outside the repo's folder).
 */
export function isSafeRepoPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || /[\\\0]/.test(path) || path.length > 1024) return false
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')
}

/** Parses a source; returns a message for the user when it is not one. */
export function parseHubSource(input: string): HubSource | { error: string } {
  let text = input.trim()
  let revision = 'main'
  let fromUrl = false
  const url = /^(?:https?:\/\/)?(?:www\.)?(?:huggingface\.co|hf\.co)\/(.*)$/i.exec(text) ?? (/^https?:\/\/[^/]+\/(.*)$/i.exec(text) as RegExpExecArray | null)
  if (url) {
    fromUrl = true
    text = (url[1] ?? '').replace(/[?#].*$/, '').replace(/\/+$/, '')
  }
  let quant: string | undefined
  const colon = text.lastIndexOf(':')
  if (colon > 0 && !text.slice(colon).includes('/')) {
    quant = text.slice(colon + 1)
    text = text.slice(0, colon)
  }
  const parts = text.split('/').filter((p) => p !== '')
  const [org, name] = parts
  if (!org || !name || !NAME.test(org) || !NAME.test(name)) {
    return { error: `'${input}' is not a Hugging Face model: expected org/repo, org/repo:QUANT, org/repo/file.gguf or a huggingface.co URL` }
  }
  let rest = parts.slice(2)
  if (fromUrl && (rest[0] === 'blob' || rest[0] === 'resolve' || rest[0] === 'tree') && rest[1]) {
    revision = decodeURIComponent(rest[1])
    rest = rest.slice(2)
  }
  const out: HubSource = { repo: `${org}/${name}`, revision }
  if (rest.length > 0) {
    const file = rest.map(decodeURIComponent).join('/')
    if (!file.toLowerCase().endsWith('.gguf')) return { error: `'${file}' is not a .gguf file` }
    if (rest.some((p) => p === '..' || p === '.')) return { error: `'${file}' is not a file inside the repo` }
    out.file = file
  }
  if (quant !== undefined) {
    if (!/^[A-Za-z0-9_]{1,32}$/.test(quant)) return { error: `':${quant}' is not a quantization name like Q4_K_M` }
    out.quant = quant.toUpperCase()
  }
  return out
}
