/**
 * The systemd unit and environment file `llmlb service install` writes. Pure: paths and settings in,
 * file texts out (unit-tested and checked with `systemd-analyze verify`).
 */

export interface UnitSettings {
  /** Absolute path of node (the unit must not depend on PATH). */
  nodePath: string
  /** Absolute path of the `llmlb` bin script. */
  cliPath: string
  dataDir: string
  envFile: string
  /** `--user`: a user unit (no User=, WantedBy default.target). */
  user: boolean
  /** The account a system unit runs as. */
  runAs?: string
}

/** Unit name. */
export const SERVICE_NAME = 'llmlb.service'

const quote = (s: string): string => (/[\s"'\\]/.test(s) ? `"${s.replace(/(["\\])/g, '\\$1')}"` : s)

/** The unit file text. */
export function systemdUnit(s: UnitSettings): string {
  return [
    '[Unit]',
    'Description=llmlb node: LLM inference mesh (OpenAI-compatible API, dashboard)',
    // the mesh and LAN discovery need an address: wait for the network to be up, not just configured
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    ...(s.user || !s.runAs ? [] : [`User=${s.runAs}`]),
    // systemd creates /var/lib/<name> owned by User= (the installing account may not write /var/lib)
    ...(!s.user && s.dataDir.startsWith('/var/lib/') ? [`StateDirectory=${s.dataDir.slice('/var/lib/'.length)}`] : []),
    `EnvironmentFile=-${s.envFile}`,
    `ExecStart=${quote(s.nodePath)} ${quote(s.cliPath)} serve --data-dir ${quote(s.dataDir)}`,
    // SIGTERM drains (announce leave, finish in-flight work); the agent's own drain deadline is shorter
    'KillSignal=SIGTERM',
    'TimeoutStopSec=60',
    'Restart=on-failure',
    'RestartSec=5',
    // exit 2 is a configuration error: restarting would fail the same way
    'RestartPreventExitStatus=2',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    `WantedBy=${s.user ? 'default.target' : 'multi-user.target'}`,
    ''
  ].join('\n')
}

/** The environment file's first text: every setting commented out, for the operator to fill in. */
export function envFileTemplate(): string {
  return [
    '# llmlb settings for the systemd unit (KEY=value; this file is readable by its owner only).',
    '# Flags and <data-dir>/config.json work too; see `llmlb serve --help`.',
    '#LLMLB_NAME=gpu-box-1',
    '#LLMLB_PORT=32768',
    '#LLMLB_CLUSTER_KEY=<64 hex chars, the same on every node>',
    '#LLMLB_PEERS=10.0.0.5:32769',
    '#LLMLB_ADMIN_PASSWORD=',
    '#HF_TOKEN=hf_…',
    '#HF_ENDPOINT=https://huggingface.co',
    ''
  ].join('\n')
}
