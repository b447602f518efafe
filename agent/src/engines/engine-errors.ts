/** Errors of engines (codes in the one error table, specs/errors.md). */
import { AgentError } from '../errors/errors.js'

/** A registered URL answers none of the probes of a known engine. */
export class EngineNotDetectedError extends AgentError {
  constructor(url: string, tried: string) {
    super('engine_not_detected', `No inference engine answers at ${url} (tried ${tried}); give the engine's base URL, e.g. http://127.0.0.1:11434`, { param: 'url' })
  }
}

/** The engine serving a model failed before answering (down, refused, timed out): another holder is tried. */
export class EngineUnavailableError extends AgentError {
  constructor(engine: string, reason: string, cause?: unknown) {
    super('engine_unavailable', `Engine ${engine} is unavailable: ${reason}`, { cause, headers: { 'retry-after': '1' } })
  }
}

/** The engine answered something that is not its protocol (not JSON, too large, cut short). */
export class EngineBadResponseError extends AgentError {
  constructor(engine: string, reason: string) {
    super('engine_bad_response', `Engine ${engine} answered with a malformed response: ${reason}`)
  }
}

/** No registered engine has this id. */
export class EngineNotFoundError extends AgentError {
  constructor(id: string) {
    super('not_found', `No engine '${id}' is registered on this node`, { param: 'id' })
  }
}

/** The URL is registered already. */
export class EngineExistsError extends AgentError {
  constructor(url: string, id: string) {
    super('conflict', `The engine at ${url} is registered already (id ${id})`, { param: 'url' })
  }
}
