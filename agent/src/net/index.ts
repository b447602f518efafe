export { AddressPolicy, ADDRESS_CLASSES, classify, configuredAllowOf, configuredClassOf, isAllowEntry, normalizeAddress, type AddressClass } from './address-policy.js'
export { discard, guardedAgent, Outbound, outboundDefaults, parseHttpUrl, readBounded, setOutboundDefaults, type OutboundInit, type OutboundOptions, type OutboundResponse } from './outbound.js'
export type { ChunkSink, HeadHandler, Received, ReceivedHead } from './receive.js'
export { OutboundBlockedError, OutboundFailedError } from './outbound-errors.js'
