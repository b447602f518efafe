import { describe, expect, it } from 'vitest'
import { envFileTemplate, systemdUnit } from '../../../agent/src/cli/systemd-unit.js'

const base = { nodePath: '/usr/bin/node', cliPath: '/opt/llmlb/bin/llmlb.js', dataDir: '/var/lib/llmlb', envFile: '/etc/llmlb/llmlb.env' }

describe('systemd unit', () => {
  it('a system unit waits for the network, runs as the account, restarts on failure, keeps its data dir', () => {
    const u = systemdUnit({ ...base, user: false, runAs: 'gpu' })
    expect(u).toContain('After=network-online.target')
    expect(u).toContain('Wants=network-online.target')
    expect(u).toContain('User=gpu')
    expect(u).toContain('StateDirectory=llmlb')
    expect(u).toContain('EnvironmentFile=-/etc/llmlb/llmlb.env')
    expect(u).toContain('ExecStart=/usr/bin/node /opt/llmlb/bin/llmlb.js serve --data-dir /var/lib/llmlb')
    expect(u).toContain('Restart=on-failure')
    expect(u).toContain('RestartPreventExitStatus=2')
    expect(u).toContain('WantedBy=multi-user.target')
  })

  it('a user unit has no User= and quotes paths with spaces', () => {
    const u = systemdUnit({ ...base, dataDir: '/home/a b/.llmlb', user: true, runAs: 'a' })
    expect(u).not.toContain('User=')
    expect(u).not.toContain('StateDirectory=')
    expect(u).toContain('--data-dir "/home/a b/.llmlb"')
    expect(u).toContain('WantedBy=default.target')
  })

  it('the environment file template sets nothing (every line a comment)', () => {
    expect(envFileTemplate().split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([])
  })
})
