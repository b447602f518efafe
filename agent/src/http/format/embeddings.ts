/** OpenAI embeddings response body. `base64` is the little-endian float32 bytes, as OpenAI encodes it. */
export function embeddingsBody(model: string, vectors: number[][], promptTokens: number, encoding: 'float' | 'base64'): Record<string, unknown> {
  return {
    object: 'list',
    model,
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: encoding === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v
    })),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens }
  }
}
