/** A config source is malformed; the CLI prints the message and exits 2. */
export class InvalidConfigError extends Error {
  readonly code = 'invalid_config'
  constructor(message: string) {
    super(`invalid configuration: ${message}`)
    this.name = 'InvalidConfigError'
  }
}
