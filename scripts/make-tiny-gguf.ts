/**
 * CLI: write a tiny GGUF for demos and tests.
 * usage: node dist/scripts/make-tiny-gguf.js out.gguf [--layers 2] [--embd 64] [--heads 4] [--kv-heads 4]
 *        [--ff 128] [--ctx 512] [--seed 1] [--name NAME] [--omit key1,key2] [--template hermes]
 * --template hermes embeds a Qwen2.5/Hermes-style chat template with tool support.
 */
import { TINY_TEMPLATES, type TinyTemplateName } from '../native-runtime/src/gguf/chat-templates.js'
import { writeTinyGguf } from '../native-runtime/src/gguf/tiny-gguf.js'
import { scriptArgs } from './script-args.js'

const USAGE = `usage: node dist/scripts/make-tiny-gguf.js [out.gguf] [--layers 2] [--embd 64] [--heads 4] [--kv-heads 4]
       [--ff 128] [--ctx 512] [--seed 1] [--name NAME] [--omit key1,key2] [--template hermes]
Writes a tiny random-weight GGUF (default tiny.gguf) that llama.cpp loads: for demos and tests.`

const { values, positionals } = scriptArgs(USAGE, {
    layers: { type: 'string' },
    embd: { type: 'string' },
    heads: { type: 'string' },
    'kv-heads': { type: 'string' },
    ff: { type: 'string' },
    ctx: { type: 'string' },
    seed: { type: 'string' },
    name: { type: 'string' },
    omit: { type: 'string' },
    template: { type: 'string' }
})
const n = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v))
const out = positionals[0] ?? 'tiny.gguf'
const template = values.template
if (template !== undefined && !(template in TINY_TEMPLATES)) {
  process.stderr.write(`unknown --template ${template} (known: ${Object.keys(TINY_TEMPLATES).join(', ')})\n`)
  process.exit(2)
}
const size = await writeTinyGguf(out, {
  layers: n(values.layers),
  embd: n(values.embd),
  heads: n(values.heads),
  kvHeads: n(values['kv-heads']),
  ff: n(values.ff),
  ctx: n(values.ctx),
  seed: n(values.seed),
  name: values.name,
  omit: values.omit?.split(',').filter(Boolean),
  template: template as TinyTemplateName | undefined
})
process.stdout.write(`wrote ${out}: ${size} bytes\n`)
