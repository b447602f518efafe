/** User management (scope `users:manage`, i.e. admins): GET/POST /api/users, PATCH/DELETE /api/users/:id. */
import type { FastifyInstance } from 'fastify'
import type { AuthService } from '../../auth/auth-service.js'
import { CreateUserBodySchema, UpdateUserBodySchema, publicUser } from '../../auth/account-schemas.js'
import { createUser, deleteUser, updateUser } from '../../auth/accounts.js'
import { parseBody } from '../schemas/parse-body.js'

export interface UserRouteDeps {
  auth: AuthService
}

const access = { scope: 'users:manage' } as const

export async function userRoutes(app: FastifyInstance, deps: UserRouteDeps): Promise<void> {
  const { auth } = deps

  app.get('/api/users', { config: { access, openapi: { summary: 'List dashboard users' } } }, async () => ({ object: 'list', data: auth.users.list().map(publicUser) }))

  app.post('/api/users', { config: { access, openapi: { summary: 'Create a dashboard user', body: CreateUserBodySchema } } }, async (request, reply) => {
    const body = parseBody(CreateUserBodySchema, request.body)
    const { user, password } = await createUser(auth, body)
    request.log.info({ user: user.username, role: user.role, by: request.identity?.name }, 'user created')
    // a generated password is shown this once; it is never stored or logged
    return reply.status(201).send({ ...publicUser(user), ...(password === undefined ? {} : { password }) })
  })

  app.patch<{ Params: { id: string } }>('/api/users/:id', { config: { access, openapi: { summary: "Change a user's role or password", body: UpdateUserBodySchema } } }, async (request) => {
    const body = parseBody(UpdateUserBodySchema, request.body)
    const user = await updateUser(auth, request.params.id, body)
    request.log.info({ user: user.username, role: user.role, passwordReset: body.password !== undefined, by: request.identity?.name }, 'user updated')
    return publicUser(user)
  })

  app.delete<{ Params: { id: string } }>('/api/users/:id', { config: { access, openapi: { summary: 'Delete a user (ends their sessions)' } } }, async (request, reply) => {
    await deleteUser(auth, request.params.id)
    request.log.info({ user: request.params.id, by: request.identity?.name }, 'user deleted')
    return reply.status(204).send()
  })
}
