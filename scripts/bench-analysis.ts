// `npm run bench:analysis`: the canary analysis judged on the sandbox's own metric generator (sandbox/traffic.ts) with
// a seeded RNG, in-process — 100 runs of each scenario, no action spawned. A run is a 10 % canary held for 10 minutes
// (about a bake) on a service of 100 requests a second; every minute the judge (src/core/analysis.ts) reads both
// target groups' minutes so far, as the action does. Next to it, a typical service-wide alarm on the same traffic.
import { DEFAULT_RULE, judge, type Minute } from '../src/core/analysis.js'
import { minuteOf, seededRandom, type Traffic } from '../sandbox/traffic.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 100)
const MINUTES = 10
const CANARY = 0.1
const BASE: Traffic = { requestsPerSecond: 100, errorRate: 0.005, latencyMs: { p50: 50, p99: 250 } }
const SCENARIOS: { name: string; candidate: Traffic; bad: boolean }[] = [
  { name: 'healthy canary (same distribution, noise only)', candidate: BASE, bad: false },
  { name: '5xx 5 % against 0.5 %', candidate: { ...BASE, errorRate: 0.05 }, bad: true },
  { name: 'p99 50 % slower', candidate: { ...BASE, latencyMs: { p50: 75, p99: 375 } }, bad: true },
]
/** A typical service-wide alarm: 5xx rate over 2 %, or p99 over 1.5 × its usual value, 3 of 3 one-minute periods. */
const ALARM = { errorRate: 0.02, p99: (1.5 * BASE.latencyMs.p99) / 1000, periods: 3 }

interface Run {
  /** Minute at whose end the analysis failed the canary. */
  rolledBackAt?: number
  alarmAt?: number
  metric?: string
}

function oneRun(candidate: Traffic, seed: number): Run {
  const random = seededRandom(`bench-analysis#${seed}`)
  const canary: Minute[] = []
  const baseline: Minute[] = []
  const run: Run = {}
  let alarmStreak = 0
  for (let minute = 1; minute <= MINUTES; minute++) {
    const at = minute * 60_000
    const c = { at, ...minuteOf(candidate, CANARY, random) }
    const b = { at, ...minuteOf(BASE, 1 - CANARY, random) }
    canary.push(c)
    baseline.push(b)
    const verdict = judge(canary, baseline, DEFAULT_RULE)
    if (verdict.result === 'fail' && run.rolledBackAt === undefined) Object.assign(run, { rolledBackAt: minute, metric: verdict.metric })
    alarmStreak = serviceWideBreach(c, b, candidate) ? alarmStreak + 1 : 0
    if (alarmStreak >= ALARM.periods && run.alarmAt === undefined) run.alarmAt = minute
  }
  return run
}

/** The service-wide minute breaches the alarm: the mixed 5xx rate, or the mixture's p99 (exact, no noise). */
function serviceWideBreach(c: { requests: number; errors: number }, b: { requests: number; errors: number }, candidate: Traffic): boolean {
  const rate = (c.errors + b.errors) / Math.max(1, c.requests + b.requests)
  return rate > ALARM.errorRate || mixtureP99(candidate) > ALARM.p99
}

function mixtureP99(candidate: Traffic): number {
  const cdf = (t: Traffic, x: number) => {
    const sigma = Math.log(t.latencyMs.p99 / t.latencyMs.p50) / 2.3263478740408408
    return 0.5 * (1 + erf((Math.log(x) - Math.log(t.latencyMs.p50)) / (sigma * Math.SQRT2)))
  }
  let lo = 0.001
  let hi = 100_000
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2
    if (CANARY * cdf(candidate, mid) + (1 - CANARY) * cdf(BASE, mid) < 0.99) lo = mid
    else hi = mid
  }
  return lo / 1000
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26, enough for a threshold comparison.
  const t = 1 / (1 + 0.3275911 * Math.abs(x))
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x)
  return x >= 0 ? y : -y
}

const describeMinutes = (xs: number[]): string => {
  if (xs.length === 0) return 'never'
  const s = [...xs].sort((a, b) => a - b)
  return s[0] === s[s.length - 1] ? `${s[0]} min` : `${s[0]}–${s[s.length - 1]} min (median ${s[Math.floor(s.length / 2)]})`
}

console.log(
  `Canary analysis, ${RUNS} seeded runs each: ${CANARY * 100} % canary for ${MINUTES} min, ${BASE.requestsPerSecond} requests/s, baseline 5xx ${BASE.errorRate * 100} %, p99 ${BASE.latencyMs.p99} ms\n`,
)
console.log('| Canary | Rolled back by the analysis | Time to rollback | Service-wide alarm fired | Time to alarm |')
console.log('|---|---|---|---|---|')
for (const s of SCENARIOS) {
  const runs = Array.from({ length: RUNS }, (_, i) => oneRun(s.candidate, i + 1))
  const rolled = runs.filter((r) => r.rolledBackAt !== undefined)
  const alarmed = runs.filter((r) => r.alarmAt !== undefined)
  const times = rolled.map((r) => r.rolledBackAt as number)
  console.log(`| ${s.name} | ${rolled.length}/${RUNS} | ${describeMinutes(times)} | ${alarmed.length}/${RUNS} | ${describeMinutes(alarmed.map((r) => r.alarmAt as number))} |`)
  if (s.bad ? rolled.length !== RUNS : rolled.length !== 0) process.exitCode = 1
}
