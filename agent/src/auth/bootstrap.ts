/**
 * First start of a cluster: the first admin and one API key, so a new user can sign in and point an
 * OpenAI client at any node right away — never an interactive prompt.
 *
 * Both are written as bootstrap defaults (control-plane `setDefault`): they lose to any real write and,
 * when two fresh nodes bootstrapped before they met, the older default wins everywhere. So a node that
 * joins an existing cluster can never replace the cluster's admin or mint a second initial key, even if
 * it could not reach a peer before bootstrapping (the composition root also waits for a first sync).
 */
import { chmod, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { AuthService } from './auth-service.js'
import { generatePassword } from './password-hash.js'
import { KEY_PREFIX, USER_PREFIX, type ApiKeyRecord, type UserRecord } from './records.js'
import { INITIAL_KEY_SCOPES } from './scopes.js'
import { newApiKey, newLocalToken, randomId } from './tokens.js'

/** Username of the first admin. */
export const FIRST_ADMIN = 'admin'
/** Id (and name) of the API key minted on the very first start of a cluster. */
export const INITIAL_KEY_ID = 'initial'
/** File in the data dir holding the initial API key (0600), written once. */
export const INITIAL_KEY_FILE = 'initial-api-key'
/** File in the data dir holding this run's local admin token for the CLI (0600, new at every start). */
export const LOCAL_TOKEN_FILE = 'local-admin.token'

export interface BootstrapResult {
  /** The generated admin password, when this start created the admin without LLMLB_ADMIN_PASSWORD (shown once). */
  adminPassword?: string
  /** true when this start created the first admin. */
  adminCreated: boolean
  /** The initial API key, when this start minted it (also in `initialKeyFile`). */
  initialApiKey?: string
  initialKeyFile?: string
}

/** Writes `text` to `path`, readable by the owner only (also when the file existed). */
export async function writeSecretFile(path: string, text: string): Promise<void> {
  // written aside and renamed into place: a reader sees the old file or the whole new one, never a part
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, text, { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, path)
}

/** Creates the first admin and the initial API key if the cluster has none. */
export async function bootstrapAuth(auth: AuthService, opts: { dataDir: string; adminPassword?: string; logger: Logger }): Promise<BootstrapResult> {
  const log = opts.logger
  const now = auth.now()
  const out: BootstrapResult = { adminCreated: false }
  if (auth.users.list().length === 0) {
    const password = opts.adminPassword ?? generatePassword()
    const admin: UserRecord = {
      id: randomId(),
      username: FIRST_ADMIN,
      role: 'admin',
      passwordHash: await auth.hashPassword(password),
      // a password printed to a terminal or log must not stay in use
      mustChangePassword: opts.adminPassword === undefined,
      sessionEpoch: 0,
      createdAt: now,
      updatedAt: now
    }
    out.adminCreated = await auth.users.createDefault(admin, now)
    if (out.adminCreated && opts.adminPassword === undefined) out.adminPassword = password
    if (out.adminCreated) {
      log.info({ user: FIRST_ADMIN, passwordFrom: opts.adminPassword === undefined ? 'generated' : 'LLMLB_ADMIN_PASSWORD' }, 'first admin created')
      watchAdminSuperseded(auth, admin.id, log)
    }
  } else if (opts.adminPassword !== undefined) {
    log.info('LLMLB_ADMIN_PASSWORD ignored: the cluster already has users')
  }
  if (!auth.keys.exists(INITIAL_KEY_ID) && auth.keys.list().length === 0) {
    const minted = newApiKey(INITIAL_KEY_ID)
    const record: ApiKeyRecord = {
      id: INITIAL_KEY_ID,
      name: INITIAL_KEY_ID,
      prefix: minted.prefix,
      hash: minted.hash,
      scopes: [...INITIAL_KEY_SCOPES],
      owner: { type: 'system', name: 'bootstrap' },
      createdAt: now,
      expiresAt: null
    }
    if (await auth.keys.createDefault(record, now)) {
      out.initialKeyFile = join(opts.dataDir, INITIAL_KEY_FILE)
      await writeSecretFile(out.initialKeyFile, minted.key + '\n')
      out.initialApiKey = minted.key
      log.info({ keyId: INITIAL_KEY_ID, scopes: record.scopes }, 'initial API key created')
      watchSuperseded(auth, minted.hash, out.initialKeyFile, log)
    }
  }
  return out
}

/** If an older cluster's initial key wins over ours, the file would hold a dead key: remove it and say so. */
function watchSuperseded(auth: AuthService, hash: string, file: string, log: Logger): void {
  const off = auth.onChange((entries, origin) => {
    if (origin !== 'remote' || !entries.some((e) => e.k === KEY_PREFIX + INITIAL_KEY_ID)) return
    off()
    if (auth.keys.get(INITIAL_KEY_ID)?.hash === hash) return
    log.warn({ file }, 'this node joined a cluster that already had an initial API key; the key printed at start is not valid here, use the cluster\'s')
    void rm(file, { force: true })
  })
}

/** If an older cluster's first admin wins over ours, the password printed at start is not valid: say so. */
function watchAdminSuperseded(auth: AuthService, id: string, log: Logger): void {
  const off = auth.onChange((entries, origin) => {
    if (origin !== 'remote' || !entries.some((e) => e.k === USER_PREFIX + FIRST_ADMIN)) return
    off()
    if (auth.users.byUsername(FIRST_ADMIN)?.id !== id) log.warn('this node joined a cluster that already had an admin; sign in with the cluster\'s admin password')
  })
}

/** Issues this run's local admin token: written to the data dir for the CLI, only its hash kept in memory. Returns the file. */
export async function issueLocalToken(auth: AuthService, dataDir: string): Promise<string> {
  const token = newLocalToken()
  const file = join(dataDir, LOCAL_TOKEN_FILE)
  // accepted before it is readable: whoever reads the file (the CLI, a script that saw the port open) can use it at once
  auth.setLocalToken(token)
  await writeSecretFile(file, token + '\n')
  return file
}
