/**
 * The API reference page (`/docs`): the OpenAPI document rendered as plain HTML — grouped operations,
 * their access and their request schemas — with inline styles only, so it works offline and
 * downloads nothing at run time.
 */

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

type Operation = { summary?: string; tags?: string[]; requestBody?: { content: Record<string, { schema: unknown }> }; parameters?: { name: string; in: string }[]; 'x-llmlb-access'?: unknown }

const STYLE = `body{font:14px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2328}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2rem}code,pre{font-family:ui-monospace,monospace;font-size:12px}
.op{margin:.6rem 0;padding:.4rem .6rem;border:1px solid #d0d7de;border-radius:6px}.m{display:inline-block;min-width:4.5rem;font-weight:600}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:24rem}.a{color:#57606a;font-size:12px}`

function accessText(a: unknown): string {
  if (typeof a === 'string') return a
  if (typeof a === 'object' && a !== null) return Object.entries(a).map(([k, v]) => `${k} ${String(v)}`).join(', ')
  return 'public'
}

/** The HTML of the reference page for `doc`. */
export function referencePage(doc: Record<string, unknown>): string {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>
  const groups = new Map<string, string[]>()
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags?.[0] ?? 'Other'
      const schema = op.requestBody?.content['application/json']?.schema
      const params = (op.parameters ?? []).map((p) => `${p.name} (${p.in})`).join(', ')
      const html = `<div class="op"><span class="m">${esc(method.toUpperCase())}</span><code>${esc(path)}</code> — ${esc(op.summary ?? '')}
<div class="a">access: ${esc(accessText(op['x-llmlb-access']))}${params ? ` · parameters: ${esc(params)}` : ''}</div>
${schema ? `<details><summary>request body</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>` : ''}</div>`
      groups.set(tag, [...(groups.get(tag) ?? []), html])
    }
  }
  const info = (doc.info ?? {}) as { title?: string; version?: string; description?: string }
  // in the document's tag order (the APIs first, admin last), then any other
  const order = ((doc.tags ?? []) as { name: string }[]).map((t) => t.name)
  const rank = (tag: string): number => (order.includes(tag) ? order.indexOf(tag) : order.length)
  const sections = [...groups].sort(([a], [b]) => rank(a) - rank(b)).map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join('\n')}`).join('\n')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title ?? 'API')} API reference</title><style>${STYLE}</style></head>
<body><h1>${esc(info.title ?? 'API')} API reference <small class="a">${esc(info.version ?? '')}</small></h1><p>${esc(info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). <a href="/">Back to the dashboard</a></p>
${sections}</body></html>`
}
