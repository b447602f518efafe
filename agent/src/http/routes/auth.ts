/**
 * Dashboard sign-in: POST /api/auth/login (public, throttled), POST /api/auth/logout, GET /api/auth/me,
 * POST /api/auth/password, GET /api/auth/scopes. The session token travels only in an HttpOnly,
 * SameSite=Strict cookie; the CSRF token the dashboard must echo as `x-csrf-token` on writes comes in
 * the JSON body of login and me.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuthService } from '../../auth/auth-service.js'
import { AuthDisabledError, UnauthorizedError } from '../../auth/auth-errors.js'
import { SESSION_COOKIE } from '../../auth/auth-hooks.js'
import { LoginBodySchema, PasswordBodySchema, publicUser } from '../../auth/account-schemas.js'
import { changeOwnPassword, login } from '../../auth/accounts.js'
import { ROLE_SCOPES, SCOPES } from '../../auth/scopes.js'
import type { UserRecord } from '../../auth/records.js'
import { parseBody } from '../schemas/parse-body.js'

export interface AuthRouteDeps {
  auth: AuthService
}

const sessionBody = (user: UserRecord, csrfToken: string): Record<string, unknown> => ({ user: publicUser(user), csrfToken })

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: number, now: number): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: request.protocol === 'https',
    maxAge: Math.max(1, Math.floor((expiresAt - now) / 1000))
  })
}

export async function authRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const { auth } = deps
  const ensureOn = (): void => {
    if (auth.mode === 'off') throw new AuthDisabledError()
  }
  const currentUser = (request: FastifyRequest): UserRecord => {
    const u = request.identity?.id === undefined ? undefined : auth.users.byId(request.identity.id)
    if (!u) throw new UnauthorizedError()
    return u
  }

  app.post('/api/auth/login', { config: { access: 'public', openapi: { summary: 'Sign in to the dashboard (session cookie and CSRF token)', body: LoginBodySchema } } }, async (request, reply) => {
    ensureOn()
    const body = parseBody(LoginBodySchema, request.body)
    const { token, session, user } = await login(auth, body.username, body.password, request.ip)
    request.log.info({ user: user.username }, 'signed in')
    setSessionCookie(request, reply, token, session.expiresAt, auth.now())
    return sessionBody(user, session.csrfToken)
  })

  app.post('/api/auth/logout', { config: { access: { role: 'viewer', pendingPassword: true }, openapi: { summary: 'End the dashboard session' } } }, async (request, reply) => {
    ensureOn()
    if (request.sessionToken) auth.sessions.delete(request.sessionToken)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.status(204).send()
  })

  app.get('/api/auth/me', { config: { access: { role: 'viewer', pendingPassword: true }, openapi: { summary: 'The signed-in user' } } }, async (request) => {
    ensureOn()
    const session = request.sessionToken ? auth.sessions.get(request.sessionToken) : undefined
    return sessionBody(currentUser(request), session?.csrfToken ?? '')
  })

  app.post('/api/auth/password', { config: { access: { role: 'viewer', pendingPassword: true }, openapi: { summary: 'Change your password', body: PasswordBodySchema } } }, async (request) => {
    ensureOn()
    const body = parseBody(PasswordBodySchema, request.body)
    const user = await changeOwnPassword(auth, request.identity ?? { kind: 'anonymous', via: 'none', scopes: [] }, request.sessionToken, body.currentPassword, body.newPassword)
    request.log.info({ user: user.username }, 'password changed')
    const session = request.sessionToken ? auth.sessions.get(request.sessionToken) : undefined
    return sessionBody(user, session?.csrfToken ?? '')
  })

  app.get('/api/auth/scopes', { config: { access: { role: 'viewer', pendingPassword: true }, openapi: { summary: 'The scopes of API keys and of each role' } } }, async () => ({ scopes: SCOPES, roles: ROLE_SCOPES }))
}
