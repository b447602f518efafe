/**
 * The `llmlb` command line. `serve` runs a node; the other verbs talk to a running node found
 * through its data dir's lock file (or `--url`).
 */
import { Command, Option } from 'commander'
import { serveCommand } from './serve.js'
import { statusCommand, stopCommand, peersCommand } from './control.js'
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './keys.js'
import { LLMLB_VERSION } from '../node/local-state.js'

const program = new Command()
program.name('llmlb').description('llmlb: every GPU box on the network becomes one OpenAI-compatible LLM cluster').version(LLMLB_VERSION)

const collect = (v: string, prev: string[] = []): string[] => [...prev, v]

program
  .command('serve')
  .description('run a node: the native runtime, the mesh and the HTTP API')
  .option('--port <port>', 'HTTP port (default 32768)')
  .option('--host <host>', 'HTTP listen address (default 0.0.0.0)')
  .option('--data-dir <dir>', 'data directory (default ~/.llmlb)')
  .option('--name <name>', 'node name (default: host name)')
  .option('--model <path.gguf>', 'serve this GGUF (repeatable)', collect)
  .option('--models-dir <dir>', 'serve every *.gguf in this folder (default <data-dir>/models)')
  .option('--demo', 'generate and serve a tiny demo model (no download)')
  .option('--mesh-port <port>', 'libp2p TCP port (default 32769)')
  .option('--peer <host:port|multiaddr>', 'bootstrap peer (repeatable)', collect)
  .option('--cluster-key <key>', 'cluster key (64 hex chars or pnet key text)')
  .option('--cluster-key-file <file>', 'file holding the cluster key')
  .option('--no-mdns', 'do not discover peers on the LAN')
  .addOption(new Option('--auth <mode>', 'API authentication (off: local development only)').choices(['on', 'off']))
  .option('--slots <n>', 'parallel requests per model (default 4)')
  .option('--threads <n>', 'CPU threads per model')
  .option('--ctx-size <tokens>', 'context per slot (default 2048)')
  .addOption(new Option('--profile <profile>').choices(['default', 'test']).hideHelp())
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace')
  .option('--cors-origins <list>', 'origins whose browser pages may call the API, comma-separated, * for any (default: none)')
  .addOption(new Option('--log-format <format>', 'stdout log lines: readable in a terminal, JSON otherwise (default auto; log files are JSON)').choices(['auto', 'json', 'pretty']))
  .action(serveCommand)

const withTarget = (c: Command): Command =>
  c
    .option('--data-dir <dir>', 'data directory of the node (default ~/.llmlb)')
    .option('--url <url>', 'address of a node instead')
    .option('--api-key <key>', 'credential for --url (default $LLMLB_API_KEY)')

withTarget(program.command('status').description('show whether the node of a data dir is running and what it serves')).action(statusCommand)
program.command('stop').description('stop the node of a data dir').option('--data-dir <dir>', 'data directory (default ~/.llmlb)').action(stopCommand)
withTarget(program.command('peers').description('list the nodes of the cluster as this node sees them')).option('--json', 'print JSON').action(peersCommand)

const keys = program.command('keys').description('manage API keys (shown once at creation, stored hashed, replicated to every node)')
withTarget(keys.command('create').description('create an API key and print it (only the key, on stdout)'))
  .requiredOption('--name <name>', 'name of the key (unique)')
  .requiredOption('--scopes <a,b>', 'comma-separated scopes, e.g. inference,models:read')
  .option('--expires <duration>', 'expire after e.g. 30d, 12h, 90m (default: never)')
  .option('--rpm <n>', 'requests per minute limit')
  .option('--tpm <n>', 'tokens per minute limit')
  .option('--json', 'print the key and its details as JSON')
  .action(keysCreateCommand)
withTarget(keys.command('list').description('list API keys (never the keys themselves)')).option('--json', 'print JSON').action(keysListCommand)
withTarget(keys.command('revoke').description('revoke an API key everywhere').argument('<id|name>', 'id or name of the key')).action(keysRevokeCommand)

// an unknown option or a missing argument: commander's one-line error, then that command's usage
const showUsageAfterErrors = (c: Command, path: string): void => {
  const full = path ? `${path} ${c.name()}` : c.name()
  c.showHelpAfterError(`usage: ${full} ${c.usage()}   (${full} --help for more)`)
  for (const sub of c.commands) showUsageAfterErrors(sub, full)
}
showUsageAfterErrors(program, '')

await program.parseAsync(process.argv)
