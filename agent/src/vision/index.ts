/**
 * Image inputs: loading `image_url` parts (data URLs decoded, http(s) URLs fetched under the outbound
 * checks) into the runtime's chat messages. See specs/vision.md.
 */
export { withImages, MAX_IMAGES_PER_REQUEST } from './chat-images.js'
export { loadImage, sniffImage, type ImageInputDeps } from './image-input.js'
export { GuardedFetcher, GuardedFetchError, type GuardedFetchPolicy, type FetchedBody } from './guarded-fetch.js'
export { HostAllowList } from './address-policy.js'
export { InvalidImageUrlError, InvalidImageInputError } from './image-errors.js'
