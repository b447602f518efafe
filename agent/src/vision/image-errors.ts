/**
 * Errors of image inputs (codes in `specs/errors.md`): both are the client's fault, so 400.
 */
import { AgentError } from '../errors/errors.js'

/** An `http(s)` image URL the node will not or could not fetch. */
export class InvalidImageUrlError extends AgentError {
  constructor(reason: string, param: string | null) {
    super('invalid_image_url', `Invalid image URL: ${reason}`, { param })
  }
}

/** Image bytes that are not an image (or a data URL that is not base64 `image/*`). */
export class InvalidImageInputError extends AgentError {
  constructor(reason: string, param: string | null) {
    super('invalid_image', `Invalid image: ${reason}`, { param })
  }
}
