/**
 * The auth part of the `llmlb serve` start banner: the dashboard address, the generated admin
 * password and the initial API key (each only on the start that created it), or the loud warning of
 * `--auth off`. Secrets go to the terminal (stdout) once, never to the log.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { AuthStartInfo } from '../auth/index.js'
import { FIRST_ADMIN, INITIAL_KEY_FILE } from '../auth/index.js'

/** The warning printed (stderr) when a node runs with `--auth off`. */
export const AUTH_OFF_WARNING = [
  '',
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  '!!  WARNING: authentication is OFF (--auth off / LLMLB_AUTH=off).            !!',
  '!!  Anyone who can reach this node can use every model and admin action.     !!',
  '!!  Use this for local development only; never on a shared network.          !!',
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  ''
].join('\n')

/** Banner lines about access to the node. */
export function authBannerLines(info: AuthStartInfo, url: string, dataDir: string): string[] {
  const lines = [`  dashboard:  ${url}/`]
  if (info.mode === 'off') return [...lines, '  auth:       OFF (local development only)']
  if (info.adminPassword !== undefined) {
    lines.push(`  admin:      user "${FIRST_ADMIN}", password ${info.adminPassword}   (shown once; you will be asked to change it)`)
  } else if (info.adminCreated) {
    lines.push(`  admin:      user "${FIRST_ADMIN}", password from LLMLB_ADMIN_PASSWORD`)
  }
  if (info.initialApiKey !== undefined) {
    lines.push(`  API key:    ${info.initialApiKey}   (inference + models:read; also in ${info.initialKeyFile ?? join(dataDir, INITIAL_KEY_FILE)})`)
  }
  return lines
}

/** The `-H …` part of the banner's curl example. */
export function curlAuthHeader(info: AuthStartInfo, dataDir: string): string {
  if (info.mode === 'off') return ''
  const file = join(dataDir, INITIAL_KEY_FILE)
  return existsSync(file) ? ` -H "Authorization: Bearer $(cat ${file})"` : ' -H "Authorization: Bearer $LLMLB_API_KEY"'
}
