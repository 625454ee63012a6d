// When the canary analysis runs: on an engine's watch looks while both target groups take production traffic, it
// reads the load balancer metrics (watch/metrics.ts) at most every ANALYSIS_EVERY_MS, judges the new revision's
// minutes against the old one's (core/analysis.ts) and records the verdict on the facts. It reports, and asks for a
// rollback only in `rollback` mode; a read that fails is a warning, never the deployment's failure.
import type { Clients } from '../aws/clients.js'
import { errorText } from '../aws/errors.js'
import { DEFAULT_RULE, judge, type AnalysisSettings, type AnalysisTargets, type Minute } from '../core/analysis.js'
import type { DeploymentFacts } from '../core/facts.js'
import type { Timeline } from '../core/timeline.js'
import type { RunContext } from './context.js'
import { readMinutes } from './metrics.js'

/** One GetMetricData every 10 s while side by side: a new minute is judged within seconds of being published, for 6
 * of the run's 30 calls a minute. */
export const ANALYSIS_EVERY_MS = 10_000
/** The baseline window before the deployment, and how far past its start the reads reach. */
const BEFORE_MS = 30 * 60_000
const AFTER_MS = 24 * 60 * 60_000

export type AnalysisPlan = AnalysisSettings & { targets?: AnalysisTargets }
const OFF: AnalysisPlan = { mode: 'off', rule: DEFAULT_RULE }

export class CanaryAnalysis {
  private lastRead = Number.NEGATIVE_INFINITY
  private lastResult?: string
  private warned = false
  /** Target groups to read were known at a look. */
  private found = false

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

  /** Whether a look now would read (an engine that must find its target groups first asks before it does). */
  due(percent: number): boolean {
    return this.plan.mode !== 'off' && percent > 0 && percent < 100 && this.run.clock.now() - this.lastRead >= ANALYSIS_EVERY_MS
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
      if (!this.warned) this.timeline.emit({ type: 'warning', at: this.at(), message: `canary analysis: GetMetricData: ${errorText(error)}; judging again at the next read` })
      this.warned = true
      return false
    }
    const verdict = this.judgeSideBySide(minutes, startedAt.getTime())
    return this.plan.mode === 'rollback' && verdict === 'fail'
  }

  /** The new revision's target group is the one that took fewer requests before the deployment started. */
  private judgeSideBySide([a, b]: Minute[][], startedAt: number): string {
    const before = (ms: Minute[]) => ms.filter((m) => m.at < startedAt).reduce((s, m) => s + m.requests, 0)
    const [candidate, baseline] = before(a) <= before(b) ? [a, b] : [b, a]
    const baseAt = new Set(baseline.filter((m) => m.at >= startedAt).map((m) => m.at))
    const sideBySide = candidate.filter((m) => baseAt.has(m.at))
    const matched = baseline.filter((m) => sideBySide.some((c) => c.at === m.at))
    const verdict = judge(sideBySide, matched, this.plan.rule)
    this.facts.analysis = { mode: this.plan.mode, verdict, candidate: sideBySide, baseline: matched }
    if (verdict.result !== this.lastResult) this.timeline.emit({ type: 'analysis', at: this.at(), result: verdict.result, reason: verdict.reason })
    this.lastResult = verdict.result
    return verdict.result
  }

  /** After the watch: the verdict it ended on, or that both target groups never took traffic at once. */
  finish(): void {
    const analysis = this.facts.analysis
    if (!analysis || analysis.nothing) return
    if (!analysis.verdict) {
      analysis.nothing =
        this.found || this.plan.targets
          ? 'nothing to compare: the two target groups never took production traffic at the same time'
          : 'nothing to compare: the service has no target group pair the analysis reads (a load balancer with advancedConfiguration, as ECS blue/green, canary and linear deployments have, or a CodeDeploy deployment group whose traffic was split)'
      this.timeline.emit({ type: 'analysis', at: this.at(), result: 'nothing', reason: analysis.nothing })
    } else {
      this.timeline.emit({
        type: 'analysis',
        at: this.at(),
        result: analysis.verdict.result,
        reason: `verdict over ${analysis.verdict.minutes} minutes: ${analysis.verdict.reason}`,
      })
    }
  }
}
