/**
 * The memory a worker lends: free and total RAM for the CPU backend, free and total VRAM of the GPUs
 * (nvidia-smi) for CUDA. Read when the advert is built, cached briefly: nvidia-smi takes tens of ms.
 */
import { execFile } from 'node:child_process'
import { freemem, totalmem } from 'node:os'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface WorkerMemory {
  freeBytes: number
  totalBytes: number
}

const MIB = 1024 * 1024

/** Parses `nvidia-smi --query-gpu=memory.free,memory.total --format=csv,noheader,nounits` (MiB per GPU). */
export function parseNvidiaSmi(text: string): WorkerMemory | undefined {
  let freeBytes = 0
  let totalBytes = 0
  for (const line of text.split('\n')) {
    const [free, total] = line.split(',').map(s => Number(s.trim()))
    if (free === undefined || total === undefined || !Number.isFinite(free) || !Number.isFinite(total)) continue
    freeBytes += free * MIB
    totalBytes += total * MIB
  }
  return totalBytes > 0 ? { freeBytes, totalBytes } : undefined
}

/** Memory of `backend` now; RAM when the GPU cannot be queried. */
export async function readWorkerMemory(backend: string): Promise<WorkerMemory> {
  if (backend === 'cuda') {
    try {
      const { stdout } = await run('nvidia-smi', ['--query-gpu=memory.free,memory.total', '--format=csv,noheader,nounits'], { timeout: 5000 })
      const vram = parseNvidiaSmi(stdout)
      if (vram !== undefined) return vram
    } catch {
      // no nvidia-smi: fall back to RAM below
    }
  }
  return { freeBytes: freemem(), totalBytes: totalmem() }
}
