/**
 * A minimal client of ggml-rpc's HELLO command (ggml/src/ggml-rpc/ggml-rpc.cpp), the first message
 * of every connection: `| cmd (1 byte) = 14 | size (u64 LE) = 24 | conn_caps (24 bytes) |`, answered
 * by `| size (u64 LE) = 28 | major | minor | patch | pad | conn_caps (24) |`. Zero caps ask for no
 * transport upgrade. The connection closes right after: a worker serves one client at a time, and a
 * probe must not hold that place.
 */
import { connect } from 'node:net'

const RPC_CMD_HELLO = 14
const CONN_CAPS_SIZE = 24
const HELLO_RSP_SIZE = 4 + CONN_CAPS_SIZE

/** Asks the worker on `host:port` for its protocol version (`major.minor.patch`). */
export async function rpcHello(port: number, options: { host?: string; signal?: AbortSignal } = {}): Promise<string> {
  const socket = connect({ host: options.host ?? '127.0.0.1', port })
  const { promise, resolve, reject } = Promise.withResolvers<string>()
  const onAbort = (): void => reject(options.signal?.reason ?? new Error('HELLO aborted'))
  options.signal?.addEventListener('abort', onAbort, { once: true })
  let inbox = Buffer.alloc(0)
  socket.on('connect', () => {
    const req = Buffer.alloc(1 + 8 + CONN_CAPS_SIZE)
    req.writeUInt8(RPC_CMD_HELLO, 0)
    req.writeBigUInt64LE(BigInt(CONN_CAPS_SIZE), 1)
    socket.write(req)
  })
  socket.on('data', (chunk: Buffer) => {
    inbox = Buffer.concat([inbox, chunk])
    if (inbox.length < 8) return
    const size = inbox.readBigUInt64LE(0)
    if (size !== BigInt(HELLO_RSP_SIZE)) return reject(new Error(`unexpected HELLO answer of ${size} bytes`))
    if (inbox.length >= 8 + HELLO_RSP_SIZE) resolve(`${inbox[8]}.${inbox[9]}.${inbox[10]}`)
  })
  socket.on('error', reject)
  socket.on('close', () => reject(new Error('the worker closed the connection before answering HELLO')))
  try {
    return await promise
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    socket.destroy()
  }
}
