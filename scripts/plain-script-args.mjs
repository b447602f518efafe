// `--help` and unknown options for the plain .mjs scripts that take no options (they run before the
// build, so they cannot use the compiled scripts/script-args.ts).
/** Prints `usage` and exits 0 on --help; exits 2 with a one-line error and the usage on anything else. */
export function noOptions(usage) {
  const arg = process.argv[2]
  if (arg === undefined) return
  if (arg === '--help' || arg === '-h') {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  process.stderr.write(`error: unknown argument ${arg}\n${usage}\n`)
  process.exit(2)
}
