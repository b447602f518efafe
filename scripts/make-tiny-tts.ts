/**
 * CLI: write a tiny text-to-speech model (sherpa-onnx VITS: model.onnx + tokens.txt) for demos and tests.
 * usage: node dist/scripts/make-tiny-tts.js [out-dir] [--speakers 2] [--rate 16000]
 */
import { writeTinyTts } from '../native-runtime/src/audio/tiny-tts.js'
import { scriptArgs } from './script-args.js'

const USAGE = `usage: node dist/scripts/make-tiny-tts.js [out-dir] [--speakers 2] [--rate 16000]
Writes a tiny text-to-speech model folder (default tiny-tts/: model.onnx and tokens.txt) that sherpa-onnx
runs: it speaks any text as a buzz. Serve it with --model <out-dir>/model.onnx. For demos and tests.`

const { values, positionals } = scriptArgs(USAGE, { speakers: { type: 'string' }, rate: { type: 'string' } })
const dir = positionals[0] ?? 'tiny-tts'
const path = await writeTinyTts(dir, {
  ...(values.speakers === undefined ? {} : { speakers: Number(values.speakers) }),
  ...(values.rate === undefined ? {} : { sampleRate: Number(values.rate) })
})
process.stdout.write(`wrote ${path} and tokens.txt\n`)
