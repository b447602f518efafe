/** Public surface of the images API: the service, the routes, the URL store. See specs/images.md. */
export { ImageService, IMAGE_PATHS, IMAGE_UPLOAD_PATHS, type ImageServiceComponents } from './image-service.js'
export { imageRoutes } from './routes.js'
export { ImageStore, type ImageStoreLimits } from './image-store.js'
