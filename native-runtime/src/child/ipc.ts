/**
 * The child's side of the IPC channel: typed sends to the parent, and validated receipt of its requests.
 */
import { type ChildMessage, InboundParser, type ParentMessage, parentMessageSchema } from '../protocol.js'

/** Sends one message to the parent; silently dropped once the channel is gone (the child is exiting then). */
export function send(message: ChildMessage, callback?: () => void): void {
  if (process.send === undefined || !process.connected) {
    callback?.()
    return
  }
  process.send(message, undefined, {}, () => callback?.())
}

/** Logs through the parent's logger (the child has no logger of its own, so one stream holds all logs). */
export function log(level: 'error' | 'warn' | 'info' | 'debug', msg: string): void {
  send({ type: 'log', level, msg: msg.slice(0, 8_192) })
}

/** Calls `handler` for each valid request from the parent; invalid ones are counted, logged and dropped. */
export function onParentMessage(handler: (message: ParentMessage) => void): InboundParser<ParentMessage> {
  const parser = new InboundParser(parentMessageSchema, (issue) => log('warn', `dropped invalid request: ${issue}`))
  process.on('message', (raw) => {
    const message = parser.parse(raw)
    if (message !== undefined) handler(message)
  })
  return parser
}
