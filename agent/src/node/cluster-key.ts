/**
 * Where the cluster key comes from: `--cluster-key` (hex or pnet text), `--cluster-key-file`, or
 * `<data-dir>/cluster.key`, which the first start creates. Only nodes with the same key can connect.
 */
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateClusterKey, parseClusterKey } from '../../../mesh/src/index.js'

/** Name of the generated key file inside the data dir. */
export const CLUSTER_KEY_FILE = 'cluster.key'

export interface ResolvedClusterKey {
  /** pnet key text, as libp2p wants it. */
  key: Uint8Array
  /** The 64 hex chars a user passes to `--cluster-key` on another box. */
  hex: string
  /** Where it came from. */
  source: 'flag' | 'file' | 'data-dir' | 'generated'
  path?: string
}

export async function resolveClusterKey(opts: { clusterKey?: string; clusterKeyFile?: string; dataDir: string }): Promise<ResolvedClusterKey> {
  if (opts.clusterKey) return { ...parseClusterKey(opts.clusterKey), source: 'flag' }
  if (opts.clusterKeyFile) return { ...parseClusterKey(await readFile(opts.clusterKeyFile, 'utf8')), source: 'file', path: opts.clusterKeyFile }
  const path = join(opts.dataDir, CLUSTER_KEY_FILE)
  if (existsSync(path)) return { ...parseClusterKey(await readFile(path, 'utf8')), source: 'data-dir', path }
  const text = generateClusterKey()
  await writeFile(path, text, { mode: 0o600, flag: 'wx' })
  return { ...parseClusterKey(text), source: 'generated', path }
}
