/**
 * pino `redact` paths: wherever a request, response or header object is logged, credentials are
 * replaced by "[redacted]". A second line of defence — code never logs secrets on purpose.
 */
const HEADER_NAMES = ['authorization', 'cookie', 'x-api-key', 'x-csrf-token', 'x-llmlb-internal', 'x-llmlb-caller', 'set-cookie', 'x-goog-api-key']

const HEADER_HOLDERS = ['headers', 'req.headers', 'request.headers', 'res.headers', 'reply.headers', 'response.headers']

/** Paths for `pino({ redact: { paths: LOG_REDACT_PATHS } })`. */
export const LOG_REDACT_PATHS: readonly string[] = [
  ...HEADER_HOLDERS.flatMap((h) => HEADER_NAMES.map((n) => `${h}["${n}"]`)),
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'key',
  'token',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.passwordHash',
  '*.token',
  'apiKey',
  '*.apiKey'
]

/** The redaction options for the root logger. */
export const LOG_REDACT = { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' }
