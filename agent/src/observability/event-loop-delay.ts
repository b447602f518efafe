/**
 * The event-loop delay gauges of prom-client's default metrics (`<prefix>nodejs_eventloop_lag_{min,max,
 * mean,stddev,p50,p90,p99}_seconds`), sampled every EVENT_LOOP_SAMPLE_MS instead of prom-client's 10 ms.
 * Its sampler is a timer that wakes an idle node 100 times a second: on the development VM an idle
 * agent's main thread went from ~115 wake-ups and 13–14 ms of CPU a second to ~22 and 5–7 ms with 100 ms,
 * CPU that a box lending its cores to inference gives back. Node's histogram records the time between
 * two ticks of the sampler, so each value here is that minus the interval: an idle loop reads ~0 whatever
 * the interval, and a stall of a request's scale (tens of ms and up) shows as itself.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Gauge, type Registry } from 'prom-client'

/** How often the event-loop delay is sampled (ms). */
export const EVENT_LOOP_SAMPLE_MS = 100

/** prom-client's own sampler, left running at this interval once its gauges are replaced (ms). */
export const PROM_CLIENT_SAMPLE_MS = 1000

type Histo = ReturnType<typeof monitorEventLoopDelay>

/** Each gauge: its help and how it reads the histogram (ns); `delay` ones have the interval taken off. */
const STATS: [stat: string, help: string, read: (h: Histo) => number, delay: boolean][] = [
  ['min', 'The minimum recorded event loop delay.', (h) => h.min, true],
  ['max', 'The maximum recorded event loop delay.', (h) => h.max, true],
  ['mean', 'The mean of the recorded event loop delays.', (h) => h.mean, true],
  ['stddev', 'The standard deviation of the recorded event loop delays.', (h) => h.stddev, false],
  ['p50', 'The 50th percentile of the recorded event loop delays.', (h) => h.percentile(50), true],
  ['p90', 'The 90th percentile of the recorded event loop delays.', (h) => h.percentile(90), true],
  ['p99', 'The 99th percentile of the recorded event loop delays.', (h) => h.percentile(99), true]
]

/**
 * Replaces the delay gauges `collectDefaultMetrics` registered on `registry` (called with `prefix` and
 * `eventLoopMonitoringPrecision: PROM_CLIENT_SAMPLE_MS`) with ones sampled every EVENT_LOOP_SAMPLE_MS.
 * Each scrape reads the delays since the last one. Returns how many delays the current window holds (the
 * first tick after a scrape starts the window and records none).
 */
export function installEventLoopDelay(registry: Registry, prefix: string): { samples(): number } {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS })
  histogram.enable()
  const interval = EVENT_LOOP_SAMPLE_MS * 1e6
  // seconds, 0 before any sample (the histogram's min is then a huge sentinel)
  const seconds = (ns: number, delay: boolean): number => (histogram.count > 0 && Number.isFinite(ns) ? Math.max(0, delay ? ns - interval : ns) / 1e9 : 0)
  const gauges: Gauge[] = []
  for (const [i, [stat, help]] of STATS.entries()) {
    const name = `${prefix}nodejs_eventloop_lag_${stat}_seconds`
    registry.removeSingleMetric(name)
    gauges.push(
      new Gauge({
        name,
        help,
        registers: [registry],
        // the first gauge's collect sets them all, then starts the next window (as prom-client's does);
        // the registry collects in registration order, so the others are read after it
        ...(i === 0
          ? {
              collect() {
                STATS.forEach(([, , read, delay], j) => gauges[j]?.set(seconds(read(histogram), delay)))
                histogram.reset()
              }
            }
          : {})
      })
    )
  }
  return { samples: () => histogram.count }
}
