import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { buildTargetArgs, chooseBackend, countNvidiaGpus, countVulkanDevices, configureArgs, judgeToolchain, parseCmakeVersion, parseProgress, parseRpcProtocol, toolchainAdvice, type GpuFacts } from '../../../../agent/src/sharding/build/index.js'

const none: GpuFacts = { nvcc: false, nvidiaGpus: 0, glslc: false, vulkanDevices: 0 }
const flag = (args: string[], name: string): string | undefined => args.find((a) => a.startsWith(`-D${name}=`))?.split('=')[1]

describe('cmake arguments from build options', () => {
  it('configures the RPC backend, static, without tests, examples, UI, OpenSSL or curl', () => {
    const args = configureArgs('/s', '/b', { backend: 'cpu', native: true, generator: 'Ninja', jobs: 2 })
    expect(args.slice(0, 6)).toEqual(['-S', '/s', '-B', '/b', '-G', 'Ninja'])
    expect(flag(args, 'GGML_RPC')).toBe('ON')
    expect(flag(args, 'CMAKE_BUILD_TYPE')).toBe('Release')
    for (const off of ['LLAMA_BUILD_TESTS', 'LLAMA_BUILD_EXAMPLES', 'LLAMA_USE_PREBUILT_UI', 'LLAMA_OPENSSL', 'LLAMA_CURL', 'BUILD_SHARED_LIBS']) expect(flag(args, off)).toBe('OFF')
    expect(flag(args, 'GGML_NATIVE')).toBe('ON')
    expect(flag(args, 'GGML_CUDA')).toBeUndefined()
  })

  it('portable turns native code off; a GPU backend adds its switch; make is a generator too', () => {
    const cuda = configureArgs('/s', '/b', { backend: 'cuda', native: false, generator: 'Unix Makefiles', jobs: 1 })
    expect(flag(cuda, 'GGML_NATIVE')).toBe('OFF')
    expect(flag(cuda, 'GGML_CUDA')).toBe('ON')
    expect(cuda).toContain('Unix Makefiles')
    expect(flag(configureArgs('/s', '/b', { backend: 'vulkan', native: true, generator: 'Ninja', jobs: 1 }), 'GGML_VULKAN')).toBe('ON')
  })

  it('builds one target with the jobs asked', () => {
    expect(buildTargetArgs('/b', 'llama-server', { jobs: 7 })).toEqual(['--build', '/b', '--target', 'llama-server', '-j', '7'])
  })
})

describe('build progress from compiler output', () => {
  it("reads ninja's [n/m] and make's [ nn%]", () => {
    expect(parseProgress('[283/335] Building CXX object tools/mtmd/x.o')).toEqual({ fraction: 283 / 335, done: 283, total: 335 })
    expect(parseProgress('[ 42%] Building CXX object ggml/src/x.o')).toEqual({ fraction: 0.42 })
    expect(parseProgress('[100%] Linking CXX executable bin/llama-server')).toEqual({ fraction: 1 })
  })

  it('ignores everything else, including nonsense counts', () => {
    for (const line of ['-- Configuring done', 'warning: [1/2] in a message', '[5/3] bad', '[0/0] empty', '[250%] bad', '']) expect(parseProgress(line)).toBeUndefined()
  })

  it('always gives a fraction in 0..1 for well-formed ninja lines', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (total, k) => {
        const done = k % (total + 1)
        const p = parseProgress(`[${done}/${total}] x`)
        return p !== undefined && p.fraction >= 0 && p.fraction <= 1 && p.done === done
      })
    )
  })
})

describe('backend choice from probed facts', () => {
  it('auto takes CUDA only with both the toolkit and a GPU (a toolkit alone builds cpu)', () => {
    expect(chooseBackend('auto', { ...none, nvcc: true })).toEqual({ backend: 'cpu' })
    expect(chooseBackend('auto', { ...none, nvidiaGpus: 1 })).toEqual({ backend: 'cpu' })
    expect(chooseBackend('auto', { ...none, nvcc: true, nvidiaGpus: 2 })).toEqual({ backend: 'cuda' })
  })

  it('auto takes Vulkan with glslc and a device, CUDA first when both are there', () => {
    expect(chooseBackend('auto', { ...none, glslc: true, vulkanDevices: 1 })).toEqual({ backend: 'vulkan' })
    expect(chooseBackend('auto', { ...none, glslc: true })).toEqual({ backend: 'cpu' })
    expect(chooseBackend('auto', { nvcc: true, nvidiaGpus: 1, glslc: true, vulkanDevices: 1 })).toEqual({ backend: 'cuda' })
  })

  it('an explicit GPU backend without its toolkit is a clear error; cpu always works', () => {
    const cuda = chooseBackend('cuda', none)
    expect('error' in cuda && cuda.error).toMatch(/nvcc/)
    const vk = chooseBackend('vulkan', none)
    expect('error' in vk && vk.error).toMatch(/glslc/)
    expect(chooseBackend('cuda', { ...none, nvcc: true })).toEqual({ backend: 'cuda' })
    expect(chooseBackend('cpu', { nvcc: true, nvidiaGpus: 1, glslc: true, vulkanDevices: 1 })).toEqual({ backend: 'cpu' })
  })
})

describe('GPU facts from the probes\' output', () => {
  it('counts the GPUs nvidia-smi -L lists', () => {
    const listing = 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1a2b)\nGPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-3c4d)\n'
    expect(countNvidiaGpus(listing)).toBe(2)
    expect(countNvidiaGpus('No devices found.\n')).toBe(0)
    expect(countNvidiaGpus('')).toBe(0)
  })
  it('counts Vulkan devices, not a software rasteriser', () => {
    const gpu = 'GPU0:\n\tapiVersion = 1.3.255\n\tdeviceType = PHYSICAL_DEVICE_TYPE_DISCRETE_GPU\n\tdeviceName = AMD Radeon RX 7900 XTX\n'
    const llvmpipe = 'GPU1:\n\tapiVersion = 1.3.255\n\tdeviceType = PHYSICAL_DEVICE_TYPE_CPU\n\tdeviceName = llvmpipe (LLVM 15.0.6, 256 bits)\n'
    expect(countVulkanDevices(`Devices:\n========\n${gpu}${llvmpipe}`)).toBe(1)
    expect(countVulkanDevices(`Devices:\n========\n${llvmpipe.replace('GPU1', 'GPU0')}`)).toBe(0)
    expect(countVulkanDevices('')).toBe(0)
  })
})

describe('RPC protocol version from ggml-rpc.h', () => {
  it('reads major.minor.patch', () => {
    const h = '#pragma once\n#define RPC_PROTO_MAJOR_VERSION    6\n#define RPC_PROTO_MINOR_VERSION    0\n#define RPC_PROTO_PATCH_VERSION    12\n'
    expect(parseRpcProtocol(h)).toBe('6.0.12')
  })
  it('a header without them is an error naming what is missing', () => {
    expect(() => parseRpcProtocol('#define RPC_PROTO_MAJOR_VERSION 3\n')).toThrow(/RPC_PROTO_MINOR_VERSION/)
  })
})

describe('toolchain verdict', () => {
  const full = { git: '/g', cmake: '/c', cmakeVersion: 'cmake version 3.25.1', compiler: '/cc', ninja: '/n', make: '/m' }
  it('a full toolchain builds with Ninja, else make', () => {
    expect(judgeToolchain(full)).toEqual({ ok: true, missing: [], generator: 'Ninja' })
    expect(judgeToolchain({ ...full, ninja: undefined }).generator).toBe('Unix Makefiles')
  })
  it('names each missing tool and an old cmake', () => {
    const v = judgeToolchain({ cmake: '/c', cmakeVersion: 'cmake version 3.13.4' })
    expect(v.ok).toBe(false)
    expect(v.missing).toEqual(['git', 'cmake ≥ 3.14 (found 3.13.4)', 'a C++ compiler (c++, g++ or clang++)', 'ninja or make'])
    expect(toolchainAdvice(v.missing)).toMatch(/apt-get install cmake ninja-build g\+\+ git/)
  })
  it('parses cmake versions with or without a patch', () => {
    expect(parseCmakeVersion('cmake version 3.14\n\nCMake suite')).toEqual([3, 14, 0])
    expect(parseCmakeVersion('cmake3 version 3.17.5')).toEqual([3, 17, 5])
    expect(parseCmakeVersion('nothing')).toBeUndefined()
  })
})
