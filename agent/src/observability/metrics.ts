/**
 * The node's Prometheus metrics (prom-client, one registry per agent — no global default registry).
 * Request metrics are observed once per finished request at the ingress node, from the same capture
 * that writes history; gauges and mesh/runtime counters are read from their sources at scrape time.
 * Label values are bounded (label-guard.ts): models and nodes beyond the bound report as `other`,
 * and a request no node served reports model `none`, so clients cannot invent series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { installEventLoopDelay, PROM_CLIENT_SAMPLE_MS } from './event-loop-delay.js'
import type { MeshStats, PeerView } from '../../../mesh/src/index.js'
import type { HistoryRecord } from '../history/history-record.js'
import type { CaptureTimings } from '../history/request-capture.js'
import { LabelGuard } from './label-guard.js'

/** Latency buckets (s): sub-ms proxying up to multi-minute generations. */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
/**
 * Per-hop overhead buckets (s): fine below 10 ms, where a hop's cost lies (well under a millisecond
 * unloaded) and where its goal (≤ 1 ms p50, ≤ 5 ms p99) must be readable.
 */
export const HOP_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

/** Where scrape-time values come from; every source optional. */
export interface MetricsSources {
  mesh?: { peers(): PeerView[]; stats(): MeshStats }
  runtime?: { restarts(): number; models(): { id: string; state: string }[] }
  admission?: { stats(model: string): { busy: number; waiting: number } }
  historySize?: () => number
}

export interface AgentMetricsInit {
  /** Also export Node.js process metrics (`llmlb_process_*`, `llmlb_nodejs_*`). @default true */
  processMetrics?: boolean
  /** Distinct model label values. @default 64 */
  maxModels?: number
  /** Distinct node label values. @default 64 */
  maxNodes?: number
}

const PEER_STATUSES = ['alive', 'suspect', 'dead', 'left'] as const

export class AgentMetrics {
  readonly registry = new Registry()
  private readonly models: LabelGuard
  private readonly nodes: LabelGuard
  private readonly codes = new LabelGuard(64)
  private readonly requests: Counter<'api' | 'model' | 'route' | 'node' | 'status_class'>
  private readonly errors: Counter<'api' | 'model' | 'code'>
  private readonly duration: Histogram<'api' | 'model' | 'route'>
  private readonly ttft: Histogram<'api' | 'model' | 'route'>
  private readonly tokens: Counter<'model' | 'node' | 'direction'>
  private readonly inFlight: Gauge
  private readonly hop: Histogram
  private readonly historyWait: Histogram
  private readonly historyFailures: Counter

  constructor(sources: MetricsSources = {}, init: AgentMetricsInit = {}) {
    const registers = [this.registry]
    this.models = new LabelGuard(init.maxModels ?? 64)
    this.nodes = new LabelGuard(init.maxNodes ?? 64)
    this.requests = new Counter({ name: 'llmlb_requests_total', help: 'Inference requests received by this node, by outcome status class', labelNames: ['api', 'model', 'route', 'node', 'status_class'], registers })
    this.errors = new Counter({ name: 'llmlb_request_errors_total', help: 'Inference requests that failed, by error code', labelNames: ['api', 'model', 'code'], registers })
    this.duration = new Histogram({ name: 'llmlb_request_duration_seconds', help: 'Request arrival to last byte', labelNames: ['api', 'model', 'route'], buckets: LATENCY_BUCKETS_S, registers })
    this.ttft = new Histogram({ name: 'llmlb_time_to_first_token_seconds', help: 'Request arrival to first body byte', labelNames: ['api', 'model', 'route'], buckets: LATENCY_BUCKETS_S, registers })
    this.tokens = new Counter({ name: 'llmlb_tokens_total', help: 'Tokens of requests received by this node (direction input|output; node = serving node)', labelNames: ['model', 'node', 'direction'], registers })
    this.inFlight = new Gauge({ name: 'llmlb_requests_in_flight', help: 'Inference requests received by this node and not finished', registers })
    this.hop = new Histogram({ name: 'llmlb_forward_hop_overhead_seconds', help: 'Time a forwarded request spends outside the serving node until its response head, per hop', buckets: HOP_BUCKETS_S, registers })
    this.historyWait = new Histogram({ name: 'llmlb_history_wait_seconds', help: 'Time a response waited for its history record to be committed (what history adds to a request)', buckets: HOP_BUCKETS_S, registers })
    this.historyFailures = new Counter({ name: 'llmlb_history_write_failures_total', help: 'History records that failed to commit', registers })
    this.sourceMetrics(sources)
    if (init.processMetrics !== false) {
      // prom-client's 10 ms delay sampler woke an idle node 100 times a second (event-loop-delay.ts)
      collectDefaultMetrics({ register: this.registry, prefix: 'llmlb_', eventLoopMonitoringPrecision: PROM_CLIENT_SAMPLE_MS })
      installEventLoopDelay(this.registry, 'llmlb_')
    }
  }

  private sourceMetrics(s: MetricsSources): void {
    const registers = [this.registry]
    const { mesh, runtime, admission, historySize } = s
    const loaded = (): string[] => (runtime?.models() ?? []).filter((m) => m.state === 'loaded').map((m) => m.id)
    const guard = this.models
    new Gauge({
      name: 'llmlb_queue_depth',
      help: 'Requests waiting for a slot, per local model',
      labelNames: ['model'],
      registers,
      collect() {
        this.reset()
        for (const m of loaded()) this.inc({ model: guard.value(m) }, admission?.stats(m).waiting ?? 0)
      }
    })
    new Gauge({
      name: 'llmlb_slots_busy',
      help: 'Slots generating now, per local model',
      labelNames: ['model'],
      registers,
      collect() {
        this.reset()
        for (const m of loaded()) this.inc({ model: guard.value(m) }, admission?.stats(m).busy ?? 0)
      }
    })
    new Gauge({
      name: 'llmlb_peers',
      help: 'Peers in this node view, by membership status',
      labelNames: ['status'],
      registers,
      collect() {
        const peers = mesh?.peers() ?? []
        for (const st of PEER_STATUSES) this.set({ status: st }, peers.filter((p) => p.status === st).length)
      }
    })
    // cumulative counters owned by the mesh and the runtime: exported as they are at scrape time
    const mirror = (name: string, help: string, labelName: string | undefined, read: () => Record<string, number>): void => {
      new Counter({
        name,
        help,
        labelNames: labelName ? [labelName] : [],
        registers,
        collect() {
          this.reset()
          for (const [label, v] of Object.entries(read())) {
            if (labelName) this.inc({ [labelName]: label }, v)
            else this.inc(v)
          }
        }
      })
    }
    const ms = (): MeshStats => mesh?.stats() ?? { gossipIn: 0, gossipOut: 0, gossipDropped: 0, forwardsIn: 0, forwardsOut: 0, forwardErrors: 0 }
    mirror('llmlb_gossip_messages_total', 'Gossip messages received (in), published (out) and dropped as invalid', 'direction', () => {
      const st = ms()
      return { in: st.gossipIn, out: st.gossipOut, dropped: st.gossipDropped }
    })
    mirror('llmlb_forwards_total', 'Requests forwarded to peers (out) and served for peers (in)', 'direction', () => ({ in: ms().forwardsIn, out: ms().forwardsOut }))
    mirror('llmlb_forward_streams_total', 'Forward streams opened, and forwards retried on a fresh stream after their pooled one closed', 'event', () => ({ opened: ms().forwardStreamsOpened ?? 0, retried: ms().forwardStreamRetries ?? 0 }))
    mirror('llmlb_forward_errors_total', 'Forwards that failed before a response head', undefined, () => ({ all: ms().forwardErrors }))
    mirror('llmlb_forwards_cancelled_total', 'Requests served for peers that the peer cancelled before the response was complete (it gave up on this node, or its client left)', undefined, () => ({ all: ms().forwardsCancelled ?? 0 }))
    mirror('llmlb_runtime_restarts_total', 'Restarts of the llama.cpp child after a crash', undefined, () => ({ all: runtime?.restarts() ?? 0 }))
    new Gauge({
      name: 'llmlb_history_records',
      help: 'Request history records stored on this node',
      registers,
      collect() {
        this.set(historySize?.() ?? 0)
      }
    })
  }

  /** A request arrived (in-flight +1). */
  started(): void {
    this.inFlight.inc()
  }

  /** A request finished: in-flight −1 and every per-request metric. */
  finished(r: HistoryRecord, t: CaptureTimings): void {
    this.inFlight.dec()
    const model = r.servedBy === null || r.model === null ? 'none' : this.models.value(r.model)
    const node = r.servedBy === null ? 'none' : this.nodes.value(r.servedBy)
    const route = r.route ?? 'none'
    this.requests.inc({ api: r.api, model, route, node, status_class: `${Math.floor(r.status / 100)}xx` })
    if (r.outcome === 'error') this.errors.inc({ api: r.api, model, code: this.codes.value(r.error?.code ?? 'unknown') })
    this.duration.observe({ api: r.api, model, route }, r.durationMs / 1000)
    if (r.ttftMs !== null) this.ttft.observe({ api: r.api, model, route }, r.ttftMs / 1000)
    if (r.inputTokens > 0) this.tokens.inc({ model, node, direction: 'input' }, r.inputTokens)
    if (r.outputTokens > 0) this.tokens.inc({ model, node, direction: 'output' }, r.outputTokens)
    if (r.route === 'forwarded' && t.headMs !== null && t.peerHeadMs !== undefined && r.hops > 0) {
      this.hop.observe(Math.max(0, t.headMs - t.peerHeadMs) / 1000 / r.hops)
    }
  }

  /** A response waited `seconds` for its history record. */
  historyWaited(seconds: number): void {
    this.historyWait.observe(seconds)
  }

  /** A history record failed to commit. */
  historyFailed(): void {
    this.historyFailures.inc()
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() }
  }
}
