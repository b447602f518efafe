/**
 * Where the catalog's entries come from on a node: the built-in list, `<data-dir>/catalog.json`, and
 * the replicated settings (`catalog.<id>`, written by the admin API). Invalid entries are logged and
 * skipped, never used.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { SettingsStore } from '../auth/stores.js'
import { BUILTIN_CATALOG, Catalog, parseEntries, type CatalogEntry } from './catalog.js'

/** File in the data dir that extends the catalog on this node. */
export const CATALOG_FILE = 'catalog.json'
/** Prefix of the catalog's entries among the replicated settings. */
export const CATALOG_SETTING_PREFIX = 'catalog.'

/** Builds the node's catalog; the settings are read at each use (they change through replication). */
export async function loadCatalog(dataDir: string, settings: SettingsStore | undefined, logger: Logger): Promise<Catalog> {
  const builtin = parseEntries([...BUILTIN_CATALOG]).entries
  let fromFile: CatalogEntry[] = []
  const text = await readFile(join(dataDir, CATALOG_FILE), 'utf8').catch(() => undefined)
  if (text !== undefined) {
    try {
      const raw: unknown = JSON.parse(text)
      const r = parseEntries(Array.isArray(raw) ? raw : [])
      fromFile = r.entries
      for (const bad of r.invalid) logger.warn({ file: CATALOG_FILE, ...bad }, 'catalog entry ignored')
      if (!Array.isArray(raw)) logger.warn({ file: CATALOG_FILE }, 'catalog file ignored: not a JSON array')
    } catch (err) {
      logger.warn({ file: CATALOG_FILE, err: (err as Error).message }, 'catalog file ignored: not JSON')
    }
  }
  const fromSettings = (): CatalogEntry[] => {
    if (!settings) return []
    const all = settings.list()
    const values = Object.entries(all).filter(([k]) => k.startsWith(CATALOG_SETTING_PREFIX)).map(([, v]) => v)
    return parseEntries(values).entries
  }
  return new Catalog([() => builtin, () => fromFile, fromSettings])
}
