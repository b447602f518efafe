/**
 * The `llmlb` command line. `serve` runs a node; the other verbs talk to a running node found
 * through its data dir's lock file (or `--url`).
 */
import { Command, Option } from 'commander'
import { LLMLB_VERSION } from '../node/local-state.js'

// commander passes each verb its own arguments, so an action takes any
type Action = (...args: any[]) => void | Promise<void>
/**
 * A verb's action, its module imported only when the verb runs: `llmlb --version`, `--help` or
 * `keys list` do not load the runtime, the mesh and the HTTP stack that `serve` needs.
 */
const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => Action): Action =>
  async (...args: unknown[]) => {
    await pick(await load())(...args)
  }
const serve = (): Promise<typeof import('./serve.js')> => import('./serve.js')
const control = (): Promise<typeof import('./control.js')> => import('./control.js')
const keysCli = (): Promise<typeof import('./keys.js')> => import('./keys.js')
const modelsCli = (): Promise<typeof import('./models.js')> => import('./models.js')
const shardsCli = (): Promise<typeof import('./shards.js')> => import('./shards.js')
const serviceCli = (): Promise<typeof import('./service.js')> => import('./service.js')
const enginesCli = (): Promise<typeof import('./engines.js')> => import('./engines.js')
const rpcCli = (): Promise<typeof import('./rpc.js')> => import('./rpc.js')
const sdCli = (): Promise<typeof import('./sd.js')> => import('./sd.js')

const program = new Command()
program.name('llmlb').description('llmlb: every GPU box on the network becomes one OpenAI-compatible LLM cluster').version(LLMLB_VERSION)

const collect = (v: string, prev: string[] = []): string[] => [...prev, v]
// a --mmproj belongs to the --model before it: commander runs the option parsers in argument order
let modelsSeen = 0
const collectModel = (v: string, prev: string[] = []): string[] => (modelsSeen++, collect(v, prev))
const collectProjector = (v: string, prev: string[] = []): string[] => collect(`${modelsSeen - 1}\t${v}`, prev)

program
  .command('serve')
  .description('run a node: the native runtime, the mesh and the HTTP API')
  .option('--port <port>', 'HTTP port (default 32768)')
  .option('--host <host>', 'HTTP listen address (default 0.0.0.0)')
  .option('--data-dir <dir>', 'data directory (default ~/.llmlb)')
  .option('--name <name>', 'node name (default: host name)')
  .option('--model <path.gguf>', 'serve this GGUF (repeatable)', collectModel)
  .option('--mmproj <path.gguf>', 'vision projector of the --model before it (default: <model>.mmproj.gguf or mmproj-<model>.gguf beside it)', collectProjector)
  .option('--image-url-allow <host[:port]>', 'let image URLs reach this loopback/private host (repeatable)', collect)
  .option('--models-dir <dir>', 'serve every *.gguf in this folder (default <data-dir>/models)')
  .option('--demo', 'generate and serve a tiny demo model (no download)')
  .option('--auto-pull', 'pull a catalog model that no node has when a request names it')
  .option('--rpc-worker', 'lend this node\'s memory to models split over several nodes (needs `llmlb rpc build`)')
  .option('--auto-shard', 'split a model over RPC workers when no single node\'s memory budget fits it')
  .option('--rpc-cache <dir>', 'where built RPC binaries are cached (default <data-dir>/rpc, or $LLMLB_RPC_CACHE)')
  .option('--mesh-port <port>', 'libp2p TCP port (default 32769)')
  .option('--peer <host:port|multiaddr>', 'bootstrap peer (repeatable)', collect)
  .option('--cluster-key <key>', 'cluster key (64 hex chars or pnet key text)')
  .option('--cluster-key-file <file>', 'file holding the cluster key')
  .option('--no-mdns', 'do not discover peers on the LAN')
  .addOption(new Option('--auth <mode>', 'API authentication (off: local development only)').choices(['on', 'off']))
  .option('--slots <n>', 'parallel requests per model (default 4)')
  .option('--threads <n>', 'CPU threads per model')
  .option('--no-mmap', 'read model weights into memory instead of mapping the files (faster decode on some VMs)')
  .option('--ctx-size <tokens>', 'context per slot (default 2048)')
  .addOption(new Option('--profile <profile>').choices(['default', 'test']).hideHelp())
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace')
  .option('--cors-origins <list>', 'origins whose browser pages may call the API, comma-separated, * for any (default: none)')
  .addOption(new Option('--log-format <format>', 'stdout log lines: readable in a terminal, JSON otherwise (default auto; log files are JSON)').choices(['auto', 'json', 'pretty']))
  .option('--engine <url[#key]>', 'front an inference engine on this box: Ollama, vLLM, llama.cpp server, LM Studio, SGLang or OpenAI-compatible (repeatable; #key: its API key)', collect)
  .option('--sd-model <file>', 'generate images natively with stable-diffusion.cpp\'s sd-server for this model (needs `llmlb sd build` or --sd-server)')
  .option('--sd-server <binary>', 'the sd-server binary for --sd-model (default: the one `llmlb sd build` cached)')
  .option('--sd-arg <arg>', 'one more sd-server argument for --sd-model, e.g. --sd-arg=--steps --sd-arg=4 (repeatable)', collect)
  .option('--engine-allow <list>', 'addresses engines may have besides public ones: loopback, private, link-local or CIDRs, comma-separated (default loopback)')
  .action(lazy(serve, (m) => m.serveCommand))

const withTarget = (c: Command): Command =>
  c
    .option('--data-dir <dir>', 'data directory of the node (default ~/.llmlb)')
    .option('--url <url>', 'address of a node instead')
    .option('--api-key <key>', 'credential for --url (default $LLMLB_API_KEY)')

withTarget(program.command('status').description('show whether the node of a data dir is running and what it serves')).action(lazy(control, (m) => m.statusCommand))
program.command('stop').description('stop the node of a data dir').option('--data-dir <dir>', 'data directory (default ~/.llmlb)').action(lazy(control, (m) => m.stopCommand))
withTarget(program.command('peers').description('list the nodes of the cluster as this node sees them')).option('--json', 'print JSON').action(lazy(control, (m) => m.peersCommand))

const keys = program.command('keys').description('manage API keys (shown once at creation, stored hashed, replicated to every node)')
withTarget(keys.command('create').description('create an API key and print it (only the key, on stdout)'))
  .requiredOption('--name <name>', 'name of the key (unique)')
  .requiredOption('--scopes <a,b>', 'comma-separated scopes, e.g. inference,models:read')
  .option('--expires <duration>', 'expire after e.g. 30d, 12h, 90m (default: never)')
  .option('--rpm <n>', 'requests per minute limit')
  .option('--tpm <n>', 'tokens per minute limit')
  .option('--json', 'print the key and its details as JSON')
  .action(lazy(keysCli, (m) => m.keysCreateCommand))
withTarget(keys.command('list').description('list API keys (never the keys themselves)')).option('--json', 'print JSON').action(lazy(keysCli, (m) => m.keysListCommand))
withTarget(keys.command('revoke').description('revoke an API key everywhere').argument('<id|name>', 'id or name of the key')).action(lazy(keysCli, (m) => m.keysRevokeCommand))

const models = program.command('models').description('models of the cluster: stored on each node, pulled from Hugging Face, loaded on demand')
withTarget(models.command('list').description('every model of the cluster: where it is stored and where it is loaded')).option('--json', 'print JSON').action(lazy(modelsCli, (m) => m.modelsListCommand))
withTarget(
  models
    .command('pull')
    .description('download a GGUF model from Hugging Face (HF_ENDPOINT, HF_TOKEN on the node) and serve it')
    .argument('<source>', 'hf URL, org/repo[:QUANT] or org/repo/file.gguf')
)
  .option('--quant <name>', 'quantization (default Q4_K_M, else the nearest offered)')
  .option('--node <name>', 'pull onto this node instead (repeatable)', collect)
  .option('--all', 'pull onto every node of the cluster')
  .action(lazy(modelsCli, (m) => m.modelsPullCommand))
const perNode = (c: Command): Command => withTarget(c).option('--node <name>', 'act on this node (repeatable)', collect).option('--all', 'act on every node')
perNode(models.command('rm').description('unload a model and delete its files (a local --model file stays)').argument('<id>', 'model id')).action(lazy(modelsCli, (m) => m.modelsRmCommand))
perNode(models.command('load').description('load a stored model').argument('<id>', 'model id')).action(lazy(modelsCli, (m) => m.modelsLoadCommand))
perNode(models.command('unload').description('unload a model (it stays stored)').argument('<id>', 'model id')).action(lazy(modelsCli, (m) => m.modelsUnloadCommand))
withTarget(models.command('shard').description('split a model over the RPC workers of several nodes (nodes lend memory with --rpc-worker)').argument('<model>', 'model id'))
  .option('--nodes <a,b,c>', 'only these nodes may lend workers (names, comma-separated)')
  .option('--workers <n>', 'spread the model over at least this many workers')
  .option('--wait', 'wait until the split model serves')
  .action(lazy(shardsCli, (m) => m.modelsShardCommand))
withTarget(models.command('unshard').description('stop splitting a model: its coordinator stops and the workers are released').argument('<model>', 'model id')).action(lazy(shardsCli, (m) => m.modelsUnshardCommand))
withTarget(models.command('shards').description('split models: coordinator, workers and memory each, state')).option('--json', 'print JSON').action(lazy(shardsCli, (m) => m.modelsShardsCommand))

const engines = program.command('engines').description("inference engines this node fronts (Ollama, vLLM, llama.cpp server, LM Studio, SGLang, OpenAI-compatible): their models join the cluster")
withTarget(engines.command('list').description("this node's engines: kind, health, load, models")).option('--json', 'print JSON').action(lazy(enginesCli, (m) => m.enginesListCommand))
withTarget(engines.command('add').description('register an engine (its type is detected from its own endpoints)').argument('<url>', 'base URL, e.g. http://127.0.0.1:11434'))
  .option('--key <key>', 'API key the engine wants (kept on the node, encrypted, never shown again)')
  .option('--kind <kind>', 'skip detection: ollama, vllm, llamacpp, lmstudio, sglang or openai')
  .option('--slots <n>', 'requests sent to the engine at once (default: what it reports, else 4)')
  .option('--image-models <ids>', "the engine's models that generate images (/v1/images/*), comma-separated, for engines whose model list does not say (LocalAI)")
  .option('--json', 'print JSON')
  .action(lazy(enginesCli, (m) => m.enginesAddCommand))
withTarget(engines.command('rm').description('remove an engine (its models leave the cluster)').argument('<id|url>', 'id or URL of the engine')).action(lazy(enginesCli, (m) => m.enginesRmCommand))

const service = program.command('service').description('run llmlb as a systemd service on this box')
const serviceOpts = (c: Command): Command =>
  c
    .option('--user', 'a user unit (~/.config/systemd/user) instead of a system one (/etc/systemd/system)')
    .option('--data-dir <dir>', 'data directory of the service (default /var/lib/llmlb, --user: ~/.llmlb)')
    .addOption(new Option('--root <dir>', 'write under this folder instead of /').hideHelp())
serviceOpts(service.command('install').description('write the systemd unit and its environment file, print how to start it')).action(lazy(serviceCli, (m) => m.serviceInstallCommand))
serviceOpts(service.command('uninstall').description('remove the systemd unit (the environment file and data stay)')).action(lazy(serviceCli, (m) => m.serviceUninstallCommand))
const rpc = program.command('rpc').description('the RPC binaries that split a model over several boxes, built from the bundled llama.cpp')
const rpcCache = (c: Command): Command =>
  c.option('--data-dir <dir>', 'data directory (default ~/.llmlb)').option('--rpc-cache <dir>', 'cache of built binaries (default <data-dir>/rpc, or $LLMLB_RPC_CACHE)')
rpcCache(rpc.command('build').description('build ggml-rpc-server and llama-server for this box (cached; about 11 minutes on 2 cores)'))
  .addOption(new Option('--gpu <backend>', 'GPU backend (auto: CUDA with nvcc and a GPU, Vulkan with glslc and a device, else cpu)').choices(['auto', 'cpu', 'cuda', 'vulkan']).default('auto'))
  .option('--jobs <n>', 'parallel compile jobs (default: the cores)')
  .option('--portable', 'code for any CPU of this architecture, not only this one')
  .option('--force', 'rebuild even when a build for this bundle exists')
  .action(lazy(rpcCli, (m) => m.rpcBuildCommand))
rpcCache(rpc.command('status').description('the bundle, the toolchain, the cached builds and the one a node would use'))
  .option('--json', 'print JSON')
  .action(lazy(rpcCli, (m) => m.rpcStatusCommand))
const sd = program.command('sd').description("stable-diffusion.cpp's sd-server for native image generation (serve --sd-model)")
sd.command('build')
  .description('build sd-server on this box (cached in <data-dir>/sdcpp; fetches the pinned source unless --source)')
  .option('--data-dir <dir>', 'data directory (default ~/.llmlb)')
  .option('--source <dir>', 'a stable-diffusion.cpp checkout with its ggml submodule (offline boxes)')
  .addOption(new Option('--gpu <backend>', 'GPU backend (auto: CUDA with nvcc and a GPU, Vulkan with glslc and a device, else cpu)').choices(['auto', 'cpu', 'cuda', 'vulkan']).default('auto'))
  .option('--jobs <n>', 'parallel compile jobs (default: the cores)')
  .option('--portable', 'code for any CPU of this architecture, not only this one')
  .option('--force', 'rebuild even when a build of this source exists')
  .action(lazy(sdCli, (m) => m.sdBuildCommand))
// an unknown option or a missing argument: commander's one-line error, then that command's usage
const showUsageAfterErrors = (c: Command, path: string): void => {
  const full = path ? `${path} ${c.name()}` : c.name()
  c.showHelpAfterError(`usage: ${full} ${c.usage()}   (${full} --help for more)`)
  for (const sub of c.commands) showUsageAfterErrors(sub, full)
}
showUsageAfterErrors(program, '')

await program.parseAsync(process.argv)
