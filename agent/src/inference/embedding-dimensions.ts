/**
 * Embeddings `dimensions`: shortening a vector is only meaningful for models trained with Matryoshka
 * representation learning, whose leading dimensions carry the meaning on their own. GGUF metadata has no
 * field for that, so the models are known by name (a documented allow-list, matched against the model id
 * and its file name); for any other model `dimensions` is a 400 rather than a silently degraded vector.
 */
import { basename } from 'node:path'
import { InvalidRequestError } from '../errors/errors.js'

/** Model families trained for truncatable embeddings (Matryoshka). */
export const MATRYOSHKA_MODELS: readonly RegExp[] = [
  /nomic-embed-text-v(1\.5|2)/i,
  /mxbai-embed-(large-v1|2d)/i,
  /snowflake-arctic-embed-[a-z]+-v(1\.5|2)/i,
  /jina-embeddings-v[34]/i,
  /embeddinggemma/i,
  /qwen3-embedding/i
]

/** True when the model (by id or file name) is in the allow-list. */
export function isMatryoshka(id: string, path: string): boolean {
  return MATRYOSHKA_MODELS.some((re) => re.test(id) || re.test(basename(path)))
}

/** The first `dimensions` components of each vector, scaled back to unit length. */
export function shorten(vectors: readonly number[][], dimensions: number, model: { id: string; path: string }): number[][] {
  if (!isMatryoshka(model.id, model.path)) {
    throw new InvalidRequestError(`The model '${model.id}' was not trained for shortened embeddings; 'dimensions' is only supported for Matryoshka models (nomic-embed-text-v1.5, mxbai-embed-large-v1, snowflake-arctic-embed v1.5/v2, jina-embeddings-v3, embeddinggemma, qwen3-embedding)`, 'dimensions')
  }
  return vectors.map((v) => {
    if (dimensions > v.length) throw new InvalidRequestError(`'dimensions' is ${dimensions} but the model's embeddings have ${v.length}`, 'dimensions')
    const cut = v.slice(0, dimensions)
    const norm = Math.hypot(...cut)
    return norm > 0 ? cut.map((x) => x / norm) : cut
  })
}
