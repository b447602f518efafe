/**
 * The floor of the transcription bench: a bare `node:http` server in its own process that reads the
 * whole request body and answers a fixed JSON — no parsing, no model, nothing a node does. The same
 * upload sent to it by the same client is what any HTTP API pays on this box before its own work
 * starts, so the bench can tell that cost from the node's.
 * `node dist/scripts/bench/bare-upload.js`: prints `{"url": "http://127.0.0.1:…"}` once listening;
 * stops on SIGTERM or when its stdin ends.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startListening } from './agent-proc.js'

const ANSWER = JSON.stringify({ text: '' })

/** Listens on a free loopback port; every request's body is read whole, then answered. */
async function listen(): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      // gathered like any server that needs the file whole
      Buffer.concat(chunks)
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) }).end(ANSWER)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** The same server in a process of its own (as an agent is); it exits when this process does. */
export function spawnBareUpload(): Promise<{ url: string; proc: ChildProcess }> {
  return startListening(fileURLToPath(import.meta.url), [])
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify({ url: await listen() }) + '\n')
  process.once('SIGTERM', () => process.exit(0))
  process.stdin.on('end', () => process.exit(0)).resume()
}
