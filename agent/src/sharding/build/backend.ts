/**
 * Which GPU backend a build uses, from facts probed about the box (pure). `auto` takes CUDA only when
 * both the toolkit and a GPU are there (a toolkit alone, e.g. in a CI image, would build binaries that
 * cannot run), then Vulkan when its compiler and a device are there, else the CPU.
 */
import type { RpcBackend } from './plan.js'

export type BackendRequest = 'auto' | RpcBackend

export interface GpuFacts {
  /** `nvcc` on PATH. */
  nvcc: boolean
  /** GPUs `nvidia-smi -L` lists (0 when it is missing or fails). */
  nvidiaGpus: number
  /** `glslc` on PATH (the Vulkan shader compiler). */
  glslc: boolean
  /** Devices `vulkaninfo --summary` lists (0 when it is missing or fails). */
  vulkanDevices: number
}

export type BackendChoice = { backend: RpcBackend } | { error: string }

export function chooseBackend(request: BackendRequest, f: GpuFacts): BackendChoice {
  const cudaReady = f.nvcc && f.nvidiaGpus > 0
  const vulkanReady = f.glslc && f.vulkanDevices > 0
  switch (request) {
    case 'cpu':
      return { backend: 'cpu' }
    case 'cuda':
      return f.nvcc ? { backend: 'cuda' } : { error: 'a CUDA build needs the CUDA toolkit: nvcc is not on PATH (install NVIDIA\'s CUDA toolkit, or use --gpu cpu)' }
    case 'vulkan':
      return f.glslc ? { backend: 'vulkan' } : { error: 'a Vulkan build needs the Vulkan SDK: glslc is not on PATH (apt-get install libvulkan-dev glslc, or use --gpu cpu)' }
    case 'auto':
      return { backend: cudaReady ? 'cuda' : vulkanReady ? 'vulkan' : 'cpu' }
  }
}

/** GPUs in `nvidia-smi -L`'s output (`GPU 0: NVIDIA H100 … (UUID: …)` per line). */
export function countNvidiaGpus(listing: string): number {
  return listing.split('\n').filter((l) => /^GPU \d+:/.test(l)).length
}

/**
 * Devices in `vulkaninfo --summary`'s output (a `GPU<n>:` block each) that are not a software
 * rasteriser (llvmpipe reports `PHYSICAL_DEVICE_TYPE_CPU`): nothing to build a Vulkan backend for.
 */
export function countVulkanDevices(summary: string): number {
  const devices = (summary.match(/^GPU\d+:/gm) ?? []).length
  const software = (summary.match(/deviceType\s*=\s*PHYSICAL_DEVICE_TYPE_CPU/g) ?? []).length
  return Math.max(0, devices - software)
}
