/**
 * The auth facade the composition root builds once: the replicated stores (users, keys, settings),
 * this node's sessions, the authenticator, per-key rate limits and the login throttle. HTTP hooks and
 * routes, the forward handler and the bootstrap all go through it.
 */
import type { Logger } from 'pino'
import type { ForwardCaller } from '../../../mesh/src/index.js'
import type { ControlStore, ChangeListener } from '../control-plane/control-store.js'
import type { Served } from '../inference/inference-service.js'
import { PasswordChangeRequiredError, ForbiddenError, UnauthorizedError } from './auth-errors.js'
import { Authenticator } from './authenticator.js'
import { ControlKeyStore } from './control-key-store.js'
import { ControlSettingsStore } from './control-settings-store.js'
import { ControlUserStore } from './control-user-store.js'
import type { Identity } from './identity.js'
import { KeyRateLimiter } from './key-rate-limiter.js'
import { LoginThrottle, type LoginThrottleInit } from './login-throttle.js'
import { MemorySessionStore, type MemorySessionStoreInit } from './memory-session-store.js'
import { hashPassword, SCRYPT_PARAMS, type ScryptParams } from './password-hash.js'
import { sha256Hex } from './tokens.js'
import { tapUsage } from './usage-tap.js'
import type { KeyStore, SessionStore, SettingsStore, UserStore } from './stores.js'

export type AuthMode = 'on' | 'off'

export interface AuthServiceInit {
  /** `off`: no credential is checked (local development). */
  mode: AuthMode
  /** This process's secret on requests it injects for a peer (`Agent.internalSecret`). */
  internalSecret: string
  /** clock (ms) @default Date.now */
  now?: () => number
  sessions?: MemorySessionStoreInit
  loginThrottle?: LoginThrottleInit
  /** @default SCRYPT_PARAMS (tests lower N) */
  scrypt?: ScryptParams
}

export class AuthService {
  readonly mode: AuthMode
  readonly users: UserStore
  readonly keys: KeyStore
  readonly settings: SettingsStore
  readonly sessions: SessionStore
  readonly authenticator: Authenticator
  readonly limiter: KeyRateLimiter
  readonly loginThrottle: LoginThrottle
  readonly now: () => number
  private localTokenHash?: string

  constructor(private readonly store: ControlStore, logger: Logger, private readonly init: AuthServiceInit) {
    const log = logger.child({ component: 'auth' })
    this.mode = init.mode
    this.now = init.now ?? Date.now
    this.users = new ControlUserStore(store, log)
    this.keys = new ControlKeyStore(store, log)
    this.settings = new ControlSettingsStore(store)
    this.sessions = new MemorySessionStore({ now: this.now, ...init.sessions })
    this.limiter = new KeyRateLimiter(this.now)
    this.loginThrottle = new LoginThrottle({ now: this.now, ...init.loginThrottle })
    this.authenticator = new Authenticator({
      users: this.users,
      keys: this.keys,
      sessions: this.sessions,
      mode: init.mode,
      internalSecret: init.internalSecret,
      localTokenHash: () => this.localTokenHash,
      now: this.now
    })
  }

  /** Accepts `token` as this node's local admin credential (only its hash is kept). */
  setLocalToken(token: string | undefined): void {
    this.localTokenHash = token === undefined ? undefined : sha256Hex(token)
  }

  /** Hashes a password with this service's scrypt parameters. */
  hashPassword(password: string): Promise<string> {
    return hashPassword(password, this.init.scrypt ?? SCRYPT_PARAMS)
  }

  /** Calls `listener` after any change to the control data (local or merged from a peer). */
  onChange(listener: ChangeListener): () => void {
    return this.store.onChange(listener)
  }

  /**
   * Re-checks the caller of an inference request a peer forwarded here: the peer authenticated it,
   * but a key revoked or a user deleted anywhere must fail here too. Throws 401/403 errors.
   */
  verifyForwardedInference(caller: ForwardCaller | undefined): void {
    if (this.mode === 'off') return
    const id = this.authenticator.fromCaller(caller ?? { kind: 'anonymous' })
    if (id.kind === 'anonymous') throw new UnauthorizedError(id.invalid)
    if (id.mustChangePassword) throw new PasswordChangeRequiredError()
    if (!id.scopes.includes('inference')) throw new ForbiddenError('This credential lacks the inference scope')
  }

  /**
   * Charges the tokens of an answer to the key's tokens/min limit once it has streamed (only for API
   * keys that have one; everything else passes through untouched).
   */
  meter(identity: Identity | null | undefined, served: Served): Served {
    if (identity?.kind !== 'api-key' || identity.via !== 'bearer' || identity.id === undefined) return served
    const limit = this.keys.get(identity.id)?.rateLimit
    if (limit?.tokensPerMinute === undefined) return served
    const id = identity.id
    const body = tapUsage(served.result.body, (tokens) => {
      const local = served.usage ? served.usage.promptTokens + served.usage.completionTokens : undefined
      this.limiter.charge(id, limit, tokens ?? local ?? 0)
    })
    return { ...served, result: { ...served.result, body } }
  }
}
