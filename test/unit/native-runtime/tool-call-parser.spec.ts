import { describe, expect, it } from 'vitest'
import { type OutputSegment, ToolCallParser, toolCallFamilyOf, type ToolCallFamily } from '../../../native-runtime/src/tools/tool-call-parser.js'
import type { CallSyntax } from '../../../native-runtime/src/tools/gbnf.js'

/** Feeds `text` in pieces of `step` characters and merges adjacent text segments. */
function parse(family: ToolCallFamily, text: string, step = 1, syntax?: CallSyntax): OutputSegment[] {
  const p = new ToolCallParser(family, syntax)
  const out: OutputSegment[] = []
  for (let i = 0; i < text.length; i += step) out.push(...p.push(text.slice(i, i + step)))
  out.push(...p.flush())
  const merged: OutputSegment[] = []
  for (const s of out) {
    const last = merged[merged.length - 1]
    if (s.type === 'text' && last?.type === 'text') last.text += s.text
    else merged.push(s.type === 'text' ? { ...s } : s)
  }
  return merged
}
const call = (name: string, args: object): OutputSegment => ({ type: 'call', call: { name, arguments: JSON.stringify(args) } })

describe('ToolCallParser', () => {
  it('hermes: text, then calls in <tool_call> tags, streamed one character at a time', () => {
    const out = parse('hermes', 'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>{"name":"get_time","arguments":{}}</tool_call>')
    expect(out).toEqual([{ type: 'text', text: 'Let me check.\n' }, call('get_weather', { city: 'Paris' }), { type: 'text', text: '\n' }, call('get_time', {})])
  })

  it('never lets part of a marker out as text while it may still become one', () => {
    const p = new ToolCallParser('hermes')
    expect(p.push('Hello <tool_')).toEqual([{ type: 'text', text: 'Hello ' }])
    expect(p.push('cal')).toEqual([])
    expect(p.push('x')).toEqual([{ type: 'text', text: '<tool_calx' }])
  })

  it('hermes: an unterminated call at the end is parsed as it stands; garbage stays text', () => {
    expect(parse('hermes', '<tool_call>{"name": "f", "arguments": {"a": 1}}')).toEqual([call('f', { a: 1 })])
    expect(parse('hermes', 'x <tool_call>not json</tool_call> y')).toEqual([{ type: 'text', text: 'x <tool_call>not json</tool_call> y' }])
  })

  it('accepts "parameters" and stringified arguments', () => {
    expect(parse('hermes', '<tool_call>{"name": "f", "parameters": {"a": 1}}</tool_call>', 7)).toEqual([call('f', { a: 1 })])
    expect(parse('hermes', '<tool_call>{"name": "f", "arguments": "{\\"a\\":2}"}</tool_call>', 5)).toEqual([{ type: 'call', call: { name: 'f', arguments: '{"a":2}' } }])
  })

  it('function-tag (Llama 3.1 / Functionary v3.1)', () => {
    expect(parse('function-tag', 'ok <function=get_time>{"zone": "UTC"}</function>', 3)).toEqual([{ type: 'text', text: 'ok ' }, call('get_time', { zone: 'UTC' })])
  })

  it('mistral: a JSON array after [TOOL_CALLS], and the NAME[ARGS] form', () => {
    expect(parse('mistral', '[TOOL_CALLS][{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {}}]', 4)).toEqual([call('a', { x: 1 }), call('b', {})])
    expect(parse('mistral', '[TOOL_CALLS]a[ARGS]{"x": 1}[TOOL_CALLS]b[ARGS]{}', 2)).toEqual([call('a', { x: 1 }), call('b', {})])
  })

  it('python-tag (Llama 3.x): calls after <|python_tag|> separated by ;', () => {
    expect(parse('python-tag', '<|python_tag|>{"name": "a", "parameters": {"q": "x"}}; {"name": "b", "parameters": {}}', 6)).toEqual([call('a', { q: 'x' }), call('b', {})])
  })

  it("generic: the chat wrapper's own call syntax", () => {
    const syntax: CallSyntax = { prefix: '||call: ', paramsPrefix: '(', suffix: ')', sectionPrefix: '', betweenCalls: '\n' }
    expect(parse('generic', 'hi ||call: f({"a": true}) ok', 1, syntax)).toEqual([{ type: 'text', text: 'hi ' }, call('f', { a: true }), { type: 'text', text: ' ok' }])
  })

  it('picks the family from the call prefix, or the template when there is none', () => {
    expect(toolCallFamilyOf('<tool_call>\n{"name": "')).toBe('hermes')
    expect(toolCallFamilyOf('[TOOL_CALLS]')).toBe('mistral')
    expect(toolCallFamilyOf('<function=')).toBe('function-tag')
    expect(toolCallFamilyOf('<|python_tag|>')).toBe('python-tag')
    expect(toolCallFamilyOf('||call: ')).toBe('generic')
    expect(toolCallFamilyOf('', '... [TOOL_CALLS] ...')).toBe('mistral')
    expect(toolCallFamilyOf('', '')).toBe('hermes')
  })
})
