import { defineConfig } from 'vitest/config'
import solid from 'vite-plugin-solid'
import { RpcLastSequencer } from './test/config/rpc-last-sequencer.js'

export default defineConfig({
  // compiles the dashboard's .tsx for test/unit/ui (files there opt into happy-dom per file)
  plugins: [solid()],
  test: {
    // explicit: vite-plugin-solid would otherwise default every test to jsdom
    environment: 'node',
    setupFiles: ['test/setup.ts'],
    // one scratch folder for every temporary file of the run (agents' data dirs, models), removed at the end
    globalSetup: ['test/global-setup.ts'],
    // generous: CI is a shared 2-core box that also runs stress-ng beside the suite; tests wait on events
    testTimeout: 180_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // the files that wait for the RPC binaries' background build go last (see the sequencer)
    sequence: { sequencer: RpcLastSequencer },
    projects: [
      {
        extends: true,
        // pure logic and in-process servers: two files at a time, and all of them before the rest
        test: { name: 'unit', include: ['test/unit/**/*.spec.ts', 'test/unit/**/*.spec.tsx'], maxWorkers: 2, sequence: { groupOrder: 0 } }
      },
      {
        extends: true,
        // Integration tests spawn real agents with llama.cpp children; on the 2-core CI box running
        // files one at a time keeps timings honest and avoids CPU starvation between suites.
        test: { name: 'integration', include: ['test/integration/**/*.spec.ts', 'test/e2e/**/*.spec.ts'], fileParallelism: false, sequence: { groupOrder: 1 } }
      }
    ]
  }
})
