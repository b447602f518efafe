/**
 * Serves the dashboard (ui/dist, built by `npm run build:ui`) from every node at `/`.
 *
 * - Files under `/assets/` carry a content hash in their names: cached for a year, immutable.
 *   Everything else (index.html, favicon) is `no-cache`, so a rebuilt dashboard shows at once.
 * - Any other GET that accepts text/html gets index.html (the SPA's own router takes over), except
 *   under `/v1/`, `/api/`, `/health`, `/ready`, `/metrics`: those, and non-HTML requests, fall through
 *   to the app's not-found handler and keep their JSON 404.
 * - Without a build, `/` (and any HTML navigation) answers a short text page saying how to build.
 *
 * Register it last, after every API route: it owns the `/*` wildcard. It must stay public (no auth
 * hook): the files hold no data, and the Login page has to load before there is a session.
 */
import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export interface DashboardRouteOptions {
  /** Absolute path of the built dashboard (usually `findDashboardDist()`). */
  root: string
}

/** Cache-Control of content-hashed assets. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable'
/** Cache-Control of everything else (revalidated with ETag / Last-Modified). */
export const DOCUMENT_CACHE_CONTROL = 'no-cache'

/** Paths that belong to the API; never answered with the dashboard. */
const API_PREFIXES = ['/v1/', '/api/']
const API_EXACT = new Set(['/v1', '/api', '/health', '/ready', '/metrics'])

/** The text `/` answers when ui/dist has not been built. */
export const NOT_BUILT_TEXT =
  'The llmlb dashboard has not been built on this node.\n\nRun `npm run build` (or `npm run build:ui`) in the llmlb folder, then reload this page.\nThe API works without it: /v1/models, /api/nodes, /health.\n'

/**
 * Where ui/dist is: walks up from this module (dist/agent/src/http/routes when compiled,
 * agent/src/http/routes from sources) to the folder holding package.json and ui/.
 */
export function findDashboardDist(moduleUrl: string = import.meta.url): string {
  const start = dirname(fileURLToPath(moduleUrl))
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'ui'))) return join(dir, 'ui', 'dist')
    if (dirname(dir) === dir) break
  }
  return resolve(start, '..', '..', '..', '..', 'ui', 'dist')
}

export function isApiPath(pathname: string): boolean {
  return API_EXACT.has(pathname) || API_PREFIXES.some((p) => pathname.startsWith(p))
}

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html')
}

/** The file under `root` a URL path names, or undefined (missing, a folder, or outside root). */
function fileFor(root: string, pathname: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.split('/').some((s) => s === '..')) return undefined
  const full = resolve(root, `.${decoded}`)
  if (full !== root && !full.startsWith(root + sep)) return undefined
  try {
    return statSync(full).isFile() ? full.slice(root.length + 1).split(sep).join('/') : undefined
  } catch {
    return undefined
  }
}

export async function dashboardRoutes(app: FastifyInstance, opts: DashboardRouteOptions): Promise<void> {
  const root = resolve(opts.root)
  // reply.sendFile may already be decorated by another @fastify/static; the root is passed per call
  if (!app.hasReplyDecorator('sendFile')) await app.register(fastifyStatic, { serve: false })

  const send = (reply: FastifyReply, file: string): FastifyReply => {
    reply.header('cache-control', file.startsWith('assets/') ? ASSET_CACHE_CONTROL : DOCUMENT_CACHE_CONTROL)
    reply.header('x-content-type-options', 'nosniff')
    return reply.sendFile(file, root, { cacheControl: false })
  }

  // falls through to the app's not-found handler: its JSON 404 stays the answer for API paths
  const notFound = (reply: FastifyReply): FastifyReply => {
    reply.callNotFound()
    return reply
  }

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const pathname = request.url.split('?')[0] ?? '/'
    if (isApiPath(pathname)) return notFound(reply)
    const wantsPage = pathname === '/' || acceptsHtml(request)
    if (!existsSync(join(root, 'index.html'))) {
      if (!wantsPage) return notFound(reply)
      return reply.header('cache-control', DOCUMENT_CACHE_CONTROL).type('text/plain; charset=utf-8').send(NOT_BUILT_TEXT)
    }
    const file = pathname === '/' ? undefined : fileFor(root, pathname)
    if (file) return send(reply, file)
    if (wantsPage) return send(reply, 'index.html')
    return notFound(reply)
  }

  app.get('/', { config: { access: 'public', openapi: { summary: 'The dashboard' } } }, handler)
  app.get('/*', { config: { access: 'public', openapi: { summary: "The dashboard's files and pages", hidden: true } } }, handler)
}
