import { describe, expect, it } from 'vitest'
import { gbnfLiteral, renameRules, toolCallGrammar, tightenJsonGrammar } from '../../../native-runtime/src/tools/gbnf.js'
import { topEntries } from '../../../native-runtime/src/child/logprobs.js'

describe('GBNF helpers', () => {
  it('quotes literals', () => {
    expect(gbnfLiteral('<tool_call>\n{"name": "')).toBe('"<tool_call>\\n{\\"name\\": \\""')
    expect(gbnfLiteral('a\\b\t')).toBe('"a\\\\b\\t"')
  })

  it('renames rules but not strings or character classes', () => {
    const g = 'root ::= "{" ws value "}"\nvalue ::= [a-z"]+ | "root"\nws ::= [ ]?'
    expect(renameRules(g, 't0-')).toBe('t0-root ::= "{" t0-ws t0-value "}"\nt0-value ::= [a-z"]+ | "root"\nt0-ws ::= [ ]?')
  })

  it('drops the newline tail of a JSON grammar and the exponent of its integers', () => {
    const g = 'root ::= "{" x "}" "\\n\\n\\n\\n" [\\n]*\ninteger-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?\n'
    expect(tightenJsonGrammar(g)).toBe('root ::= "{" x "}"\ninteger-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,14})\n')
  })

  it('composes a grammar of calls in the model syntax, one or many', () => {
    const syntax = { prefix: '<tool_call>\n{"name": "', paramsPrefix: '", "arguments": ', suffix: '}\n</tool_call>', sectionPrefix: '', betweenCalls: '\n' }
    const tools = [
      { name: 'a', argumentsGrammar: 'root ::= "{}"' },
      { name: 'b', argumentsGrammar: 'root ::= "{" x "}"\nx ::= "1"' }
    ]
    const one = toolCallGrammar(syntax, tools, false)
    expect(one.split('\n')[0]).toBe('root ::= call')
    expect(one).toContain('call ::= "<tool_call>\\n{\\"name\\": \\"" ( "a" "\\", \\"arguments\\": " t0-root | "b" "\\", \\"arguments\\": " t1-root ) "}\\n</tool_call>"')
    expect(one).toContain('t1-root ::= "{" t1-x "}"\nt1-x ::= "1"')
    expect(toolCallGrammar(syntax, tools, true).split('\n')[0]).toBe('root ::= call ("\\n" call)*')
    expect(() => toolCallGrammar(syntax, [], false)).toThrow()
  })
})

describe('topEntries', () => {
  it('keeps the k most probable, most probable first', () => {
    const m = new Map([[1, 0.1], [2, 0.5], [3, 0.05], [4, 0.3], [5, 0.05]])
    expect(topEntries(m, 3)).toEqual([[2, 0.5], [4, 0.3], [1, 0.1]])
    expect(topEntries(m, 0)).toEqual([])
    expect(topEntries(m, 10)).toHaveLength(5)
  })
})

describe('tightenJsonGrammar', () => {
  it('keeps surrogates out of JSON string characters', () => {
    expect(tightenJsonGrammar(String.raw`string-char-rule ::= [^"\\\x7F\x00-\x1F] | "\\"`)).toBe(String.raw`string-char-rule ::= [^"\\\x7F\x00-\x1F\uD800-\uDFFF] | "\\"`)
  })
})

describe('string lengths as JavaScript counts them', () => {
  it('with a length-bounded string, code points above U+FFFF are left out too (two UTF-16 units each)', () => {
    const g = String.raw`string-char-rule ::= [^"\\\x7F\x00-\x1F]` + '\n' + String.raw`string-0-5-rule ::= "\"" ( string-char-rule ){0,5} "\""`
    expect(tightenJsonGrammar(g)).toContain(String.raw`[^"\\\x7F\x00-\x1F\uD800-\uDFFF\U00010000-\U0010FFFF]`)
  })
})
