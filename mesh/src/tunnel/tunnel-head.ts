/**
 * Wire format of `/llmlb/tunnel/1.0.0` before the raw bytes: the opener sends one length-prefixed JSON
 * head naming the service; the serving node answers with one length-prefixed JSON reply (accepted, or
 * refused with a reason). Everything after the reply is the service's own byte stream, unframed.
 */
import { z } from 'zod'

/** Version of the tunnel head and reply; a different one is refused. */
export const TUNNEL_WIRE_VERSION = 1

/** Largest head or reply (bytes): a service name and a reason, never payload. */
export const MAX_TUNNEL_HEAD_BYTES = 4096

export const TunnelHeadSchema = z.object({
  v: z.literal(TUNNEL_WIRE_VERSION),
  service: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/)
})
export type TunnelHead = z.infer<typeof TunnelHeadSchema>

export const TunnelReplySchema = z.discriminatedUnion('ok', [
  z.object({ v: z.literal(TUNNEL_WIRE_VERSION), ok: z.literal(true) }),
  z.object({ v: z.literal(TUNNEL_WIRE_VERSION), ok: z.literal(false), reason: z.string().max(1024) })
])
export type TunnelReply = z.infer<typeof TunnelReplySchema>

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeJson(value: TunnelHead | TunnelReply): Uint8Array {
  return encoder.encode(JSON.stringify(value))
}

/** Parses a head or reply; undefined when it is not JSON or does not match `schema`. */
export function decodeJson<T>(bytes: Uint8Array, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(decoder.decode(bytes)))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}
