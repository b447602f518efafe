#!/usr/bin/env node
// Entry of the `llmlb` command. The polyfill must load before anything that pulls in libp2p.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = new URL('../dist/agent/src/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('llmlb is not built yet: run `npm run build` (or `npm start`) in the project folder first\n')
  process.exit(1)
}
await import('../dist/mesh/src/polyfill.js')
await import(main.href)
