/**
 * Command-line parsing of the project's scripts: `--help` prints the usage, an unknown or malformed
 * option prints one line saying what is wrong and the usage (exit 2) — never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>

type Options = NonNullable<ParseArgsConfig['options']>

/** Parses `argv` (default: this process's arguments) against `options`, handling `--help`. */
export function scriptArgs<O extends Options>(usage: string, options: O, argv: string[] = process.argv.slice(2)): Parsed<O> {
  try {
    const parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' } } })
    if ((parsed.values as Record<string, unknown>).help === true) {
      process.stdout.write(`${usage}\n`)
      process.exit(0)
    }
    return parsed as unknown as Parsed<O>
  } catch (err) {
    // node's messages carry a long hint after the first sentence
    process.stderr.write(`error: ${(err as Error).message.split('. ')[0]}\n${usage}\n`)
    process.exit(2)
  }
}
