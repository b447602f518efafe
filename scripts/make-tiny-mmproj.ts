/**
 * CLI: write a tiny multimodal projector (mmproj) GGUF to pair with a tiny text model, for demos and tests.
 * usage: node dist/scripts/make-tiny-mmproj.js out.mmproj.gguf [--text-embd 64] [--image-size 28]
 *        [--patch-size 14] [--embd 32] [--layers 1] [--seed 7]
 */
import { writeTinyMmproj } from '../native-runtime/src/gguf/tiny-mmproj.js'
import { scriptArgs } from './script-args.js'

const USAGE = `usage: node dist/scripts/make-tiny-mmproj.js [out.mmproj.gguf] [--text-embd 64] [--image-size 28]
       [--patch-size 14] [--embd 32] [--layers 1] [--seed 7]
Writes a tiny random-weight CLIP projector (default tiny.mmproj.gguf) whose output width is --text-embd (the
text model's --embd). Put it beside tiny.gguf (as tiny.mmproj.gguf) and the node serves tiny as a vision model.`

const { values, positionals } = scriptArgs(USAGE, {
  'text-embd': { type: 'string' },
  'image-size': { type: 'string' },
  'patch-size': { type: 'string' },
  embd: { type: 'string' },
  layers: { type: 'string' },
  seed: { type: 'string' }
})
const n = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v))
const out = positionals[0] ?? 'tiny.mmproj.gguf'
const size = await writeTinyMmproj(out, {
  textEmbd: n(values['text-embd']),
  imageSize: n(values['image-size']),
  patchSize: n(values['patch-size']),
  embd: n(values.embd),
  layers: n(values.layers),
  seed: n(values.seed)
})
process.stdout.write(`wrote ${out}: ${size} bytes\n`)
