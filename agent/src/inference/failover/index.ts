/** Failover from peers that die or go silent while a forwarded request waits on them (specs/routing.md). */
export { guardAttempt, type AttemptGuard, type GuardTimers } from './attempt-guard.js'
export { PeerDeathWatch, type PeerEvents } from './death-watch.js'
export { guardedBody, StreamBrokenError } from './guarded-body.js'
export { headBoundMs, type HeadBoundPolicy, type HeadBoundTask } from './head-bound.js'
export { PeerGoneError } from './peer-gone.js'
export { SilentPeers } from './silent-peers.js'
