/**
 * Yamux grants receive window after every data frame it reads (`YamuxStream.sendWindowUpdate`), so a
 * tunnel message costs two frames on the wire, each encrypted, framed and written on its own: the data
 * one way and a WINDOW_UPDATE back. Here a stream grants window only once the sender has used half of
 * it (what Go's and Rust's yamux do), so on a request/response tunnel almost no update is sent. The
 * sender never blocks earlier than before: it still has at least half a window to send into.
 * Frames that carry flags (SYN/ACK of a new stream) and the update after a pause go out as before.
 *
 * Applied once per process, to the class libp2p itself loads.
 */
import { StreamState, YamuxStream } from '@libp2p/yamux/stream'

interface WindowFields {
  recvWindow: number
  recvWindowCapacity: number
  state: StreamState
}

/** Whether a window update is worth a frame: the stream is established and the sender has used half of its window. Pure. */
export function windowUpdateDue(s: WindowFields): boolean {
  return s.state !== StreamState.Established || s.recvWindowCapacity <= s.recvWindow / 2
}

let applied = false

export function tuneYamuxWindow(): void {
  if (applied) return
  applied = true
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate(this: WindowFields): void }
  const send = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: WindowFields) {
    if (windowUpdateDue(this)) send.call(this)
  }
}
