/**
 * The ggml RPC protocol version of a source tree, from `ggml/include/ggml-rpc.h` (pure). Workers and
 * coordinators interoperate only with the same version, so it is recorded in every cache entry.
 */

export const RPC_HEADER = 'ggml/include/ggml-rpc.h'

export function parseRpcProtocol(header: string): string {
  const part = (name: string): string => {
    const m = new RegExp(`^#define\\s+RPC_PROTO_${name}_VERSION\\s+(\\d+)`, 'm').exec(header)
    if (!m?.[1]) throw new Error(`${RPC_HEADER} has no RPC_PROTO_${name}_VERSION: not a llama.cpp tree with the RPC backend`)
    return m[1]
  }
  return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`
}
