/**
 * Resolves a pull source against a Hugging Face hub (huggingface.co or HF_ENDPOINT) with
 * @huggingface/hub: the model info pins the revision to a commit, the tree listing gives every file's
 * size and LFS SHA-256. Hub errors become typed errors with messages a user can act on.
 */
import { listFiles, modelInfo } from '@huggingface/hub'
import { chooseFiles, type FileChoice, type RepoFile } from './quant-choice.js'
import { isSafeRepoPath, type HubSource } from './hub-source.js'
import { HubAccessError, HubNotFoundError, HubUnavailableError } from '../model-errors.js'
import { InvalidRequestError } from '../../errors/errors.js'
import { OutboundBlockedError } from '../../net/index.js'

/** Where the hub is and how to authenticate. */
export interface HubConfig {
  /** Base URL (HF_ENDPOINT) @default 'https://huggingface.co' */
  endpoint: string
  /** HF_TOKEN, sent as a bearer token to the hub (never to the CDN it redirects to). */
  token?: string
}

/** The default hub. */
export const HF_DEFAULT_ENDPOINT = 'https://huggingface.co'

/** A resolved pull: repo pinned to a commit and the files to download. */
export interface HubPlan extends FileChoice {
  repo: string
  /** Commit sha the revision pointed at. */
  revision: string
}

function hubError(err: unknown, endpoint: string, what: string, repo: string): Error {
  // the outbound policy's refusal says which address and why (undici's fetch carries it as the cause)
  const cause = (err as { cause?: unknown }).cause
  if (cause instanceof OutboundBlockedError) return cause
  const status = (err as { statusCode?: unknown }).statusCode
  if (status === 401 || status === 403) return new HubAccessError(repo, status)
  if (status === 404) return new HubNotFoundError(what)
  return new HubUnavailableError(endpoint, typeof status === 'number' ? `status ${status}` : (err as Error).message, err)
}

/** Resolves `source` to a plan (through `fetch` when given). Throws HubAccessError, HubNotFoundError, HubUnavailableError, InvalidRequestError. */
export async function resolvePlan(source: HubSource, hub: HubConfig, quant?: string, fetch?: typeof globalThis.fetch): Promise<HubPlan> {
  // `fetch`: the node's outbound client (net/), so the hub's API calls obey the same address policy
  const creds = { ...(hub.token ? { accessToken: hub.token } : {}), ...(fetch ? { fetch } : {}) }
  let sha: string | undefined
  try {
    const info = await modelInfo({ name: source.repo, revision: source.revision, hubUrl: hub.endpoint, additionalFields: ['sha'], ...creds })
    sha = typeof info.sha === 'string' ? info.sha : undefined
  } catch (err) {
    throw hubError(err, hub.endpoint, `model ${source.repo}${source.revision === 'main' ? '' : ` at ${source.revision}`}`, source.repo)
  }
  const revision = sha ?? source.revision
  const files: RepoFile[] = []
  try {
    for await (const e of listFiles({ repo: { type: 'model', name: source.repo }, revision, recursive: true, hubUrl: hub.endpoint, ...creds })) {
      // a path that would leave the repo's folder is never downloaded
      if (e.type === 'file' && isSafeRepoPath(e.path)) files.push({ path: e.path, size: e.lfs?.size ?? e.size, ...(e.lfs ? { sha256: e.lfs.oid } : {}) })
    }
  } catch (err) {
    throw hubError(err, hub.endpoint, `file list for ${source.repo}`, source.repo)
  }
  const choice = chooseFiles(source.repo, files, { file: source.file, quant: quant ?? source.quant })
  if ('error' in choice) throw new InvalidRequestError(choice.error, 'source')
  const unhashed = [...choice.files, ...(choice.mmproj ? [choice.mmproj] : [])].find((f) => !f.sha256)
  if (unhashed) throw new HubUnavailableError(hub.endpoint, `${unhashed.path} has no LFS SHA-256 in the listing; it cannot be verified`)
  return { ...choice, repo: source.repo, revision }
}

/** The `resolve/` URL of a file at a commit (the hub answers with a redirect to its CDN). */
export function resolveUrl(hub: HubConfig, repo: string, revision: string, path: string): string {
  return `${hub.endpoint.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`
}
