/**
 * `llmlb service install | uninstall` as an operator runs it (the built CLI), written under a scratch
 * root instead of `/`, and the unit checked by `systemd-analyze verify` (Debian's systemd package;
 * `scripts/ensure-test-deps.mjs` installs it).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../../helpers/agent-process.js'

describe('llmlb service', () => {
  it('install writes a unit that systemd-analyze verifies and a private environment file; uninstall removes the unit', async () => {
    const root = await tempDir('llmlb-service-')
    const r = await runCli(['service', 'install', '--root', root, '--data-dir', '/var/lib/llmlb'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('systemctl daemon-reload && sudo systemctl enable --now llmlb')
    expect(r.stdout).toContain('journalctl -u llmlb -f')
    const unitPath = join(root, 'etc/systemd/system/llmlb.service')
    const unit = await readFile(unitPath, 'utf8')
    expect(unit).toContain(`ExecStart=${process.execPath} `)
    expect(unit).toContain('serve --data-dir /var/lib/llmlb')
    const envPath = join(root, 'etc/llmlb/llmlb.env')
    expect((await stat(envPath)).mode & 0o777).toBe(0o600)
    const verify = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8' })
    expect(verify.error, 'systemd-analyze is missing: apt-get install -y systemd').toBeUndefined()
    expect(verify.stderr.trim()).toBe('')
    expect(verify.status).toBe(0)
    const un = await runCli(['service', 'uninstall', '--root', root])
    expect(un.code).toBe(0)
    expect(existsSync(unitPath)).toBe(false)
    expect(existsSync(envPath)).toBe(true)
  })

  it('install --user writes a user unit under the home folder and keeps an existing environment file', async () => {
    const root = await tempDir('llmlb-service-')
    expect((await runCli(['service', 'install', '--user', '--root', root])).code).toBe(0)
    const unitPath = join(root, homedir(), '.config/systemd/user/llmlb.service')
    const unit = await readFile(unitPath, 'utf8')
    expect(unit).toContain('WantedBy=default.target')
    expect(unit).not.toContain('User=')
    const envPath = join(root, homedir(), '.config/llmlb/llmlb.env')
    await writeFile(envPath, 'LLMLB_CLUSTER_KEY=keep-me\n')
    expect((await runCli(['service', 'install', '--user', '--root', root])).code).toBe(0)
    expect(await readFile(envPath, 'utf8')).toBe('LLMLB_CLUSTER_KEY=keep-me\n')
    // user units are checked in system mode: a container has no user manager to ask
    const verify = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8' })
    expect(verify.status).toBe(0)
  })
})
