/**
 * Whether the box can build the RPC binaries, from facts probed about it (pure): git (to unpack the
 * bundle), cmake ≥ 3.14, a C++ compiler, and ninja or make. What is missing is named with the Debian
 * packages that bring it, so the message is the fix.
 */
import type { CmakeGenerator } from './plan.js'

/** llama.cpp's CMakeLists.txt: `cmake_minimum_required(VERSION 3.14)`. */
export const MIN_CMAKE: readonly [number, number] = [3, 14]
export const DEBIAN_PACKAGES = 'cmake ninja-build g++ git'

export interface ToolchainFacts {
  git?: string
  cmake?: string
  /** `cmake --version`'s first line, when cmake is there. */
  cmakeVersion?: string
  /** The first of c++, g++, clang++ on PATH. */
  compiler?: string
  ninja?: string
  make?: string
}

export interface ToolchainVerdict {
  ok: boolean
  /** What is missing or too old, each named for a person. */
  missing: string[]
  generator?: CmakeGenerator
}

/** `cmake version 3.25.1` → [3, 25, 1]. */
export function parseCmakeVersion(text: string): number[] | undefined {
  // cmake3 is the name on RHEL 7 and kin
  const m = /cmake3? version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined
}

export function judgeToolchain(f: ToolchainFacts): ToolchainVerdict {
  const missing: string[] = []
  if (!f.git) missing.push('git')
  if (!f.cmake) missing.push('cmake')
  else {
    const v = parseCmakeVersion(f.cmakeVersion ?? '')
    const [maj, min] = MIN_CMAKE
    if (!v || v[0]! < maj || (v[0] === maj && v[1]! < min)) missing.push(`cmake ≥ ${maj}.${min} (found ${v ? v.join('.') : 'an unknown version'})`)
  }
  if (!f.compiler) missing.push('a C++ compiler (c++, g++ or clang++)')
  if (!f.ninja && !f.make) missing.push('ninja or make')
  const generator: CmakeGenerator | undefined = f.ninja ? 'Ninja' : f.make ? 'Unix Makefiles' : undefined
  return { ok: missing.length === 0, missing, ...(generator ? { generator } : {}) }
}

/** The message for a box that cannot build: what is missing and how to get it. */
export function toolchainAdvice(missing: string[]): string {
  return `cannot build the RPC binaries: missing ${missing.join(', ')}. On Debian/Ubuntu: apt-get install ${DEBIAN_PACKAGES}. Without them this node simply does not offer sharding; everything else works.`
}
