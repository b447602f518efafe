/**
 * Ids of responses and their items. A response id names the node that stored it: `resp_` + a 16-hex
 * tag of the owner's peer id + 32 random hex digits. Any node can then find the owner of a
 * `previous_response_id` (or of a GET/DELETE) among its peers without asking anyone, and fetch the
 * response from it through the mesh (see specs/responses.md, "Across nodes").
 */
import { createHash, randomBytes } from 'node:crypto'

/** Hex digits of the node tag in a response id. */
export const NODE_TAG_HEX = 16

const RESPONSE_ID = new RegExp(`^resp_([0-9a-f]{${NODE_TAG_HEX}})[0-9a-f]{32}$`)

/** The tag of a node in the ids of the responses it stores: the start of SHA-256 over its peer id. */
export function nodeTag(peerId: string): string {
  return createHash('sha256').update(peerId).digest('hex').slice(0, NODE_TAG_HEX)
}

/** A new response id owned by the node with `tag`. */
export function newResponseId(tag: string): string {
  return `resp_${tag}${randomBytes(16).toString('hex')}`
}

/** The owner tag of a response id, or undefined when the id is not one of ours. */
export function tagOfResponseId(id: string): string | undefined {
  return RESPONSE_ID.exec(id)?.[1]
}

const ITEM_ID = new RegExp(`^(?:msg|fc|rs)_([0-9a-f]{${NODE_TAG_HEX}})[0-9a-f]{24}$`)

/**
 * A new item id. Output items (`msg`, `fc`, `rs`) carry their node's tag like response ids, so an
 * `item_reference` to them can be resolved from any node; the ids of input items need no tag.
 */
export function newItemId(prefix: 'msg' | 'fc' | 'fco' | 'call' | 'rs', tag = ''): string {
  return `${prefix}_${tag}${randomBytes(12).toString('hex')}`
}

/** The owner tag of an output item id, or undefined when the id is not one of ours. */
export function tagOfItemId(id: string): string | undefined {
  return ITEM_ID.exec(id)?.[1]
}
