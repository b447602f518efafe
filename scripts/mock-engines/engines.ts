/**
 * Mock inference engines, each answering its engine's own published endpoints (besides the OpenAI
 * API in openai-api.ts where the engine has it):
 * - Ollama (github.com/ollama/ollama docs/api.md): `/api/version`, `/api/tags`, `/api/ps`,
 *   `POST /api/show` (`capabilities`, `model_info.<arch>.context_length`), `/api/chat` and
 *   `/api/generate` (NDJSON lines, the last with `done: true`, `done_reason` and the counts),
 *   `/api/embed`; errors `{"error": "…"}`;
 * - llama.cpp server (tools/server/README.md): `/health`, `/props` (`default_generation_settings.n_ctx`,
 *   `total_slots`, `modalities`), `/slots` (`is_processing`), `/metrics` (`llamacpp:requests_processing`,
 *   `llamacpp:requests_deferred`);
 * - vLLM: `/version`, `/health`, `/v1/models` entries `owned_by: "vllm"` with `max_model_len`, `/metrics`
 *   (`vllm:num_requests_running`, `vllm:num_requests_waiting` with a `model_name` label);
 * - LM Studio (lmstudio.ai/docs, REST API v0): `/api/v0/models` (`type` llm|vlm|embeddings, `state`,
 *   `max_context_length`, `quantization`);
 * - SGLang (docs.sglang.ai, native APIs): `/get_model_info` (`model_path`, `is_generation`),
 *   `/get_server_info`, `/metrics` (`sglang:num_running_reqs`, `sglang:num_queue_reqs`);
 * - stable-diffusion.cpp's server (examples/server/api.md): `/sdcpp/v1/capabilities` (`model.name`,
 *   `model.stem`, `model.path`, `supported_modes`), and its OpenAI API, whose one model is always
 *   `sd-cpp-local` (the first model option's id is the model file's stem);
 * - a plain OpenAI-compatible server: `/v1/*` only, with the images API for its `type: 'image'` models
 *   (openai-images.ts).
 */
import { embeddingOf, json, serveMock, tokensOf, wordsOf, type Handler, type MockEngine, type MockEngineOptions, type MockModel } from './server.js'
import { openAiRoutes } from './openai-api.js'
import { openAiImageRoutes } from './openai-images.js'

export type { MockEngine, MockEngineOptions, MockModel } from './server.js'
export type MockKind = 'ollama' | 'llamacpp' | 'vllm' | 'lmstudio' | 'sglang' | 'sdcpp' | 'openai'

const DEFAULT_ANSWER = 'Hello from the mock engine'

function ollamaRoutes(models: MockModel[], answer: string): Record<string, Handler> {
  const tag = (m: MockModel) => ({
    name: `${m.id}:latest`,
    model: `${m.id}:latest`,
    modified_at: '2026-01-01T00:00:00Z',
    size: 1_000_000,
    digest: 'a'.repeat(64),
    details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '1B', quantization_level: 'Q4_K_M' }
  })
  const find = (name: unknown) => models.find((m) => `${m.id}:latest` === name || m.id === name)
  const notFound = (res: Parameters<Handler>[1], name: unknown) => json(res, 404, { error: `model '${String(name)}' not found` })
  const final = (body: Record<string, unknown>, kind: 'chat' | 'generate', text: string, prompt: string) => ({
    model: body.model,
    created_at: new Date().toISOString(),
    ...(kind === 'chat' ? { message: { role: 'assistant', content: text } } : { response: text }),
    done: true,
    done_reason: 'stop',
    total_duration: 1000,
    load_duration: 10,
    prompt_eval_count: tokensOf(prompt),
    prompt_eval_duration: 100,
    eval_count: tokensOf(answer),
    eval_duration: 800
  })
  const generate = (kind: 'chat' | 'generate'): Handler => (_req, res, body) => {
    const m = find(body.model)
    if (!m) return notFound(res, body.model)
    const prompt = kind === 'chat' ? (body.messages as { content: string }[]).map((x) => x.content).join(' ') : String(body.prompt ?? '')
    if (body.stream === false) return json(res, 200, final(body, kind, answer, prompt))
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    for (const w of wordsOf(answer)) res.write(JSON.stringify({ model: body.model, created_at: new Date().toISOString(), ...(kind === 'chat' ? { message: { role: 'assistant', content: w } } : { response: w }), done: false }) + '\n')
    res.end(JSON.stringify(final(body, kind, '', prompt)) + '\n')
  }
  return {
    'GET /': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('Ollama is running')
    },
    'GET /api/version': (_req, res) => json(res, 200, { version: '0.9.0' }),
    'GET /api/tags': (_req, res) => json(res, 200, { models: models.map(tag) }),
    'GET /api/ps': (_req, res) => json(res, 200, { models: models.map((m) => ({ ...tag(m), expires_at: '2026-01-01T00:05:00Z', size_vram: 1_000_000 })) }),
    'POST /api/show': (_req, res, body) => {
      const m = find(body.model)
      if (!m) return notFound(res, body.model)
      const caps = m.type === 'embeddings' ? ['embedding'] : ['completion', ...(m.tools ? ['tools'] : []), ...(m.vision ? ['vision'] : [])]
      json(res, 200, { modelfile: '', parameters: '', template: '{{ .Prompt }}', details: tag(m).details, model_info: { 'general.architecture': 'llama', 'llama.context_length': m.contextLength ?? 8192 }, capabilities: caps })
    },
    'POST /api/chat': generate('chat'),
    'POST /api/generate': generate('generate'),
    'POST /api/embed': (_req, res, body) => {
      const m = find(body.model)
      if (!m) return notFound(res, body.model)
      const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)]
      json(res, 200, { model: body.model, embeddings: inputs.map((t) => embeddingOf(t)), total_duration: 100, load_duration: 1, prompt_eval_count: inputs.reduce((s, t) => s + tokensOf(t), 0) })
    }
  }
}

const prom = (lines: [string, string, number][]): string => lines.map(([name, labels, v]) => `# TYPE ${name} gauge\n${name}${labels} ${v.toFixed(1)}`).join('\n') + '\n'
const text = (res: Parameters<Handler>[1], body: string) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
  res.end(body)
}

/** Starts a mock engine of `kind` on 127.0.0.1. */
export async function startMockEngine(kind: MockKind, opts: MockEngineOptions = {}): Promise<MockEngine> {
  const models = opts.models ?? [{ id: `${kind}-model` }]
  const answer = opts.answer ?? DEFAULT_ANSWER
  const load = { running: 0, waiting: 0 }
  const slots = opts.slots ?? 2
  const first = models[0] as MockModel
  let routes: Record<string, Handler>
  switch (kind) {
    case 'ollama':
      routes = ollamaRoutes(models, answer)
      break
    case 'llamacpp':
      routes = {
        ...openAiRoutes(models, answer, () => ({ owned_by: 'llamacpp', meta: { vocab_type: 2, n_vocab: 32000, n_ctx_train: 8192, n_embd: 64, n_params: 1000, size: 2_000_000 } })),
        'GET /health': (_req, res) => json(res, 200, { status: 'ok' }),
        'GET /props': (_req, res) =>
          json(res, 200, {
            default_generation_settings: { id: 0, id_task: -1, n_ctx: first.contextLength ?? 4096, speculative: false, is_processing: false, params: { temperature: 0.8 } },
            total_slots: slots,
            model_path: `/models/${first.id}.gguf`,
            chat_template: first.tools ? '{% if tools %}{{ tools }}{% endif %}{{ messages }}' : '{{ messages }}',
            modalities: { vision: first.vision === true, audio: false },
            build_info: 'b5000-mock'
          }),
        'GET /slots': (_req, res) => json(res, 200, Array.from({ length: slots }, (_, id) => ({ id, n_ctx: first.contextLength ?? 4096, is_processing: id < load.running }))),
        'GET /metrics': (_req, res) => text(res, prom([['llamacpp:requests_processing', '', load.running], ['llamacpp:requests_deferred', '', load.waiting]]))
      }
      break
    case 'vllm':
      routes = {
        ...openAiRoutes(models, answer, (m) => ({ owned_by: 'vllm', root: m.id, parent: null, max_model_len: m.contextLength ?? 8192, permission: [] })),
        'GET /version': (_req, res) => json(res, 200, { version: '0.6.3' }),
        'GET /health': (_req, res) => {
          res.writeHead(200)
          res.end()
        },
        'GET /metrics': (_req, res) =>
          text(res, prom(models.flatMap((m): [string, string, number][] => [['vllm:num_requests_running', `{model_name="${m.id}"}`, load.running], ['vllm:num_requests_waiting', `{model_name="${m.id}"}`, load.waiting]])))
      }
      break
    case 'lmstudio':
      routes = {
        ...openAiRoutes(models, answer, () => ({ owned_by: 'organization_owner' })),
        'GET /api/v0/models': (_req, res) =>
          json(res, 200, {
            object: 'list',
            data: models.map((m) => ({ id: m.id, object: 'model', type: m.type === 'embeddings' ? 'embeddings' : m.vision ? 'vlm' : 'llm', publisher: 'lmstudio-community', arch: 'llama', compatibility_type: 'gguf', quantization: 'Q4_K_M', state: 'loaded', max_context_length: m.contextLength ?? 32768, ...(m.tools ? { capabilities: ['tool_use'] } : {}) }))
          })
      }
      break
    case 'sglang':
      routes = {
        ...openAiRoutes(models, answer, () => ({ owned_by: 'sglang', root: first.id, max_model_len: first.contextLength ?? 8192 })),
        'GET /get_model_info': (_req, res) => json(res, 200, { model_path: first.id, tokenizer_path: first.id, is_generation: first.type !== 'embeddings' }),
        'GET /get_server_info': (_req, res) => json(res, 200, { model_path: first.id, max_running_requests: slots, context_length: first.contextLength ?? 8192, version: '0.4.0' }),
        'GET /health': (_req, res) => {
          res.writeHead(200)
          res.end()
        },
        'GET /metrics': (_req, res) => text(res, prom([['sglang:num_running_reqs', `{model_name="${first.id}"}`, load.running], ['sglang:num_queue_reqs', `{model_name="${first.id}"}`, load.waiting]]))
      }
      break
    case 'sdcpp': {
      const local: MockModel[] = [{ id: 'sd-cpp-local', type: 'image' }]
      routes = {
        ...openAiRoutes(local, answer, () => ({ owned_by: 'local' })),
        ...openAiImageRoutes(local),
        'GET /sdcpp/v1/capabilities': (_req, res) =>
          json(res, 200, { model: { name: `${first.id}.safetensors`, stem: first.id, path: `/models/${first.id}.safetensors` }, current_mode: 'img_gen', supported_modes: ['img_gen'], samplers: ['euler_a'], schedulers: ['discrete'], loras: [], upscalers: [] })
      }
      break
    }
    case 'openai':
      // a plain OpenAI-compatible server; its image models answer the images API (LocalAI, sd.cpp's server)
      routes = { ...openAiRoutes(models, answer, () => ({ owned_by: 'system' })), ...openAiImageRoutes(models) }
      break
  }
  return serveMock(kind, routes, opts, load)
}
