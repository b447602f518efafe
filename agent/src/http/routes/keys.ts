/** API key management (scope `keys:manage`): GET/POST /api/keys, DELETE /api/keys/:id (id or unique name). */
import type { FastifyInstance } from 'fastify'
import type { AuthService } from '../../auth/auth-service.js'
import { CreateKeyBodySchema, publicKey } from '../../auth/account-schemas.js'
import { createKey, revokeKey } from '../../auth/accounts.js'
import { ANONYMOUS } from '../../auth/identity.js'
import { parseBody } from '../schemas/parse-body.js'

export interface KeyRouteDeps {
  auth: AuthService
}

const access = { scope: 'keys:manage' } as const

export async function keyRoutes(app: FastifyInstance, deps: KeyRouteDeps): Promise<void> {
  const { auth } = deps

  app.get('/api/keys', { config: { access, openapi: { summary: 'List API keys (never the keys themselves)' } } }, async () => ({ object: 'list', data: auth.keys.list().map((k) => publicKey(k, auth.now())) }))

  app.post('/api/keys', { config: { access, openapi: { summary: 'Create an API key (shown once)', body: CreateKeyBodySchema } } }, async (request, reply) => {
    const body = parseBody(CreateKeyBodySchema, request.body)
    const { record, key } = await createKey(auth, request.identity ?? ANONYMOUS, body)
    request.log.info({ keyId: record.id, name: record.name, scopes: record.scopes, by: request.identity?.name }, 'API key created')
    // the key is in this answer only: it is stored as a hash and never logged
    return reply.status(201).send({ ...publicKey(record, auth.now()), key })
  })

  app.delete<{ Params: { id: string } }>('/api/keys/:id', { config: { access, openapi: { summary: 'Revoke an API key' } } }, async (request, reply) => {
    const rec = await revokeKey(auth, request.params.id)
    request.log.info({ keyId: rec.id, name: rec.name, by: request.identity?.name }, 'API key revoked')
    return reply.status(204).send()
  })
}
