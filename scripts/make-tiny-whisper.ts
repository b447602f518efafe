/**
 * CLI: write a tiny random-weight whisper.cpp model (ggml `.bin`) for demos and tests.
 * usage: node dist/scripts/make-tiny-whisper.js [out.bin] [--seed 42]
 */
import { writeTinyWhisper } from '../native-runtime/src/audio/tiny-whisper.js'
import { scriptArgs } from './script-args.js'

const USAGE = `usage: node dist/scripts/make-tiny-whisper.js [out.bin] [--seed 42]
Writes a tiny random-weight whisper.cpp model (default tiny-whisper.bin, about 4 MB) that whisper.cpp
loads and runs: it transcribes any audio to random words. For demos and tests.`

const { values, positionals } = scriptArgs(USAGE, { seed: { type: 'string' } })
const out = positionals[0] ?? 'tiny-whisper.bin'
const size = await writeTinyWhisper(out, values.seed === undefined ? {} : { seed: Number(values.seed) })
process.stdout.write(`wrote ${out}: ${size} bytes\n`)
