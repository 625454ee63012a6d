// Automatic canary analysis: the new revision's load balancer metrics judged against a baseline's (the old revision's
// target group over the same minutes, or the service's own target groups before the deployment). One pure rule,
// documented in the README with its numbers: a verdict is `fail` only when the difference is both large (a product
// threshold) and real (a statistical one); too little traffic is `inconclusive`, never a pass.

/** What the action does with a verdict: nothing (`off`), say it (`report`), or roll back on `fail` (`rollback`). */
export type AnalysisMode = 'off' | 'report' | 'rollback'
export const ANALYSIS_MODES: readonly AnalysisMode[] = ['off', 'report', 'rollback']

export interface AnalysisRule {
  /** The new 5xx rate may exceed the baseline's by this many percentage points (default 1). */
  errorRatePoints: number
  /** The new p99 may exceed the baseline's by this many percent (default 20) … */
  latencyPercent: number
  /** … for fewer than this many minutes in a row. */
  latencyMinutes: number
  /** Requests each side needs before anything is judged (default 100). */
  minRequests: number
  /** The two-proportion test's significance level (one-sided). */
  alpha: number
}

export const DEFAULT_RULE: AnalysisRule = { errorRatePoints: 1, latencyPercent: 20, latencyMinutes: 3, minRequests: 100, alpha: 0.01 }

/** One minute of one side: AWS/ApplicationELB RequestCount (Sum), HTTPCode_Target_5XX_Count (Sum) and
 * TargetResponseTime (p99, seconds; absent in a minute without requests). */
export interface Minute {
  /** Epoch ms of the minute's start. */
  at: number
  requests: number
  errors: number
  p99?: number
}

export interface ErrorRateJudgement {
  /** Requests and 5xx of each side over the minutes judged. */
  candidate: { requests: number; errors: number; rate: number }
  baseline: { requests: number; errors: number; rate: number }
  /** One-sided p-value of "the new rate is higher" (exact two-proportion test, conditional on both sides' errors). */
  pValue: number
}

export interface LatencyJudgement {
  /** The longest run of consecutive minutes with the new p99 over the limit, and the last minute's numbers. */
  streak: number
  candidateP99?: number
  baselineP99?: number
}

export interface Verdict {
  result: 'pass' | 'fail' | 'inconclusive'
  /** What failed, when it failed. */
  metric?: 'error-rate' | 'latency'
  /** The verdict in one sentence, with its numbers. */
  reason: string
  errorRate: ErrorRateJudgement
  latency: LatencyJudgement
  minutes: number
}

/** Judges `candidate` against `baseline`, minute by minute (the baseline's minutes are matched by `at` when both are
 * side by side; a before/after baseline is taken whole). */
export function judge(candidate: Minute[], baseline: Minute[], rule: AnalysisRule = DEFAULT_RULE, sideBySide = true): Verdict {
  const errorRate = judgeErrorRate(candidate, baseline)
  const latency = sideBySide ? latencyStreak(candidate, baseline, rule) : latencyAgainstWhole(candidate, baseline, rule)
  const base = { errorRate, latency, minutes: candidate.length }
  const diffPoints = (errorRate.candidate.rate - errorRate.baseline.rate) * 100
  if (errorRate.candidate.requests >= rule.minRequests && errorRate.baseline.requests >= rule.minRequests) {
    if (diffPoints > rule.errorRatePoints && errorRate.pValue < rule.alpha) {
      return { ...base, result: 'fail', metric: 'error-rate', reason: `5xx rate ${rates(errorRate)} (+${diffPoints.toFixed(2)} points, p=${pText(errorRate.pValue)})` }
    }
  }
  if (latency.streak >= rule.latencyMinutes) {
    return { ...base, result: 'fail', metric: 'latency', reason: `p99 ${latencyText(latency)} for ${latency.streak} minutes in a row` }
  }
  if (errorRate.candidate.requests < rule.minRequests || errorRate.baseline.requests < rule.minRequests) {
    return {
      ...base,
      result: 'inconclusive',
      reason: `too little traffic to judge: ${errorRate.candidate.requests} requests on the new revision, ${errorRate.baseline.requests} on the baseline (${rule.minRequests} needed on each)`,
    }
  }
  return { ...base, result: 'pass', reason: `5xx rate ${rates(errorRate)}, p99 ${latencyText(latency)}` }
}

function judgeErrorRate(candidate: Minute[], baseline: Minute[]): ErrorRateJudgement {
  const side = (ms: Minute[]) => {
    const requests = sum(ms.map((m) => m.requests))
    const errors = sum(ms.map((m) => m.errors))
    return { requests, errors, rate: requests > 0 ? errors / requests : 0 }
  }
  const c = side(candidate)
  const b = side(baseline)
  return { candidate: c, baseline: b, pValue: twoProportionP(c.errors, c.requests, b.errors, b.requests) }
}

/** One-sided p-value that proportion 1 exceeds proportion 2; 1 when undefined. Exact and conditional on the errors of
 * both sides: with the same rate, each error falls on side 1 with probability n1 / (n1 + n2), so the p-value is the
 * binomial tail P(X ≥ x1). A canary's first minutes have a handful of errors, where the z-test's normal approximation
 * calls noise significant about ten times too often. */
export function twoProportionP(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0 || x1 === 0) return 1
  const total = x1 + x2
  const share = n1 / (n1 + n2)
  if (share >= 1) return 1
  // Sum the tail's terms in log space, from x1 up, until they no longer count.
  let log = logChoose(total, x1) + x1 * Math.log(share) + x2 * Math.log(1 - share)
  let tail = 0
  for (let k = x1; k <= total; k++) {
    tail += Math.exp(log)
    if (Math.exp(log) < tail * 1e-12) break
    log += Math.log((total - k) / (k + 1)) + Math.log(share / (1 - share))
  }
  return Math.min(1, tail)
}

function logChoose(n: number, k: number): number {
  let sum = 0
  for (let i = 1; i <= k; i++) sum += Math.log((n - k + i) / i)
  return sum
}

/** Consecutive minutes (same `at` on both sides, each with `minRequests`) where the new p99 is over the limit. */
function latencyStreak(candidate: Minute[], baseline: Minute[], rule: AnalysisRule): LatencyJudgement {
  const byAt = new Map(baseline.map((m) => [m.at, m]))
  let streak = 0
  let longest = 0
  let last: LatencyJudgement = { streak: 0 }
  for (const c of [...candidate].sort((a, b) => a.at - b.at)) {
    const b = byAt.get(c.at)
    const judged = b && c.p99 !== undefined && b.p99 !== undefined && c.requests >= rule.minRequests && b.requests >= rule.minRequests
    if (!judged) {
      streak = 0
      continue
    }
    streak = overLimit(c.p99 as number, b.p99 as number, rule) ? streak + 1 : 0
    longest = Math.max(longest, streak)
    last = { streak: 0, candidateP99: c.p99, baselineP99: b.p99 }
  }
  return { ...last, streak: longest }
}

/** Before/after: each minute of the new revision against the baseline's median p99 over its whole window. */
function latencyAgainstWhole(candidate: Minute[], baseline: Minute[], rule: AnalysisRule): LatencyJudgement {
  const p99s = baseline.filter((m) => m.p99 !== undefined && m.requests >= rule.minRequests).map((m) => m.p99 as number)
  if (p99s.length === 0) return { streak: 0 }
  const typical = median(p99s)
  return latencyStreak(
    candidate,
    candidate.map((m) => ({ at: m.at, requests: rule.minRequests, errors: 0, p99: typical })),
    rule,
  )
}

const overLimit = (candidate: number, baseline: number, rule: AnalysisRule): boolean => candidate > baseline * (1 + rule.latencyPercent / 100)
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const pct = (rate: number): string => `${(rate * 100).toFixed(2)} %`
const rates = (e: ErrorRateJudgement): string =>
  `${pct(e.candidate.rate)} (${e.candidate.errors}/${e.candidate.requests}) against ${pct(e.baseline.rate)} (${e.baseline.errors}/${e.baseline.requests})`
const pText = (p: number): string => (p < 0.0001 ? '<0.0001' : p.toFixed(4))
const ms = (seconds: number | undefined): string => (seconds === undefined ? 'n/a' : `${Math.round(seconds * 1000)} ms`)
const latencyText = (l: LatencyJudgement): string => `${ms(l.candidateP99)} against ${ms(l.baselineP99)}`

/** `analysis` and its thresholds, as the inputs gave them. */
export interface AnalysisSettings {
  mode: AnalysisMode
  rule: AnalysisRule
}

/** The two target groups of a service behind one load balancer, as the metrics' dimensions (`targetgroup/…`,
 * `app/…`); which of them is the new revision's is read from the traffic (the one without requests before). */
export interface AnalysisTargets {
  loadBalancer: string
  targetGroups: [string, string]
}

/** What the analysis did in a run: nothing to compare, or its last verdict and the minutes it judged. */
export interface AnalysisFacts {
  mode: AnalysisMode
  /** Judged against the 30 minutes before the deployment (the bake) rather than side by side. */
  beforeAfter?: boolean
  /** Why nothing was judged (no load balancer, the metrics could not be read). */
  nothing?: string
  verdict?: Verdict
  candidate: Minute[]
  baseline: Minute[]
}

/** `targetgroup/<name>/<id>`, the dimension AWS/ApplicationELB names a target group by: its ARN's last part. */
export const targetGroupDimension = (arn: string): string => /:(targetgroup\/[^/]+\/[^/]+)$/.exec(arn)?.[1] ?? arn
/** `app/<name>/<id>`, from a load balancer's, listener's or listener rule's ARN; undefined for anything else. */
export const loadBalancerDimension = (arn: string): string | undefined => /:(?:loadbalancer|listener|listener-rule)\/(app\/[^/]+\/[^/]+)/.exec(arn)?.[1]

/** A service's first target group, as the metrics' dimension: what a before/after analysis reads during the bake. */
export function serviceTargetGroup(loadBalancers: { targetGroupArn?: string }[] = []): string | undefined {
  const arn = loadBalancers.find((lb) => lb.targetGroupArn)?.targetGroupArn
  return arn ? targetGroupDimension(arn) : undefined
}

/** The target group pair of an ECS-native service (its load balancer's `advancedConfiguration`); undefined without. */
export function nativeTargets(
  loadBalancers: { targetGroupArn?: string; advancedConfiguration?: { alternateTargetGroupArn?: string; productionListenerRule?: string } }[] = [],
): AnalysisTargets | undefined {
  for (const lb of loadBalancers) {
    const adv = lb.advancedConfiguration
    const loadBalancer = adv?.productionListenerRule ? loadBalancerDimension(adv.productionListenerRule) : undefined
    if (lb.targetGroupArn && adv?.alternateTargetGroupArn && loadBalancer) {
      return { loadBalancer, targetGroups: [targetGroupDimension(lb.targetGroupArn), targetGroupDimension(adv.alternateTargetGroupArn)] }
    }
  }
  return undefined
}
