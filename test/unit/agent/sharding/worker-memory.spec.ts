/** The VRAM a CUDA worker advertises: nvidia-smi's MiB per GPU, summed; nothing usable → undefined (RAM is used). */
import { describe, expect, it } from 'vitest'
import { parseNvidiaSmi } from '../../../../agent/src/sharding/worker/memory.js'

const MIB = 1024 * 1024

describe('parseNvidiaSmi', () => {
  it('sums free and total over GPUs', () => {
    expect(parseNvidiaSmi('81000, 81559\n40000, 81559\n')).toEqual({ freeBytes: 121_000 * MIB, totalBytes: 163_118 * MIB })
  })
  it('skips lines that are not two numbers and gives nothing when no GPU is listed', () => {
    expect(parseNvidiaSmi('[N/A], [N/A]\n1024, 2048')).toEqual({ freeBytes: 1024 * MIB, totalBytes: 2048 * MIB })
    expect(parseNvidiaSmi('No devices were found\n')).toBeUndefined()
    expect(parseNvidiaSmi('')).toBeUndefined()
  })
})
