import { Template } from '@huggingface/jinja'
import { describe, expect, it } from 'vitest'
import { HERMES_TOOL_TEMPLATE } from '../../../native-runtime/src/gguf/chat-templates.js'
import { buildTinyGguf } from '../../../native-runtime/src/gguf/tiny-gguf.js'
import { capabilitiesOf } from '../../../native-runtime/src/child/model-info.js'

const tool = { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }

describe('tiny GGUF hermes template', () => {
  it('is embedded by `template: hermes` and gives the tools capability', () => {
    const file = buildTinyGguf({ template: 'hermes' })
    expect(file.includes(Buffer.from(HERMES_TOOL_TEMPLATE, 'utf8'))).toBe(true)
    expect(capabilitiesOf('llama', HERMES_TOOL_TEMPLATE).tools).toBe(true)
  })

  it('renders tool definitions, assistant tool calls and tool results', () => {
    const out = new Template(HERMES_TOOL_TEMPLATE).render({
      tools: [tool],
      add_generation_prompt: true,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
        { role: 'tool', content: '{"temp": 21}' }
      ]
    })
    expect(out).toContain('<tools>\n{"type": "function"')
    expect(out).toContain('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>')
    expect(out).toContain('<tool_response>\n{"temp": 21}\n</tool_response>')
    expect(out.endsWith('<|im_start|>assistant\n')).toBe(true)
  })
})
