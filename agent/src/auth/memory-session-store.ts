/**
 * `SessionStore` in this process's memory. A session lives on the node that issued it (its cookie is
 * bound to that node's origin) and ends with the process; each request re-checks the replicated user,
 * so deleting, demoting or re-passwording a user anywhere takes effect here at once.
 */
import { sha256Hex, randomSecret } from './tokens.js'
import type { Session, SessionStore } from './stores.js'

/** Absolute lifetime of a session (ms). */
export const SESSION_TTL_MS = 24 * 60 * 60 * 1000
/** A session unused this long ends (ms). */
export const SESSION_IDLE_MS = 8 * 60 * 60 * 1000
/** Most sessions kept; the oldest is dropped beyond (a flood of logins cannot exhaust memory). */
export const MAX_SESSIONS = 10_000

export interface MemorySessionStoreInit {
  /** @default SESSION_TTL_MS */
  ttlMs?: number
  /** @default SESSION_IDLE_MS */
  idleMs?: number
  /** @default MAX_SESSIONS */
  maxSessions?: number
  /** ms since epoch @default Date.now */
  now?: () => number
}

interface Stored extends Session {
  absoluteEnd: number
}

export class MemorySessionStore implements SessionStore {
  /** By token hash, in insertion order (oldest first). */
  private readonly sessions = new Map<string, Stored>()
  private readonly now: () => number

  constructor(private readonly init: MemorySessionStoreInit = {}) {
    this.now = init.now ?? Date.now
  }

  create(user: { id: string; username: string; sessionEpoch: number }): { token: string; session: Session } {
    const token = randomSecret()
    const now = this.now()
    const absoluteEnd = now + (this.init.ttlMs ?? SESSION_TTL_MS)
    const s: Stored = {
      id: sha256Hex(token),
      userId: user.id,
      username: user.username,
      epoch: user.sessionEpoch,
      csrfToken: randomSecret(),
      createdAt: now,
      expiresAt: Math.min(absoluteEnd, now + (this.init.idleMs ?? SESSION_IDLE_MS)),
      absoluteEnd
    }
    this.sessions.set(s.id, s)
    while (this.sessions.size > (this.init.maxSessions ?? MAX_SESSIONS)) {
      const oldest = this.sessions.keys().next().value
      if (oldest === undefined) break
      this.sessions.delete(oldest)
    }
    return { token, session: publicView(s) }
  }

  get(token: string): Session | undefined {
    const id = sha256Hex(token)
    const s = this.sessions.get(id)
    if (!s) return undefined
    const now = this.now()
    if (now >= s.expiresAt) {
      this.sessions.delete(id)
      return undefined
    }
    s.expiresAt = Math.min(s.absoluteEnd, now + (this.init.idleMs ?? SESSION_IDLE_MS))
    return publicView(s)
  }

  setEpoch(token: string, epoch: number): void {
    const s = this.sessions.get(sha256Hex(token))
    if (s) s.epoch = epoch
  }

  delete(token: string): void {
    this.sessions.delete(sha256Hex(token))
  }

  deleteForUser(userId: string, exceptToken?: string): void {
    const keep = exceptToken === undefined ? undefined : sha256Hex(exceptToken)
    for (const [id, s] of this.sessions) if (s.userId === userId && id !== keep) this.sessions.delete(id)
  }

  size(): number {
    return this.sessions.size
  }
}

function publicView(s: Stored): Session {
  const { absoluteEnd: _, ...rest } = s
  return { ...rest }
}
