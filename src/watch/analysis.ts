// When the canary analysis runs: on an engine's watch looks while both target groups take production traffic, it
// reads the load balancer metrics (watch/metrics.ts) at most every ANALYSIS_EVERY_MS, judges the new revision's
// minutes against the old one's (core/analysis.ts) and records the verdict on the facts. It reports, and asks for a
// rollback only in `rollback` mode; a read that fails is a warning, never the deployment's failure.
import type { Clients } from '../aws/clients.js'
import { errorText } from '../aws/errors.js'
import { DEFAULT_RULE, judge, type AnalysisFacts, type AnalysisSettings, type AnalysisTargets, type Minute, type Verdict } from '../core/analysis.js'
import type { DeploymentFacts } from '../core/facts.js'
import type { Timeline } from '../core/timeline.js'
import type { RunContext } from './context.js'
import { loadBalancerOf, readMinutes } from './metrics.js'

/** One GetMetricData every 10 s while side by side: a new minute is judged within seconds of being published, for 6
 * of the run's 30 calls a minute. */
export const ANALYSIS_EVERY_MS = 10_000
/** The baseline window before the deployment, and how far past its start the reads reach. */
const BEFORE_MS = 30 * 60_000
const AFTER_MS = 24 * 60 * 60_000

export type AnalysisPlan = AnalysisSettings & { targets?: AnalysisTargets; bakeTargetGroup?: string }
const OFF: AnalysisPlan = { mode: 'off', rule: DEFAULT_RULE }

export class CanaryAnalysis {
  private lastRead = Number.NEGATIVE_INFINITY
  private lastResult?: string
  private warned = false
  /** Target groups to read were known at a look. */
  private found = false
  /** The load balancer the bake's target group is published under, once ListMetrics said. */
  private bakeLoadBalancer?: string

  constructor(
    private readonly clients: Clients,
    private readonly run: RunContext,
    private readonly timeline: Timeline,
    private readonly plan: AnalysisPlan = OFF,
    private readonly facts: DeploymentFacts,
  ) {
    if (plan.mode !== 'off') facts.analysis = { mode: plan.mode, candidate: [], baseline: [] }
  }

  private at(): Date {
    return new Date(this.run.clock.now())
  }

  /** Whether a look now would read, with `percent` of production on the new revision (an engine that must find its
   * target groups first asks before it does). */
  due(percent: number): boolean {
    return percent > 0 && percent < 100 && this.readDue()
  }

  private readDue(): boolean {
    return this.plan.mode !== 'off' && this.run.clock.now() - this.lastRead >= ANALYSIS_EVERY_MS
  }

  /** On a watch look: `percent` of production traffic is on the new revision, whose deployment started at `startedAt`
   * (the server's time: the metrics are stamped by it), behind `targets` (the plan's unless the engine found them).
   * True when the analysis asks for a rollback now. */
  async look(percent: number, startedAt: Date | undefined, targets = this.plan.targets): Promise<boolean> {
    if (!this.due(percent)) return false
    this.lastRead = this.run.clock.now()
    if (!targets || !startedAt) return false
    this.found = true
    let minutes: Minute[][]
    try {
      minutes = await readMinutes(this.clients, this.run, targets, startedAt.getTime() - BEFORE_MS, startedAt.getTime() + AFTER_MS)
    } catch (error) {
      this.warn(error)
      return false
    }
    const verdict = this.judgeSideBySide(minutes, startedAt.getTime())
    return this.plan.mode === 'rollback' && verdict === 'fail'
  }

  /** On a bake look (before/after): the service's target group since `window.bakeStart` against the 30 minutes before
   * `window.deploymentStart` (server times). True when the analysis asks for a rollback now. */
  async bakeLook(window: { deploymentStart: Date; bakeStart: Date } | undefined): Promise<boolean> {
    const targetGroup = this.plan.bakeTargetGroup
    if (!targetGroup || !window || !this.readDue()) return false
    this.lastRead = this.run.clock.now()
    let minutes: Minute[]
    try {
      this.bakeLoadBalancer ??= await loadBalancerOf(this.clients, this.run, targetGroup)
      if (!this.bakeLoadBalancer) return false
      const start = window.deploymentStart.getTime()
      ;[minutes] = await readMinutes(this.clients, this.run, { loadBalancer: this.bakeLoadBalancer, targetGroups: [targetGroup] }, start - BEFORE_MS, start + AFTER_MS)
    } catch (error) {
      this.warn(error)
      return false
    }
    this.found = true
    const before = minutes.filter((m) => m.at < window.deploymentStart.getTime())
    const after = minutes.filter((m) => m.at >= window.bakeStart.getTime())
    const verdict = judge(after, before, this.plan.rule, false)
    this.record({ mode: this.plan.mode, beforeAfter: true, verdict, candidate: after, baseline: before })
    return this.plan.mode === 'rollback' && verdict.result === 'fail'
  }

  private warn(error: unknown): void {
    if (!this.warned) this.timeline.emit({ type: 'warning', at: this.at(), message: `canary analysis: ${errorText(error)}; judging again at the next read` })
    this.warned = true
  }

  /** The verdict on the facts, and on the timeline when its result changed. */
  private record(analysis: AnalysisFacts & { verdict: Verdict }): void {
    this.facts.analysis = analysis
    const { result, reason } = analysis.verdict
    if (result !== this.lastResult) {
      this.timeline.emit({ type: 'analysis', at: this.at(), result, reason })
      // Reported, not acted on: a warning, so a succeeded deployment still says it.
      if (result === 'fail' && this.plan.mode === 'report') {
        this.timeline.emit({ type: 'warning', at: this.at(), message: `canary analysis failed the new revision (analysis: report, so nothing is rolled back): ${reason}` })
      }
    }
    this.lastResult = result
  }

  /** The new revision's target group is the one that took fewer requests before the deployment started. */
  private judgeSideBySide([a, b]: Minute[][], startedAt: number): string {
    const before = (ms: Minute[]) => ms.filter((m) => m.at < startedAt).reduce((s, m) => s + m.requests, 0)
    const [candidate, baseline] = before(a) <= before(b) ? [a, b] : [b, a]
    const baseAt = new Set(baseline.filter((m) => m.at >= startedAt).map((m) => m.at))
    const sideBySide = candidate.filter((m) => baseAt.has(m.at))
    const matched = baseline.filter((m) => sideBySide.some((c) => c.at === m.at))
    const verdict = judge(sideBySide, matched, this.plan.rule)
    this.record({ mode: this.plan.mode, verdict, candidate: sideBySide, baseline: matched })
    return verdict.result
  }

  /** After the watch: the verdict it ended on, or that both target groups never took traffic at once. */
  finish(): void {
    const analysis = this.facts.analysis
    if (!analysis || analysis.nothing) return
    if (!analysis.verdict) {
      analysis.nothing = this.nothingSaid()
      this.timeline.emit({ type: 'analysis', at: this.at(), result: 'nothing', reason: analysis.nothing })
    } else {
      const over = `${analysis.verdict.minutes} minutes${analysis.beforeAfter ? ' of the bake against the 30 before the deployment' : ''}`
      this.timeline.emit({ type: 'analysis', at: this.at(), result: analysis.verdict.result, reason: `verdict over ${over}: ${analysis.verdict.reason}` })
    }
  }

  /** Why there is no verdict, in words. */
  private nothingSaid(): string {
    if (this.found || this.plan.targets) return 'nothing to compare: the two target groups never took production traffic at the same time'
    if (this.plan.bakeTargetGroup) {
      return "nothing to compare: the service's target group is judged during bake-time against the 30 minutes before the deployment, and there was no bake or its target group published no metrics"
    }
    return 'nothing to compare: the service has no load balancer target group'
  }
}
