// One check of the LAN lab, run inside a namespace. Polls until it holds or 30 s pass.
// usage: lab-check.mjs expect-models URL id1,id2 | serve URL MODEL SERVED_BY | shut-out URL MODEL | shut-out-peer URL NAME
const USAGE = 'usage: lab-check.mjs expect-models URL id1,id2 | serve URL MODEL SERVED_BY | shut-out URL MODEL | shut-out-peer URL NAME'
const [cmd, url, a, b] = process.argv.slice(2)
if (cmd === '--help' || cmd === '-h') {
  process.stdout.write(USAGE + '\n')
  process.exit(0)
}
if (!['expect-models', 'serve', 'shut-out', 'shut-out-peer'].includes(cmd) || !url) {
  process.stderr.write(`error: unknown check ${cmd ?? '(none)'}\n${USAGE}\n`)
  process.exit(2)
}
const deadline = Date.now() + 30_000
const json = async (path, init) => (await fetch(url + path, init)).json()

async function once() {
  if (cmd === 'expect-models') {
    const ids = (await json('/v1/models')).data.map((m) => m.id).sort().join(',')
    return ids === a.split(',').sort().join(',') ? `models ${ids}` : undefined
  }
  if (cmd === 'serve') {
    const r = await fetch(url + '/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: a, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }) })
    const by = r.headers.get('x-llmlb-served-by')
    return r.status === 200 && by === b ? `${a} served by ${by} (${r.headers.get('x-llmlb-route')})` : undefined
  }
  if (cmd === 'shut-out') {
    // the stranger must stay alone: wait a while, then insist it still sees no peer and no foreign model
    await new Promise((r) => setTimeout(r, 5000))
    const nodes = (await json('/api/nodes')).data
    const r = await fetch(url + '/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: a, messages: [{ role: 'user', content: 'hi' }] }) })
    if (nodes.length === 1 && r.status === 404) return 'wrong-key box is alone'
    throw new Error(`wrong-key box sees ${nodes.length} nodes, request status ${r.status}`)
  }
  if (cmd === 'shut-out-peer') {
    const names = (await json('/api/nodes')).data.map((n) => n.name)
    if (!a) throw new Error('shut-out-peer needs a node name')
    if (names.includes(a)) throw new Error(`${a} was admitted: ${names}`)
    return `${a} absent from ${names}`
  }
  throw new Error('unknown check ' + cmd)
}

let last
while (Date.now() < deadline) {
  try {
    const ok = await once()
    if (ok) {
      console.log(`ok   ${cmd} ${url}: ${ok}`)
      process.exit(0)
    }
  } catch (err) {
    last = err
    if (cmd.startsWith('shut-out')) break
  }
  await new Promise((r) => setTimeout(r, 250))
}
console.log(`FAIL ${cmd} ${url} ${a ?? ''} ${b ?? ''}: ${last?.message ?? 'condition not met in 30 s'}`)
process.exit(1)
