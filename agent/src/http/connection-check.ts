/**
 * Client connection deadlines (config `connections`, specs/chaos.md "Limits on client connections").
 *
 * How often node checks the headers and request deadlines: a fifth of the headers bound (1–30 s).
 * Node's default, 30 s, let a slow-loris client live twice the 15 s bound; walking the connection list
 * (at most `maxConnections`) every 3 s costs nothing next to that.
 */
export const connectionsCheckMs = (headersTimeoutMs: number): number => Math.min(30_000, Math.max(1_000, Math.round(headersTimeoutMs / 5)))
