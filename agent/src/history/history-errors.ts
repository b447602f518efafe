/** Errors of the history, statistics and log routes (codes in the one table, errors/error-table.ts). */
import { AgentError } from '../errors/errors.js'

/** No history record with that request id (404 `not_found`). */
export class HistoryNotFoundError extends AgentError {
  constructor(id: string) {
    super('not_found', `No history record with id '${id}'`)
  }
}

/** No node with that name or peer id in this node's view (404 `not_found`). */
export class NodeNotFoundError extends AgentError {
  constructor(id: string) {
    super('not_found', `No node named '${id}' (or with that peer id) is known to this node`)
  }
}
