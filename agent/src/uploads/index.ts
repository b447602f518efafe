/** Public surface of streamed uploads: the spool, the streaming multipart parser, the form re-encoded to forward, the routes' parser. */
export { UploadSpool, removeFiles } from './spool.js'
export { fileBytes, fileHead, readMultipart, removeForm, UploadTooLargeError, withForwardedForm, type MultipartOptions, type SpooledFile, type StreamedForm } from './multipart.js'
export { formBody, type FormBody } from './form-body.js'
export { streamedUploads, type StreamedUploadsOptions } from './route-parser.js'
