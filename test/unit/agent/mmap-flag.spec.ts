import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { flagsToConfig } from '../../../agent/src/cli/serve.js'
import { CONFIG_FILE_NAME, loadConfig } from '../../../agent/src/config/index.js'

describe('--no-mmap', () => {
  it('reaches the config as runtime.mmap false; without it the files are mapped, unless the config file says otherwise', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'llmlb-mmap-flag-'))
    try {
      // commander sets mmap: true when --no-mmap is absent
      expect(loadConfig(flagsToConfig({ dataDir, mmap: true }), {}).runtime.mmap).toBe(true)
      expect(loadConfig(flagsToConfig({ dataDir, mmap: false }), {}).runtime.mmap).toBe(false)
      await writeFile(join(dataDir, CONFIG_FILE_NAME), JSON.stringify({ runtime: { mmap: false } }))
      expect(loadConfig(flagsToConfig({ dataDir, mmap: true }), {}).runtime.mmap).toBe(false)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
