/**
 * Finds tool calls in a model's output, per model family, as the text streams in. Text that may be the
 * start of a call marker is held back until it is known not to be one, so a client never sees half a
 * marker as content. Formats (learned from how llama.cpp's server parses each family):
 * - `hermes` (Qwen2.5/3, Hermes 2/3, many fine-tunes): `<tool_call>{"name", "arguments"}</tool_call>`
 * - `function-tag` (Llama 3.1 custom tools, Functionary v3.1): `<function=NAME>{args}</function>`
 * - `mistral`: `[TOOL_CALLS][{"name", "arguments"}, …]` or `[TOOL_CALLS]NAME[ARGS]{args}` to the end
 * - `python-tag` (Llama 3.x built-in style): `<|python_tag|>{"name", "parameters"}` to the end
 * - `generic`: the exact call syntax of the model's chat wrapper (prefix, name, params prefix, JSON, suffix)
 */
import type { CallSyntax } from './gbnf.js'

export type ToolCallFamily = 'hermes' | 'function-tag' | 'mistral' | 'python-tag' | 'generic'

/** A call found in the output; `arguments` is a JSON text (an object). */
export interface ParsedToolCall {
  name: string
  arguments: string
}

/** What the parser lets through: plain text, or a complete call. */
export type OutputSegment = { type: 'text'; text: string } | { type: 'call'; call: ParsedToolCall }

interface Format {
  start: string
  /** End marker; absent when a call runs to the end of the output. */
  end?: string
  /** Calls in the text between the markers, or null when it is not a call after all. */
  parse: (body: string) => ParsedToolCall[] | null
}

const parseJson = (s: string): unknown => {
  try {
    return JSON.parse(s) as unknown
  } catch {
    return undefined
  }
}

/** `{"name": …, "arguments"|"parameters": …}` (arguments may be an object or a JSON string). */
function callOf(v: unknown): ParsedToolCall | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
  const o = v as Record<string, unknown>
  const fn = typeof o.function === 'object' && o.function !== null ? (o.function as Record<string, unknown>) : o
  if (typeof fn.name !== 'string' || fn.name === '') return null
  const args = fn.arguments ?? fn.parameters ?? {}
  if (typeof args === 'string') return parseJson(args) === undefined ? null : { name: fn.name, arguments: args }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return null
  return { name: fn.name, arguments: JSON.stringify(args) }
}

const callsOf = (v: unknown): ParsedToolCall[] | null => {
  const list = Array.isArray(v) ? v : [v]
  const calls = list.map(callOf)
  return calls.length > 0 && calls.every((c) => c !== null) ? (calls as ParsedToolCall[]) : null
}

/** A name followed by a JSON object: `get_weather{"city": "Paris"}` (the separator already removed). */
function namedArgs(name: string, json: string): ParsedToolCall | null {
  const args = parseJson(json.trim())
  if (name.trim() === '' || typeof args !== 'object' || args === null || Array.isArray(args)) return null
  return { name: name.trim(), arguments: JSON.stringify(args) }
}

function mistral(body: string): ParsedToolCall[] | null {
  const t = body.trim()
  if (t.startsWith('[') || t.startsWith('{')) return callsOf(parseJson(t))
  // newer Mistral templates: NAME[ARGS]{…} repeated, each call after its own [TOOL_CALLS]
  const calls: ParsedToolCall[] = []
  for (const part of t.split('[TOOL_CALLS]')) {
    const cut = part.indexOf('[ARGS]')
    if (cut < 0) return null
    const c = namedArgs(part.slice(0, cut), part.slice(cut + 6))
    if (c === null) return null
    calls.push(c)
  }
  return calls
}

function formatOf(family: ToolCallFamily, syntax?: CallSyntax): Format {
  switch (family) {
    case 'hermes':
      return { start: '<tool_call>', end: '</tool_call>', parse: (b) => callsOf(parseJson(b.trim())) }
    case 'function-tag':
      return {
        start: '<function=',
        end: '</function>',
        parse: (b) => {
          const cut = b.indexOf('>')
          const c = cut < 0 ? null : namedArgs(b.slice(0, cut), b.slice(cut + 1))
          return c && [c]
        }
      }
    case 'mistral':
      return { start: '[TOOL_CALLS]', parse: mistral }
    case 'python-tag':
      return { start: '<|python_tag|>', parse: (b) => callsOf(b.split(/;\s*(?=\{)/).map((p) => parseJson(p.trim()))) }
    case 'generic': {
      if (!syntax || syntax.prefix === '') throw new Error('the generic tool-call format needs the call syntax')
      const { paramsPrefix, suffix } = syntax
      return {
        start: syntax.prefix,
        ...(suffix.trim() === '' ? {} : { end: suffix }),
        parse: (b) => {
          const cut = paramsPrefix === '' ? b.search(/[{]/) : b.indexOf(paramsPrefix)
          const c = cut < 0 ? null : namedArgs(b.slice(0, cut), b.slice(cut + paramsPrefix.length))
          return c && [c]
        }
      }
    }
  }
}

/** The family whose markers appear in a chat wrapper's call prefix (or the template), else `generic`. */
export function toolCallFamilyOf(callPrefix: string, template = ''): ToolCallFamily {
  const has = (s: string): boolean => callPrefix.includes(s) || (callPrefix === '' && template.includes(s))
  if (has('<tool_call>')) return 'hermes'
  if (has('[TOOL_CALLS]')) return 'mistral'
  if (has('<function=')) return 'function-tag'
  if (has('<|python_tag|>')) return 'python-tag'
  return callPrefix === '' ? 'hermes' : 'generic'
}

/** Longest suffix of `text` that is a proper prefix of `marker` (text that may become the marker). */
function partialMarkerAt(text: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) if (marker.startsWith(text.slice(text.length - n))) return n
  return 0
}

/** Streaming tool-call parser: `push` text as it is generated, `flush` at the end. */
export class ToolCallParser {
  private readonly format: Format
  private buf = ''
  /** True while inside a call (after its start marker). */
  private inCall = false

  constructor(family: ToolCallFamily, syntax?: CallSyntax) {
    this.format = formatOf(family, syntax)
  }

  push(text: string): OutputSegment[] {
    this.buf += text
    const out: OutputSegment[] = []
    for (;;) {
      const { start, end } = this.format
      if (!this.inCall) {
        const at = this.buf.indexOf(start)
        if (at < 0) {
          const keep = partialMarkerAt(this.buf, start)
          emitText(out, this.buf.slice(0, this.buf.length - keep))
          this.buf = this.buf.slice(this.buf.length - keep)
          return out
        }
        emitText(out, this.buf.slice(0, at))
        this.buf = this.buf.slice(at)
        this.inCall = true
      }
      if (end === undefined) return out
      const close = this.buf.indexOf(end, start.length)
      if (close < 0) return out
      this.settle(out, this.buf.slice(0, close + end.length), close)
      this.buf = this.buf.slice(close + end.length)
      this.inCall = false
    }
  }

  /** The end of the output: a call without its end marker is parsed as it stands; anything else is text. */
  flush(): OutputSegment[] {
    const out: OutputSegment[] = []
    if (this.inCall) this.settle(out, this.buf, this.buf.length)
    else emitText(out, this.buf)
    this.buf = ''
    this.inCall = false
    return out
  }

  /** `raw` is a call from its start marker; `bodyEnd` is where its body stops. Unparseable → text. */
  private settle(out: OutputSegment[], raw: string, bodyEnd: number): void {
    const calls = this.format.parse(raw.slice(this.format.start.length, bodyEnd))
    if (calls === null) emitText(out, raw)
    else for (const call of calls) out.push({ type: 'call', call })
  }
}

function emitText(out: OutputSegment[], text: string): void {
  if (text === '') return
  const last = out[out.length - 1]
  if (last?.type === 'text') last.text += text
  else out.push({ type: 'text', text })
}
