/**
 * What a model is and can do, read from its GGUF metadata.
 */
import { GgufFileType } from 'node-llama-cpp'
export { capabilitiesOf, EMBEDDING_ONLY_ARCHITECTURES } from '../model-capabilities.js'

/** `general.file_type` as the usual quantization name (`F32`, `Q4_K_M`); `unknown` when absent. */
export function quantizationName(fileType: number | undefined): string {
  if (fileType === undefined) return 'unknown'
  const name = GgufFileType[fileType]
  return name === undefined ? `type-${fileType}` : name.replace(/^(ALL|MOSTLY)_/, '')
}
