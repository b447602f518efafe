import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    include: ['test/**/*.spec.ts', 'test/**/*.spec.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests spawn real agents with llama.cpp children; on the 2-core CI box running
    // files one at a time keeps timings honest and avoids CPU starvation between suites.
    fileParallelism: false,
    pool: 'forks'
  }
})
