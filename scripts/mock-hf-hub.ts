/**
 * A local Hugging Face hub for tests, speaking the protocol llmlb uses: model info
 * (`/api/models/:repo/revision/:rev`), the tree listing with LFS SHA-256
 * (`/api/models/:repo/tree/:rev?recursive=true`), and `/:repo/resolve/:rev/:path`, answered with a
 * 302 to a separate "CDN" server and the `x-linked-etag`/`x-linked-size`/`x-repo-commit` headers.
 * The CDN serves `Range` requests, can be throttled (so a download can be killed half way) and can
 * corrupt a byte. Gated repos answer 401 without a token and 403 with a wrong one.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface MockRepo {
  /** `org/name`. */
  repo: string
  /** Path inside the repo → content. */
  files: Record<string, Buffer>
  /** Only this bearer token may read the repo. */
  gatedToken?: string
}

/** One request the CDN served. */
export interface CdnHit {
  sha256: string
  /** First byte asked for (0 without Range). */
  start: number
  /** Bytes written (so far, for a request still in progress). */
  bytes: number
  /** The request carried an Authorization header (a client must not send the hub token to the CDN). */
  authorization: boolean
}

export interface MockHub {
  /** HF_ENDPOINT for the agents. */
  endpoint: string
  cdnUrl: string
  hits: CdnHit[]
  /** Bytes per second the CDN writes (0: unthrottled). */
  setThrottle(bytesPerSecond: number): void
  /** Flip one byte of this file on the way out (the listing keeps the true hash). */
  corrupt(sha256: string): void
  sha256Of(repo: string, path: string): string
  close(): Promise<void>
}

const COMMIT = 'a'.repeat(40)
/**
 * SHA-256 of a file, computed once per buffer: a real hub stores the LFS oid, and hashing a
 * 455 MB file on every tree or resolve request would stall this server for seconds (the bench's
 * client would measure the mock, not itself).
 */
const hashes = new WeakMap<Buffer, string>()
const sha = (b: Buffer): string => {
  let h = hashes.get(b)
  if (h === undefined) {
    h = createHash('sha256').update(b).digest('hex')
    hashes.set(b, h)
  }
  return h
}
const CHUNK = 16 * 1024

function listen(server: Server): Promise<string> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...extra })
  res.end(JSON.stringify(body))
}

export async function startMockHub(repos: MockRepo[]): Promise<MockHub> {
  const byRepo = new Map(repos.map((r) => [r.repo, r]))
  const blobs = new Map<string, Buffer>()
  for (const r of repos) for (const b of Object.values(r.files)) blobs.set(sha(b), b)
  const hits: CdnHit[] = []
  const corrupted = new Set<string>()
  let throttle = 0

  const cdn = createServer((req, res) => {
    const m = /^\/blobs\/([0-9a-f]{64})$/.exec(req.url?.split('?')[0] ?? '')
    const blob = m?.[1] ? blobs.get(m[1]) : undefined
    if (!m?.[1] || !blob) return json(res, 404, { error: 'no such blob' })
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    const start = range ? Number(range[1]) : 0
    if (start >= blob.length) {
      res.writeHead(416, { 'content-range': `bytes */${blob.length}` })
      return res.end()
    }
    const hit: CdnHit = { sha256: m[1], start, bytes: 0, authorization: req.headers.authorization !== undefined }
    hits.push(hit)
    // a view of the stored file; copied only when a byte is to be corrupted
    let body = blob.subarray(start)
    if (corrupted.has(m[1]) && body.length > 0) {
      body = Buffer.from(body)
      const mid = Math.floor(body.length / 2)
      body[mid] = (body[mid] ?? 0) ^ 0xff
    }
    res.writeHead(range ? 206 : 200, {
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      ...(range ? { 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}` } : {})
    })
    if (req.method === 'HEAD') return res.end()
    let off = 0
    const next = (): void => {
      if (res.destroyed) return
      if (off >= body.length) return void res.end()
      const n = throttle > 0 ? Math.min(CHUNK, body.length - off) : body.length - off
      const piece = body.subarray(off, off + n)
      off += n
      hit.bytes += n
      const ok = res.write(piece)
      const go = throttle > 0 ? () => setTimeout(next, (n / throttle) * 1000) : next
      if (ok) go()
      else res.once('drain', go)
    }
    next()
  })
  const cdnUrl = await listen(cdn)

  const authorized = (req: IncomingMessage, r: MockRepo): number => {
    if (!r.gatedToken) return 200
    const auth = req.headers.authorization
    if (!auth) return 401
    return auth === `Bearer ${r.gatedToken}` ? 200 : 403
  }
  const hub = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const p = decodeURIComponent(url.pathname)
    const info = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(p)
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(p)
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(p)
    const repoName = (info ?? tree ?? resolve)?.[1]
    const r = repoName ? byRepo.get(repoName) : undefined
    if (!repoName) return json(res, 404, { error: 'Not Found' })
    if (!r) return json(res, 401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' })
    const auth = authorized(req, r)
    if (auth !== 200) return json(res, auth, { error: auth === 401 ? `Access to model ${r.repo} is restricted. You must have access to it and be authenticated to access it.` : `Access to model ${r.repo} is restricted and you are not in the authorized list.` }, { 'x-error-code': 'GatedRepo' })
    if (info) {
      return json(res, 200, {
        _id: `id-${r.repo}`,
        id: r.repo,
        sha: COMMIT,
        private: false,
        gated: r.gatedToken ? 'manual' : false,
        downloads: 0,
        likes: 0,
        lastModified: '2026-01-01T00:00:00.000Z',
        pipeline_tag: 'text-generation',
        siblings: Object.keys(r.files).map((rfilename) => ({ rfilename }))
      })
    }
    if (tree) {
      const entries = Object.entries(r.files).map(([path, b]) => ({
        type: 'file',
        oid: sha(Buffer.from(`git-${path}`)).slice(0, 40),
        size: b.length,
        path,
        lfs: { oid: sha(b), size: b.length, pointerSize: 134 }
      }))
      return json(res, 200, entries)
    }
    const file = resolve?.[3] ? r.files[resolve[3]] : undefined
    if (!file) return json(res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' })
    res.writeHead(302, {
      location: `${cdnUrl}/blobs/${sha(file)}?X-Amz-Signature=mock`,
      'x-linked-etag': `"${sha(file)}"`,
      'x-linked-size': String(file.length),
      'x-repo-commit': COMMIT,
      etag: `"${sha(Buffer.from(resolve?.[3] ?? ''))}"`
    })
    res.end()
  })
  const endpoint = await listen(hub)
  return {
    endpoint,
    cdnUrl,
    hits,
    setThrottle: (b) => {
      throttle = b
    },
    corrupt: (s) => corrupted.add(s),
    sha256Of: (repo, path) => {
      const b = byRepo.get(repo)?.files[path]
      if (!b) throw new Error(`no ${repo}/${path}`)
      return sha(b)
    },
    close: async () => {
      for (const s of [hub, cdn]) {
        s.closeAllConnections()
        await new Promise((r) => s.close(r))
      }
    }
  }
}
