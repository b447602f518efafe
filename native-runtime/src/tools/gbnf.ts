/**
 * GBNF text helpers for grammar-constrained decoding: quoting literals, giving the rules of a JSON-schema
 * grammar their own namespace so several can live in one grammar, and composing the grammar that forces
 * tool calls in a model's own call syntax.
 */

/** A GBNF string literal matching `text` exactly. */
export function gbnfLiteral(text: string): string {
  return (
    '"' +
    [...text]
      .map((c) => {
        if (c === '"' || c === '\\') return '\\' + c
        if (c === '\n') return '\\n'
        if (c === '\r') return '\\r'
        if (c === '\t') return '\\t'
        const code = c.codePointAt(0) ?? 0
        return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : c
      })
      .join('') +
    '"'
  )
}

/**
 * Prefixes every rule name of a grammar (definitions and references) with `prefix`, skipping string
 * literals and character classes, so its `root` becomes `<prefix>root`.
 */
export function renameRules(grammar: string, prefix: string): string {
  let out = ''
  let i = 0
  while (i < grammar.length) {
    const c = grammar[i] as string
    if (c === '"' || c === '[') {
      const close = c === '"' ? '"' : ']'
      let j = i + 1
      while (j < grammar.length && grammar[j] !== close) j += grammar[j] === '\\' ? 2 : 1
      out += grammar.slice(i, j + 1)
      i = j + 1
    } else if (c === '#') {
      const j = grammar.indexOf('\n', i)
      i = j < 0 ? grammar.length : j
    } else if (/[A-Za-z]/.test(c)) {
      const m = /^[A-Za-z][A-Za-z0-9_-]*/.exec(grammar.slice(i)) as RegExpExecArray
      out += prefix + m[0]
      i += m[0].length
    } else {
      out += c
      i++
    }
  }
  return out
}

/**
 * Adapts a node-llama-cpp JSON-schema grammar to decoding that stops when the grammar is complete:
 * the run of newlines ending its root (its chat session stops on them) is removed, and integers and
 * string characters are narrowed to what parses back as the schema says (see below).
 */
export function tightenJsonGrammar(grammar: string): string {
  return jsStringChars(tightIntegers(grammar.replace(/^(root ::= .*?)[ \t]*"(?:\\n)+"[ \t]*\[\\n\]\*[ \t]*$/m, '$1')))
}

/**
 * node-llama-cpp's integer rule allows an exponent (`12e40`) and 16 digits; both parse as numbers that
 * are not safe integers, which schema validators reject. Integers here are plain digits, at most 15.
 */
function tightIntegers(grammar: string): string {
  return grammar.replace(/^(integer-number-rule ::= .*?)[ \t]*\(\[eE\].*\)\?[ \t]*$/m, '$1').replace(/^(integer-number-rule ::= .*)\{0,15\}/m, '$1{0,14}')
}

/**
 * Keeps JSON string lengths as clients count them (UTF-16 code units, e.g. zod's `.max()`): surrogate
 * code points are excluded (the grammar accepts one at a time, but their UTF-8 bytes are invalid and
 * decode to several U+FFFD), and where a string has a length bound, so are code points above U+FFFF (one
 * character for the grammar, two for JavaScript; the `\uXXXX` escape pair still writes them).
 */
function jsStringChars(grammar: string): string {
  const bounded = /\( string-char-rule \)\{/.test(grammar)
  const chars = String.raw`[^"\\\x7F\x00-\x1F\uD800-\uDFFF` + (bounded ? String.raw`\U00010000-\U0010FFFF]` : ']')
  return grammar.split(String.raw`[^"\\\x7F\x00-\x1F]`).join(chars)
}

/** The text around tool calls in a model's call syntax (from its chat wrapper's function settings). */
export interface CallSyntax {
  /** Text before the function name, e.g. `<tool_call>\n{"name": "`. */
  prefix: string
  /** Text between the name and the JSON arguments, e.g. `", "arguments": `. */
  paramsPrefix: string
  /** Text after the arguments, e.g. `}\n</tool_call>`. */
  suffix: string
  /** Text opening a group of calls, and between two calls of a group. */
  sectionPrefix: string
  betweenCalls: string
}

/** One callable tool: its name and the GBNF of its arguments (a JSON-schema grammar whose root is `root`). */
export interface ToolGrammar {
  name: string
  argumentsGrammar: string
}

/**
 * The grammar of one or more (with `parallel`) calls of the given tools, in `syntax`; decoding under it
 * can only produce well-formed calls of those tools with arguments matching their schemas.
 */
export function toolCallGrammar(syntax: CallSyntax, tools: readonly ToolGrammar[], parallel: boolean): string {
  if (tools.length === 0) throw new Error('toolCallGrammar needs at least one tool')
  const parts = tools.map((t, i) => `${gbnfLiteral(t.name)} ${gbnfLiteral(syntax.paramsPrefix)} t${i}-root`)
  const lit = (s: string): string => (s === '' ? '' : gbnfLiteral(s) + ' ')
  const lines = [
    `root ::= ${lit(syntax.sectionPrefix)}call${parallel ? ` (${lit(syntax.betweenCalls)}call)*` : ''}`,
    `call ::= ${lit(syntax.prefix)}( ${parts.join(' | ')} ) ${lit(syntax.suffix)}`.trimEnd(),
    ...tools.map((t, i) => renameRules(tightenJsonGrammar(t.argumentsGrammar), `t${i}-`))
  ]
  return lines.join('\n') + '\n'
}
