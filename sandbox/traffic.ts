// What a target group's load balancer metrics say for one minute: the requests it took (its share of the service's
// traffic), their 5xx and their p99 response time, drawn with seeded noise from the serving image's `traffic`
// behaviour. Pure: the same seed gives the same minute, so a minute read twice (or by the benchmark) reads the same.

/** An image's traffic: requests per second for the whole service, its 5xx rate (0–1) and its latency percentiles. */
export interface Traffic {
  requestsPerSecond: number
  errorRate: number
  latencyMs: { p50: number; p99: number }
}

/** What an image without `traffic` serves: a little traffic, a few errors, quick answers. */
export const QUIET_TRAFFIC: Traffic = { requestsPerSecond: 1, errorRate: 0.001, latencyMs: { p50: 20, p99: 80 } }

/** Throws unless `t` is a Traffic (world files and the control API hand us untyped JSON). */
export function checkTraffic(t: unknown): Traffic {
  const o = t as Record<string, unknown>
  const lat = (o?.latencyMs ?? {}) as Record<string, unknown>
  const bad = (why: string) => new Error(`behavior.traffic ${why}; got ${JSON.stringify(t)}`)
  if (typeof o !== 'object' || o === null) throw bad('must be { requestsPerSecond, errorRate, latencyMs: { p50, p99 } }')
  if (typeof o.requestsPerSecond !== 'number' || o.requestsPerSecond < 0) throw bad('.requestsPerSecond must be a number ≥ 0')
  if (typeof o.errorRate !== 'number' || o.errorRate < 0 || o.errorRate > 1) throw bad('.errorRate must be a number from 0 to 1')
  if (typeof lat.p50 !== 'number' || typeof lat.p99 !== 'number' || lat.p50 <= 0 || lat.p99 < lat.p50) {
    throw bad('.latencyMs must be { p50, p99 } in ms with 0 < p50 ≤ p99')
  }
  return o as unknown as Traffic
}

/** One minute of one image's share of a target group. */
export interface MinuteOfTraffic {
  requests: number
  errors: number
  /** TargetResponseTime p99 in seconds, as AWS/ApplicationELB publishes it; absent without requests. */
  p99?: number
}

/** A seeded uniform generator in [0, 1) (mulberry32 over an FNV-1a hash of `seed`). */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193)
  let a = h >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const Z99 = 2.3263478740408408

/** One minute of `traffic` taking `share` (0–1) of the service's requests for `seconds`. Requests are Poisson, 5xx
 * binomial, and the p99 is the sample p99 of lognormal latencies (its asymptotic normal law, so a minute of few
 * requests is noisier than a busy one). */
export function minuteOf(traffic: Traffic, share: number, random: () => number, seconds = 60): MinuteOfTraffic {
  const requests = poisson(traffic.requestsPerSecond * share * seconds, random)
  if (requests === 0) return { requests: 0, errors: 0 }
  const errors = Math.min(requests, binomial(requests, traffic.errorRate, random))
  const sigma = Math.log(traffic.latencyMs.p99 / traffic.latencyMs.p50) / Z99
  const density = Math.exp(-(Z99 * Z99) / 2) / Math.sqrt(2 * Math.PI)
  // sd of the sample quantile q: sqrt(q(1-q)/n) / f(x_q); for a lognormal f(x_q) = φ(z_q) / (x_q σ).
  const relativeSd = sigma > 0 ? (Math.sqrt((0.99 * 0.01) / requests) * sigma) / density : 0
  const p99Ms = traffic.latencyMs.p99 * Math.exp(Math.min(relativeSd, 2) * gaussian(random))
  return { requests, errors, p99: Math.round(p99Ms) / 1000 }
}

/** Several images' parts of one target group in one minute, as one minute: p99 weighted by requests (an estimate). */
export function mergeMinutes(parts: MinuteOfTraffic[]): MinuteOfTraffic {
  const requests = parts.reduce((a, p) => a + p.requests, 0)
  const errors = parts.reduce((a, p) => a + p.errors, 0)
  if (requests === 0) return { requests: 0, errors: 0 }
  const p99 = parts.reduce((a, p) => a + (p.p99 ?? 0) * p.requests, 0) / requests
  return { requests, errors, p99: Math.round(p99 * 1000) / 1000 }
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

function poisson(mean: number, random: () => number): number {
  if (mean <= 0) return 0
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)))
  const limit = Math.exp(-mean)
  let k = 0
  for (let p = random(); p > limit; p *= random()) k++
  return k
}

function binomial(n: number, p: number, random: () => number): number {
  if (p <= 0) return 0
  if (n * p > 50 && n * (1 - p) > 50) return Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gaussian(random)))
  if (n * p < 20) return Math.min(n, poisson(n * p, random))
  let k = 0
  for (let i = 0; i < n; i++) if (random() < p) k++
  return k
}
