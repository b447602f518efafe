/**
 * Where the compiled child entry lives, seen from the supervisor module.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Path of `child/main.js` (or `child-mtmd/main.js` for the multimodal kind) for the supervisor module at `moduleUrl` (its `import.meta.url`).
 * - Compiled (`<root>/dist/native-runtime/src/*.js`, also when installed as a package): the sibling
 *   `child/main.js`.
 * - TypeScript sources (`<root>/native-runtime/src/*.ts`, as under vitest): the compiled child in
 *   `<root>/dist/native-runtime/src/child/main.js`; `npm test` runs `tsc` first. The child is always a
 *   compiled file so that it starts with plain `node`, without a TypeScript loader.
 */
export function resolveChildEntry(moduleUrl: string, kind: ChildKind = 'text'): string {
  const file = fileURLToPath(moduleUrl)
  const dir = dirname(file)
  const folder = kind === 'text' ? 'child' : 'child-mtmd'
  if (file.endsWith('.js')) return join(dir, folder, 'main.js')
  return join(dir, '..', '..', 'dist', 'native-runtime', 'src', folder, 'main.js')
}

/**
 * The kinds of runtime child: `text` runs node-llama-cpp (every model without a projector), `multimodal`
 * runs `@fugood/llama.node` with libmtmd (models that come with an `mmproj` file). Both speak the same
 * protocol and are supervised the same way.
 */
export type ChildKind = 'text' | 'multimodal'
