/**
 * Builds the dashboard into ui/dist (served by the agent's dashboardRoutes). `npm run build:ui` runs
 * this from the repo root; `npx vite --config ui/vite.config.ts` serves it in development and proxies
 * the API to a local agent (LLMLB_DEV_AGENT, default http://127.0.0.1:32768).
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import solid from 'vite-plugin-solid'

const root = fileURLToPath(new URL('.', import.meta.url))
const agent = process.env.LLMLB_DEV_AGENT ?? 'http://127.0.0.1:32768'

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  plugins: [solid()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    reportCompressedSize: true
  },
  server: {
    proxy: Object.fromEntries(['/api', '/v1', '/health', '/ready', '/metrics'].map((p) => [p, { target: agent, changeOrigin: false }]))
  }
})
