#!/usr/bin/env node
// Removes prebuilt binaries this machine cannot use (node-llama-cpp, llama.node, whisper.node, sodium-native).
// npm installs every optional @node-llama-cpp/* package whose `cpu` matches, which adds ~600 MB
// (CUDA 540 MB, Vulkan 80 MB, arm builds on x64). We keep a GPU build only where its driver is present,
// so a GPU box keeps working while a CPU box (and CI) stays small. Override with
// LLMLB_KEEP_PREBUILTS=all (keep everything) or a comma list such as `cuda,vulkan`.
import { existsSync, rmSync, readdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { arch } from 'node:os'
import { noOptions } from './plain-script-args.mjs'

noOptions('usage: node scripts/prune-prebuilts.mjs   (runs at npm install) — removes node-llama-cpp, llama.node and whisper.node builds and sodium-native prebuilds this machine cannot use; LLMLB_KEEP_PREBUILTS=all|cuda,vulkan keeps them')

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = join(root, 'node_modules', '@node-llama-cpp')

const keepEnv = (process.env.LLMLB_KEEP_PREBUILTS ?? '').split(',').map((s) => s.trim()).filter(Boolean)
if (keepEnv.includes('all')) process.exit(0)

const hasCuda = keepEnv.includes('cuda') || existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0')
const hasVulkan = keepEnv.includes('vulkan') || ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'].some((p) => existsSync(p) && readdirSync(p).length > 0)
const cpu = arch() === 'x64' ? 'x64' : arch()

let freed = 0
for (const name of existsSync(dir) ? readdirSync(dir) : []) {
  const m = /^(linux|win|mac)-(x64|arm64|armv7l)(?:-(cuda-ext|cuda|vulkan|metal))?$/.exec(name)
  if (!m) continue
  const [, , pkgCpu, gpu] = m
  const wrongCpu = pkgCpu !== cpu
  const unusedGpu = (gpu?.startsWith('cuda') && !hasCuda) || (gpu === 'vulkan' && !hasVulkan)
  if (wrongCpu || unusedGpu) {
    rmSync(join(dir, name), { recursive: true, force: true })
    freed++
  }
}
if (freed > 0) process.stderr.write(`llmlb: removed ${freed} node-llama-cpp prebuilt package(s) this machine cannot use (set LLMLB_KEEP_PREBUILTS=all to keep them)\n`)

// @fugood/llama.node (the multimodal runtime child): its @fugood/node-llama-* variants, same rules; the
// WebAssembly build is for browsers only. ~270 MB of the 295 MB it installs on linux-x64.
const fugood = join(root, 'node_modules', '@fugood')
let fugoodFreed = 0
for (const name of existsSync(fugood) ? readdirSync(fugood) : []) {
  if (name === 'node-llama-wasm') {
    rmSync(join(fugood, name), { recursive: true, force: true })
    fugoodFreed++
    continue
  }
  const m = /^node-llama-(linux|win32|darwin)-(x64|arm64)(?:-(cuda|vulkan|snapdragon|opencl))?$/.exec(name)
  if (!m) continue
  const [, , pkgCpu, gpu] = m
  const unusedGpu = (gpu === 'cuda' && !hasCuda) || (gpu === 'vulkan' && !hasVulkan) || gpu === 'snapdragon' || gpu === 'opencl'
  if (pkgCpu !== cpu || unusedGpu) {
    rmSync(join(fugood, name), { recursive: true, force: true })
    fugoodFreed++
  }
}
if (fugoodFreed > 0) process.stderr.write(`llmlb: removed ${fugoodFreed} @fugood/llama.node prebuilt package(s) this machine cannot use (set LLMLB_KEEP_PREBUILTS=all to keep them)\n`)
// @fugood/whisper.node (speech to text) installs the same way: @fugood/node-whisper-<os>-<cpu>[-cuda|-vulkan]
// plus a wasm build. The node only loads the native one, so the wasm build always goes.
let freedAudio = 0
for (const name of existsSync(fugood) ? readdirSync(fugood) : []) {
  const m = /^node-whisper-(?:(linux|win32|darwin)-(x64|arm64)(?:-(cuda|vulkan))?|(wasm))$/.exec(name)
  if (!m) continue
  const [, , pkgCpu, gpu, wasm] = m
  const unusedGpu = (gpu === 'cuda' && !hasCuda) || (gpu === 'vulkan' && !hasVulkan)
  if (wasm || pkgCpu !== cpu || unusedGpu) {
    rmSync(join(fugood, name), { recursive: true, force: true })
    freedAudio++
  }
}
if (freedAudio > 0) process.stderr.write(`llmlb: removed ${freedAudio} whisper.node prebuilt package(s) this machine cannot use (set LLMLB_KEEP_PREBUILTS=all to keep them)\n`)
// sodium-native (the mesh's cipher) ships prebuilds for 13 platforms; node-gyp-build loads only
// prebuilds/<platform>-<arch>. ~19 MB of its 21 MB on linux-x64.
const sodium = join(root, 'node_modules', 'sodium-native', 'prebuilds')
let sodiumFreed = 0
for (const name of existsSync(sodium) ? readdirSync(sodium) : []) {
  if (name === `${process.platform}-${cpu}`) continue
  rmSync(join(sodium, name), { recursive: true, force: true })
  sodiumFreed++
}
if (sodiumFreed > 0) process.stderr.write(`llmlb: removed ${sodiumFreed} sodium-native prebuild(s) for other platforms\n`)
