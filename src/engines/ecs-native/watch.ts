// Follows an ECS-native (blue/green, canary, linear) service deployment on the one poll loop: one
// DescribeServiceDeployments per look (lifecycle stage, traffic weights, hooks, status), DescribeServices now and then
// for service events, our deployment's task counts and — when they say tasks stopped — the stopped tasks. Both reads
// are shared with the run's other watches of the cluster (watch/service-looks.ts).
import type { Deployment, Service, ServiceDeployment } from '@aws-sdk/client-ecs'
import { revisionOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { crashLoopReason } from '../../core/fail-fast.js'
import type { HookObservation, NativeFacts } from '../../core/facts.js'
import type { Timeline } from '../../core/timeline.js'
import type { CanaryAnalysis } from '../../watch/analysis.js'
import type { RunContext } from '../../watch/context.js'
import { pollLoop, type Seen } from '../../watch/loop.js'
import { DeploymentTracker, EventFeed, MENTIONS_STOPPED, observe, serviceDeploymentObservation } from '../../watch/service.js'
import { watchService, watchServiceDeployment, type ServiceDeploymentWatch, type ServiceWatch } from '../../watch/service-looks.js'
import { StoppedTaskCollector } from '../../watch/stopped-tasks.js'
import { APPROVAL_STAGE, bakeLine, bakeMinutes, type NativePlan } from './settings.js'

/** Without a change, DescribeServices (for service events and task counts) every this many looks. */
const SERVICE_LOOK_EVERY = 3

/** ECS's ServiceDeploymentLifecycleStage values in the order a deployment walks them (a linear or canary one repeats
 * the traffic steps). PRE_PRODUCTION_TRAFFIC_SHIFT is a hook stage, never a deployment's lifecycle stage. */
const STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
]
const ENDED = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'])

/** How a look-through ended: the service deployment ended, a fail fast, the deadline, the release's stop, the
 * deployment waits at the approval hook this run added (`paused`), or it reached its bake (`live`, when asked). */
export type End = 'ended' | 'fail-fast' | 'timeout' | 'stopped' | 'paused' | 'live'

export class NativeWatch {
  sd?: ServiceDeployment
  private stage?: string
  private production = 0
  private test = 0
  private readonly hooks = new Map<string, { status: string; stage?: string; targetArn?: string; targetType?: string }>()
  private failedHook?: HookObservation
  /** The stage the deployment was at when it began to roll back. */
  private stageAtRollback?: string
  private rollbackShown = false
  private readonly feed: EventFeed
  private readonly tracker: DeploymentTracker
  private readonly stopped?: StoppedTaskCollector
  private looks = 0
  private service?: Service
  /** Our deployment ran its desired count at least once: a healthy rollout, never failed fast. */
  private reachedDesired = false
  private failedFast = false
  /** Fail fast after this many of our tasks failed the same way (0: never; only until a rollback). */
  maxTaskFailures = 0
  /** The canary analysis, looking while production traffic is split (only until a rollback). */
  analysis?: CanaryAnalysis
  /** End `live` once, when production traffic is on the new revision and ECS bakes with the old one still there: a
   * smoke test then runs while StopServiceDeployment(ROLLBACK) can still undo the deployment. */
  liveAtBake = false
  wentLive = false

  constructor(
    private readonly clients: Clients,
    private readonly plan: NativePlan,
    private readonly facts: NativeFacts,
    private readonly timeline: Timeline,
    private readonly context: RunContext,
    knownEvents: string[],
  ) {
    this.feed = new EventFeed(timeline, context.clock.now, knownEvents, facts.startedAt)
    this.tracker = new DeploymentTracker(timeline, context.clock.now)
    if (facts.deploymentId && facts.final) this.tracker.known(facts.final)
    if (facts.deploymentId) {
      this.stopped = new StoppedTaskCollector(clients, context, timeline, plan.cluster, { deploymentId: facts.deploymentId }, facts.taskDefinition)
    }
  }

  get status(): string | undefined {
    return this.sd?.status
  }

  get clock(): RunContext['clock'] {
    return this.context.clock
  }

  private at(): Date {
    return new Date(this.context.clock.now())
  }

  /** Looks until the service deployment has ended or `deadline` comes. */
  async run(deadline: number): Promise<End> {
    const arn = this.facts.serviceDeploymentArn!
    const looks = {
      sd: watchServiceDeployment(this.clients, this.context, this.plan.cluster, arn),
      service: watchService(this.clients, this.context, this.plan.cluster, this.plan.service),
    }
    try {
      const looped = await pollLoop(this.context, this.timeline, deadline, { doing: `watching ${this.plan.service}`, lookFirst: this.looks === 0 }, () => this.look(arn, looks))
      if ('end' in looped) return looped.end
      return looped.cut === 'stopped' ? 'stopped' : 'timeout'
    } finally {
      looks.sd.close()
      looks.service.close()
    }
  }

  private async look(arn: string, looks: { sd: ServiceDeploymentWatch; service: ServiceWatch }): Promise<Seen<End>> {
    this.looks++
    const sd = await looks.sd.describe()
    if (!sd) throw new Error(`DescribeServiceDeployments: ${arn}: not returned`)
    const before = this.sd
    this.sd = sd
    // A failed hook explains the rollback the status announces: note it first.
    this.noteFailedHook(sd)
    let changed = this.followStatus(before, sd)
    // Traffic moves before the stages after PRODUCTION_TRAFFIC_SHIFT: log it first when the look jumped there.
    if (STAGES.indexOf(sd.lifecycleStage ?? '') > STAGES.indexOf('PRODUCTION_TRAFFIC_SHIFT')) {
      changed = this.followTraffic(sd) || changed
      changed = this.followStage(sd) || changed
    } else {
      changed = this.followStage(sd) || changed
      changed = this.followTraffic(sd) || changed
    }
    changed = this.followHooks(sd) || changed
    if (this.facts.awaitingApproval) return { end: 'paused' }
    if (this.liveAtBake && !this.wentLive && sd.status === 'IN_PROGRESS' && sd.lifecycleStage === 'BAKE_TIME') {
      this.wentLive = true
      return { end: 'live' }
    }
    const ended = ENDED.has(sd.status ?? '')
    if (changed || ended || this.looks % SERVICE_LOOK_EVERY === 1) changed = (await this.lookAtService(looks.service, ended)) || changed
    // A service being deleted will never complete our deployment, and a crash loop is not worth waiting out: say so now.
    if (this.facts.failFast && !this.failedFast && !ended) {
      this.failedFast = true
      return { end: 'fail-fast' }
    }
    // A failed verdict in `rollback` mode stops the deployment as a fail fast does (core/rollback.ts names it).
    if (!ended && !this.rollbackShown && !this.failedFast && (await this.analysis?.look(this.production, sd.startedAt ?? sd.createdAt))) {
      this.failedFast = true
      return { end: 'fail-fast' }
    }
    return ended || this.facts.serviceGone ? { end: 'ended' } : { changed }
  }

  private followStatus(before: ServiceDeployment | undefined, sd: ServiceDeployment): boolean {
    if (before?.status === sd.status) return false
    if (/^ROLLBACK_/.test(sd.status ?? '') && !this.rollbackShown) {
      this.rollbackShown = true
      this.stageAtRollback = before?.lifecycleStage ?? sd.lifecycleStage
      if (!this.facts.actionRollback) {
        this.timeline.emit({
          type: 'rollback',
          at: this.at(),
          from: this.facts.deploymentId ?? '',
          to: revisionOf(this.plan.previousTaskDefinitionArn, '?'),
          reason: this.rollbackReason(),
          by: 'ecs',
        })
      }
    }
    return true
  }

  private followStage(sd: ServiceDeployment): boolean {
    const stage = sd.lifecycleStage
    if (!stage || stage === this.stage) return false
    const rollingBack = /^ROLLBACK_/.test(sd.status ?? '')
    // Stages with nothing to wait for can pass between two looks; say which, in order.
    const from = this.stage ? STAGES.indexOf(this.stage) + 1 : STAGES.indexOf('PRE_SCALE_UP')
    const passed = rollingBack || from < 0 ? [] : STAGES.slice(from, Math.max(from, STAGES.indexOf(stage)))
    const also = passed.length > 0 ? ` (passed since the last look: ${passed.join(', ')})` : ''
    this.stage = stage
    if (stage === 'BAKE_TIME' && !rollingBack) {
      const minutes = sd.deploymentConfiguration?.bakeTimeInMinutes ?? this.configuredBake()
      this.timeline.emit({ type: 'phase', at: this.at(), phase: 'bake', detail: `lifecycle stage BAKE_TIME${also} — ${bakeLine(minutes, this.plan)}` })
    } else {
      this.timeline.emit({ type: 'phase', at: this.at(), phase: 'watch', detail: `lifecycle stage ${stage}${rollingBack ? ' (rolling back)' : also}` })
    }
    return true
  }

  private configuredBake(): number {
    return bakeMinutes(this.plan.bakeTimeMs, this.plan.currentDeploymentConfiguration)
  }

  private followTraffic(sd: ServiceDeployment): boolean {
    const target = sd.targetServiceRevision
    let changed = false
    const test = target?.requestedTestTrafficWeight
    if (test !== undefined && test !== this.test) {
      this.timeline.emit({ type: 'traffic-shifted', at: this.at(), from: this.test, to: test, label: 'test' })
      this.test = test
      changed = true
    }
    const production = target?.requestedProductionTrafficWeight
    if (production !== undefined && production !== this.production) {
      this.timeline.emit({ type: 'traffic-shifted', at: this.at(), from: this.production, to: production, label: 'production' })
      this.production = production
      ;(this.facts.trafficShifts ??= []).push({ percent: production, at: this.at() })
      changed = true
    }
    return changed
  }

  private followHooks(sd: ServiceDeployment): boolean {
    let changed = false
    for (const hook of sd.lifecycleHookDetails ?? []) {
      if (!hook.hookId || !hook.status) continue
      const known = this.hooks.get(hook.hookId)
      if (known?.status === hook.status) continue
      const stage = known?.stage ?? sd.lifecycleStage
      this.hooks.set(hook.hookId, { status: hook.status, stage, targetArn: hook.targetArn, targetType: hook.targetType })
      changed = true
      const ours = this.plan.approval && hook.targetType === 'PAUSE' && stage === APPROVAL_STAGE
      if (ours && hook.status === 'AWAITING_ACTION') {
        this.facts.awaitingApproval = { id: this.facts.serviceDeploymentArn!, at: stage, ...(hook.expiresAt ? { expiresAt: hook.expiresAt } : {}) }
        this.timeline.emit({ type: 'hook-waiting', at: this.at(), hook: `approval at ${stage}`, detail: this.ourApproval(hook.hookId, hook.expiresAt) })
      } else if (hook.status === 'AWAITING_ACTION') {
        this.timeline.emit({
          type: 'hook-waiting',
          at: this.at(),
          hook: `approval (PAUSE hook ${hook.hookId}${stage ? ` at ${stage}` : ''})`,
          detail: this.approval(hook.hookId, hook.expiresAt, hook.timeoutAction),
        })
      } else if (hook.status === 'IN_PROGRESS') {
        this.timeline.emit({
          type: 'hook-waiting',
          at: this.at(),
          hook: `lifecycle hook ${hook.targetArn ?? hook.hookId}${stage ? ` at ${stage}` : ''}`,
          detail: `the hook is running (${hook.hookId})`,
        })
      }
    }
    return changed
  }

  /** The first hook that failed (or timed out with ROLLBACK) before any rollback this run asked for. */
  private noteFailedHook(sd: ServiceDeployment): void {
    if (this.failedHook || this.facts.actionRollback) return
    const hook = (sd.lifecycleHookDetails ?? []).find((h) => h.hookId && (h.status === 'FAILED' || (h.status === 'TIMED_OUT' && h.timeoutAction !== 'CONTINUE')))
    if (!hook?.hookId || !hook.status) return
    const stage = this.hooks.get(hook.hookId)?.stage ?? sd.lifecycleStage
    this.failedHook = { name: hook.hookId, target: hook.targetArn ?? 'PAUSE', ...(stage ? { stage } : {}), status: hook.status }
  }

  /** The pause this run added (`approval`): how a later run approves or rejects it, and when it rolls back by itself. */
  private ourApproval(hookId: string, expiresAt: Date | undefined): string {
    const id = this.facts.serviceDeploymentArn
    const lapse = expiresAt ? ` At ${expiresAt.toISOString()} the pause times out and ECS rolls back.` : ''
    return `PAUSE hook ${hookId}: test traffic is on the new revision and production traffic is not; approve with \`approve: ${id}\` or reject with \`reject: ${id}\` in a later run.${lapse}`
  }

  /** How to approve or reject a waiting PAUSE hook, and what happens when nobody does. */
  private approval(hookId: string, expiresAt: Date | undefined, timeoutAction: string | undefined): string {
    const command = `aws ecs continue-service-deployment --service-deployment-arn ${this.facts.serviceDeploymentArn} --hook-id ${hookId}`
    const lapse = expiresAt ? ` At ${expiresAt.toISOString()} the hook times out and ECS ${timeoutAction === 'CONTINUE' ? 'continues' : 'rolls back'}.` : ''
    const ours =
      this.plan.rollback === 'on-failure' && (!expiresAt || this.plan.deadline < expiresAt.getTime())
        ? ` This run rolls back at its timeout (${new Date(this.plan.deadline).toISOString()}) if the deployment has not finished by then.`
        : ''
    return `continue with \`${command} --action CONTINUE\`, or roll back with \`${command} --action ROLLBACK\`.${lapse}${ours}`
  }

  /** DescribeServices: new service events, our deployment's task counts, and the tasks of ours that stopped. */
  private async lookAtService(watch: ServiceWatch, ended: boolean): Promise<boolean> {
    const service = await watch.describe()
    this.service = service
    if (service.status && service.status !== 'ACTIVE') this.facts.serviceGone = service.status
    const messages = this.feed.take(service.events)
    let changed = messages.length > 0
    if (this.stopped && messages.some((m) => MENTIONS_STOPPED.test(m))) this.stopped.wanted = true
    const found = (service.deployments ?? []).find((d) => d.id === this.facts.deploymentId)
    const ours = found && observe(found)
    if (ours) {
      if (this.stopped && ours.counts.failed > (this.facts.final?.counts.failed ?? 0)) this.stopped.wanted = true
      // At the deadline our deployment's last look is what the timeout is about; the rollback does not change it.
      if (!this.facts.actionRollback) this.facts.final = ours
      if (this.tracker.track(ours)) changed = true
    }
    if (this.stopped && (this.stopped.wanted || (ended && this.sd?.status !== 'SUCCESSFUL'))) {
      if (await this.stopped.collect()) changed = true
    }
    if (ours && this.stopped && !ended && !/^ROLLBACK_/.test(this.sd?.status ?? '')) {
      this.reachedDesired ||= ours.counts.desired > 0 && ours.counts.running >= ours.counts.desired
      const reason = this.reachedDesired || this.failedFast ? undefined : crashLoopReason(this.stopped.stopped, ours.counts, this.maxTaskFailures)
      if (reason) this.facts.failFast = reason
    }
    return changed
  }

  /** The PRIMARY deployment when it is not ours: the one ECS went back to. */
  otherPrimary(): Deployment | undefined {
    return (this.service?.deployments ?? []).find((d) => d.status === 'PRIMARY' && d.id !== this.facts.deploymentId)
  }

  /** Where the deployment stands, in words: `PRODUCTION_TRAFFIC_SHIFT, production traffic 20%`. */
  where(): string {
    return `${this.sd?.status ?? 'not seen'}${this.stage ? ` at ${this.stage}` : ''}, production traffic ${this.production}% on the new revision`
  }

  /** A PAUSE hook waiting for approval, or a Lambda hook still running. */
  waitingHook(): HookObservation | undefined {
    const waiting = [...this.hooks].find(([, h]) => h.status === 'AWAITING_ACTION' || h.status === 'IN_PROGRESS')
    if (!waiting) return undefined
    const [id, h] = waiting
    return { name: id, target: h.targetArn ?? 'PAUSE', ...(h.stage ? { stage: h.stage } : {}), status: h.status }
  }

  /** The hook that failed the deployment: not one ECS gave up on because an alarm or the breaker failed it first. */
  private culprit(): HookObservation | undefined {
    const reason = this.sd?.rollback?.reason ?? this.sd?.statusReason ?? ''
    return this.failedHook && !/alarm|circuit breaker/i.test(reason) ? this.failedHook : undefined
  }

  rollbackReason(): string {
    const reason = this.sd?.rollback?.reason ?? this.sd?.statusReason ?? 'ECS rolled the service deployment back'
    const hook = this.culprit()
    if (hook && !reason.includes(hook.name) && !(hook.target && reason.includes(hook.target))) {
      return `${reason} (lifecycle hook ${hook.target === 'PAUSE' ? hook.name : hook.target} ${hook.status}${hook.stage ? ` at ${hook.stage}` : ''})`
    }
    return reason
  }

  /** Puts what the watch saw into the facts (src/core/outcome.ts judges them). */
  record(): void {
    const facts = this.facts
    const sd = this.sd
    facts.stoppedTasks = this.stopped ? [...this.stopped.stopped] : facts.stoppedTasks
    if (!sd) return
    facts.serviceDeployment = serviceDeploymentObservation(facts.serviceDeploymentArn!, sd)
    if (this.stageAtRollback) facts.stageAtRollback = this.stageAtRollback
    const culprit = this.culprit()
    if (culprit) facts.hook = { ...culprit, ...(sd.statusReason ? { reason: sd.statusReason } : {}) }
    else facts.hook ??= this.waitingHook()
    const status = sd.status ?? ''
    const minutes = sd.deploymentConfiguration?.bakeTimeInMinutes ?? this.configuredBake()
    const triggered = sd.alarms?.triggeredAlarmNames ?? []
    if (this.stageAtRollback === 'BAKE_TIME' && triggered.length > 0) {
      facts.bake = { durationMs: minutes * 60_000, alarms: facts.alarms, passed: false, fired: { name: triggered[0] }, cutShortByDeadline: false }
    }
    if (status === 'SUCCESSFUL') {
      if (minutes > 0) facts.bake = { durationMs: minutes * 60_000, alarms: facts.alarms, passed: true, cutShortByDeadline: false }
      return
    }
    if (facts.actionRollback) return
    if (/^ROLLBACK_/.test(status)) {
      const reason = this.rollbackReason()
      const primary = this.otherPrimary()
      facts.ecsRollback = {
        deploymentId: primary?.id ?? `service revision ${revisionOf(sd.rollback?.serviceRevisionArn ?? sd.sourceServiceRevisions?.[0]?.arn, '?')}`,
        taskDefinition: primary?.taskDefinition ?? facts.previousTaskDefinitionArn,
        reason: this.stageAtRollback === 'BAKE_TIME' ? `${reason.replace(/\.$/, '')} — during the bake time, with production traffic on the new revision.` : reason,
        completed: status === 'ROLLBACK_SUCCESSFUL',
        failed: status === 'ROLLBACK_FAILED',
        ...(primary ? { final: observe(primary) } : {}),
      }
      return
    }
    if (status === 'STOPPED') {
      const current = this.service?.currentServiceDeployment
      const primary = (this.service?.deployments ?? []).find((d) => d.status === 'PRIMARY')
      if (current && current !== facts.serviceDeploymentArn && primary && primary.id !== facts.deploymentId) {
        facts.supersededBy = { deploymentId: primary.id ?? current, taskDefinition: primary.taskDefinition, rolloutStateReason: primary.rolloutStateReason }
      }
    }
  }
}
