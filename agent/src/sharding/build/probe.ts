/**
 * Probes the box for the build's toolchain and GPU toolkits (the I/O behind toolchain.ts and
 * backend.ts): PATH lookups and a few short commands, each bounded so a hung driver cannot stall it.
 */
import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { countNvidiaGpus, countVulkanDevices, type GpuFacts } from './backend.js'
import type { ToolchainFacts } from './toolchain.js'

const PROBE_TIMEOUT_MS = 10_000

/** The first executable `name` on PATH, or undefined. */
export async function onPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, name)
    try {
      await access(p, constants.X_OK)
      return p
    } catch {
      // not here
    }
  }
  return undefined
}

/** stdout of a command, or undefined when it is missing, fails or hangs. */
function output(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout) => resolve(err ? undefined : stdout))
  })
}

export async function probeToolchain(env: NodeJS.ProcessEnv = process.env): Promise<ToolchainFacts> {
  const find = (n: string): Promise<string | undefined> => onPath(n, env)
  const [git, cmake, ninja, make] = await Promise.all([find('git'), find('cmake'), find('ninja'), find('make')])
  let compiler: string | undefined
  for (const c of ['c++', 'g++', 'clang++']) if (!compiler) compiler = await find(c)
  const cmakeVersion = cmake ? (await output(cmake, ['--version'], env))?.split('\n')[0] : undefined
  return { git, cmake, cmakeVersion, compiler, ninja, make }
}

export async function probeGpu(env: NodeJS.ProcessEnv = process.env): Promise<GpuFacts> {
  const [nvcc, smi, glslc, vkinfo] = await Promise.all(['nvcc', 'nvidia-smi', 'glslc', 'vulkaninfo'].map((n) => onPath(n, env)))
  const nvidiaGpus = smi ? countNvidiaGpus((await output(smi, ['-L'], env)) ?? '') : 0
  const vulkanDevices = vkinfo ? countVulkanDevices((await output(vkinfo, ['--summary'], env)) ?? '') : 0
  return { nvcc: nvcc !== undefined, nvidiaGpus, glslc: glslc !== undefined, vulkanDevices }
}
