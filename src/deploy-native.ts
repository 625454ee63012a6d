// ECS's own blue/green, canary and linear deployments (deploymentConfiguration.strategy on a service with the ECS
// deployment controller): register → UpdateService with the strategy → watch the service deployment through its
// lifecycle stages, traffic weights and hooks → (on timeout) StopServiceDeployment(ROLLBACK). Like the rolling
// engine it records facts and decides nothing; src/outcome.ts turns them into the outcome.
//
// bake-time becomes ECS's own bakeTimeInMinutes: ECS keeps the previous revision running after production traffic
// has moved and watches the deployment's alarms, so an alarm during the bake rolls back at once, by a listener
// change rather than a new rollout.
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type Deployment,
  type DeploymentConfiguration,
  type Service,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs'
import type { Clients } from './aws-clients.js'
import { registerTaskDefinition, revisionOf, startFacts } from './register.js'
import { deploymentConfigurationFor, type RollingPlan } from './deploy-rolling.js'
import type { Engine } from './engine.js'
import type { DeploymentFacts, DeploymentObservation, HookObservation, ServiceDeploymentObservation } from './facts.js'
import { Poller, errorText, isThrottling, isTransient, type PollOptions } from './poller.js'
import type { Timeline } from './timeline.js'
import { observe } from './watch.js'

export type NativeEngine = Extract<Engine, { kind: 'ecs-native' }>
export type NativePlan = RollingPlan & { engine: NativeEngine }

export interface NativeOptions {
  /** Pacing of the watch (and the clock for everything). */
  watch?: PollOptions
}

const DEFAULT_ROLLBACK_TIMEOUT_MS = 10 * 60_000
/** Without a change, DescribeServices (for service events and task counts) every this many looks. */
const SERVICE_LOOK_EVERY = 3
/** Non-throttling errors (5xx, dropped connections) tolerated in a row before the watch gives up. */
const MAX_TRANSIENT_ERRORS = 5

/** The lifecycle stages in the order a deployment walks them (a linear or canary one repeats the traffic steps). */
const STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
]
const ROLLING_BACK = /^ROLLBACK_(REQUESTED|IN_PROGRESS)$/
const ENDED = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'])

/** ECS's bake in whole minutes: bake-time rounded up; with bake-time 0, the service's own bake time stays. */
export function bakeMinutes(bakeTimeMs: number, current: DeploymentConfiguration | undefined): number {
  return bakeTimeMs > 0 ? Math.ceil(bakeTimeMs / 60_000) : (current?.bakeTimeInMinutes ?? 0)
}

/**
 * The service's configuration with the strategy and its settings, the bake time, the circuit breaker and the
 * alarms. The other strategy's settings are dropped: ECS rejects canaryConfiguration on a LINEAR deployment.
 */
export function nativeConfiguration(plan: NativePlan): DeploymentConfiguration {
  const { linearConfiguration, canaryConfiguration, ...current } = plan.currentDeploymentConfiguration ?? {}
  const strategy = plan.engine.strategy
  return {
    ...deploymentConfigurationFor(current, plan.alarms, plan.rollback),
    ...(strategy === 'LINEAR' && linearConfiguration ? { linearConfiguration } : {}),
    ...(strategy === 'CANARY' && canaryConfiguration ? { canaryConfiguration } : {}),
    ...plan.engine.configuration,
    bakeTimeInMinutes: bakeMinutes(plan.bakeTimeMs, plan.currentDeploymentConfiguration),
  }
}


function clock(options: NativeOptions): { now: () => number; at: () => Date } {
  const now = options.watch?.now ?? Date.now
  return { now, at: () => new Date(now()) }
}

/** The line that says what the bake is and what ends it. */
function bakeLine(minutes: number, plan: NativePlan): string {
  const given = plan.bakeTimeMs > 0 && plan.bakeTimeMs % 60_000 !== 0 ? ` (bake-time ${Math.round(plan.bakeTimeMs / 1000)} s rounded up to whole minutes)` : ''
  const alarms = plan.alarms.length > 0 ? `alarms ${plan.alarms.join(', ')}` : "the deployment's alarms"
  return minutes > 0
    ? `ECS bake time ${minutes} min${given}: after production traffic has moved, ECS keeps the previous revision running and watches ${alarms}; an alarm in ALARM rolls traffic back at once`
    : 'ECS bake time 0 min: the previous revision stops as soon as production traffic has moved'
}

export async function runNative(clients: Clients, plan: NativePlan, timeline: Timeline, options: NativeOptions = {}): Promise<DeploymentFacts> {
  const { at } = clock(options)
  const facts = startFacts(plan, at, plan.engine.label)
  const finish = (): DeploymentFacts => {
    facts.finishedAt = at()
    return facts
  }

  const taskDefinitionArn = await registerTaskDefinition(clients, plan, facts, timeline, at)
  if (!taskDefinitionArn) return finish()

  const config = nativeConfiguration(plan)
  timeline.emit({ type: 'phase', at: at(), phase: 'deploy', detail: `${taskDefinitionArn} — ${plan.engine.label}; ${bakeLine(config.bakeTimeInMinutes ?? 0, plan)}` })
  let updated: Service | undefined
  try {
    const out = await clients.ecs.send(
      new UpdateServiceCommand({ cluster: plan.cluster, service: plan.service, taskDefinition: taskDefinitionArn, deploymentConfiguration: config }),
    )
    updated = out.service
  } catch (error) {
    facts.error = `UpdateService (${plan.cluster}/${plan.service}, strategy ${config.strategy}): ${errorText(error)}`
    return finish()
  }
  const arn = updated?.currentServiceDeployment
  if (!arn) {
    facts.error = `UpdateService response names no service deployment for ${taskDefinitionArn}`
    return finish()
  }
  const mine = (updated?.deployments ?? []).filter((d) => d.taskDefinition === taskDefinitionArn)
  const ours = mine.find((d) => d.status === 'PRIMARY') ?? mine[0]
  facts.serviceDeploymentArn = arn
  facts.deploymentId = ours?.id ?? revisionOf(arn, '?')
  if (ours) facts.final = observe(ours)
  if (!plan.wait) return finish()

  timeline.emit({ type: 'phase', at: at(), phase: 'watch', detail: `service deployment ${arn}` })
  const watch = new NativeWatch(clients, plan, facts, timeline, new Poller(options.watch), eventIds(updated))
  try {
    const end = await watch.run(plan.deadline)
    if (end === 'timeout') {
      facts.timedOut = true
      facts.hook = watch.waitingHook()
      // ECS was already rolling back when our time ran out: that rollback is the one to wait for.
      if (ROLLING_BACK.test(watch.status ?? '')) await watch.run(watch.clock.now() + (plan.rollbackTimeoutMs ?? DEFAULT_ROLLBACK_TIMEOUT_MS))
      else if (plan.rollback === 'on-failure') await rollBack(clients, plan, facts, watch, timeline)
    }
  } catch (error) {
    facts.error = `Watching service deployment ${arn}: ${errorText(error)}`
  }
  watch.record()
  return finish()
}

function eventIds(service: Service | undefined): string[] {
  return (service?.events ?? []).flatMap((e) => (e.id ? [e.id] : []))
}

/** The deadline came: StopServiceDeployment(ROLLBACK), then watch that rollback to its end. */
async function rollBack(clients: Clients, plan: NativePlan, facts: DeploymentFacts, watch: NativeWatch, timeline: Timeline): Promise<void> {
  const at = () => new Date(watch.clock.now())
  const to = plan.previousTaskDefinitionArn
  const rollback: NonNullable<DeploymentFacts['actionRollback']> = { trigger: 'timeout', toTaskDefinitionArn: to, completed: false }
  facts.actionRollback = rollback
  const waiting = facts.hook
  const what = waiting?.status === 'AWAITING_ACTION' ? `PAUSE hook ${waiting.name} was waiting for approval` : waiting ? `lifecycle hook ${waiting.target} was still running` : undefined
  const why = `service deployment ${revisionOf(facts.serviceDeploymentArn, '?')} did not finish before the timeout (${watch.where()}${what ? `; ${what}` : ''})`
  timeline.emit({ type: 'phase', at: at(), phase: 'rollback', detail: `StopServiceDeployment(ROLLBACK) → ${revisionOf(to, '?')}` })
  timeline.emit({ type: 'rollback', at: at(), from: facts.deploymentId ?? '', to: revisionOf(to, '?'), reason: why, by: 'action' })
  try {
    await clients.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: facts.serviceDeploymentArn, stopType: 'ROLLBACK' }))
  } catch (error) {
    rollback.problem = `StopServiceDeployment(ROLLBACK) of ${facts.serviceDeploymentArn}: ${errorText(error)}`
    return
  }
  let end: End
  try {
    end = await watch.run(watch.clock.now() + (plan.rollbackTimeoutMs ?? DEFAULT_ROLLBACK_TIMEOUT_MS))
  } catch (error) {
    rollback.problem = `Watching the rollback of ${facts.serviceDeploymentArn}: ${errorText(error)}`
    return
  }
  rollback.completed = watch.status === 'ROLLBACK_SUCCESSFUL'
  const back = watch.otherPrimary()
  if (back) {
    rollback.deploymentId = back.id
    rollback.final = observe(back)
  }
  if (!rollback.completed) {
    rollback.problem =
      end === 'timeout'
        ? `the rollback did not finish in time (${watch.where()})`
        : `the service deployment ended ${watch.status}${watch.sd?.statusReason ? `: ${watch.sd.statusReason}` : ''}`
  }
}

type End = 'ended' | 'timeout'

/** Follows the service deployment: one DescribeServiceDeployments per look, DescribeServices now and then. */
class NativeWatch {
  readonly clock
  sd?: ServiceDeployment
  private stage?: string
  private production = 0
  private test = 0
  private readonly hooks = new Map<string, { status: string; stage?: string; targetArn?: string; targetType?: string }>()
  private failedHook?: HookObservation
  /** The stage the deployment was at when it began to roll back. */
  private stageAtRollback?: string
  private rollbackShown = false
  private readonly seenEvents: Set<string>
  private deploymentKey?: string
  private looks = 0
  private service?: Service

  constructor(
    private readonly clients: Clients,
    private readonly plan: NativePlan,
    private readonly facts: DeploymentFacts,
    private readonly timeline: Timeline,
    private readonly poller: Poller,
    knownEvents: string[],
  ) {
    this.clock = poller.clock
    this.seenEvents = new Set(knownEvents)
  }

  get status(): string | undefined {
    return this.sd?.status
  }

  private at(): Date {
    return new Date(this.clock.now())
  }

  /** Looks until the service deployment has ended or `deadline` comes. */
  async run(deadline: number): Promise<End> {
    let transientErrors = 0
    let first = this.looks === 0
    while (first || (await this.poller.pause(deadline))) {
      first = false
      let changed: boolean
      try {
        changed = await this.look()
        transientErrors = 0
      } catch (error) {
        const throttled = isThrottling(error)
        if (!throttled && !(isTransient(error) && ++transientErrors <= MAX_TRANSIENT_ERRORS)) throw error
        this.poller.backOff(throttled)
        this.timeline.emit({
          type: 'warning',
          at: this.at(),
          message: `${errorText(error)} while watching ${this.plan.service}; next look in ${Math.round(this.poller.intervalMs / 1000)} s`,
        })
        continue
      }
      if (ENDED.has(this.sd?.status ?? '')) return 'ended'
      if (changed) this.poller.changed()
      else this.poller.unchanged()
    }
    return 'timeout'
  }

  /** One look; true when something changed. */
  private async look(): Promise<boolean> {
    this.looks++
    const arn = this.facts.serviceDeploymentArn!
    const out = await this.poller.call(() => this.clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })))
    const sd = out.serviceDeployments?.[0]
    if (!sd) throw new Error(`DescribeServiceDeployments: ${arn}: ${out.failures?.[0]?.reason ?? 'not returned'}`)
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
    if (changed || ENDED.has(sd.status ?? '') || this.looks % SERVICE_LOOK_EVERY === 1) changed = (await this.lookAtService()) || changed
    return changed
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
      if (hook.status === 'AWAITING_ACTION') {
        this.timeline.emit({ type: 'hook-waiting', at: this.at(), hook: `approval (PAUSE hook ${hook.hookId}${stage ? ` at ${stage}` : ''})`, detail: this.approval(hook.hookId, hook.expiresAt, hook.timeoutAction) })
      } else if (hook.status === 'IN_PROGRESS') {
        this.timeline.emit({ type: 'hook-waiting', at: this.at(), hook: `lifecycle hook ${hook.targetArn ?? hook.hookId}${stage ? ` at ${stage}` : ''}`, detail: `the hook is running (${hook.hookId})` })
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

  /** How to approve or reject a waiting PAUSE hook, and what happens when nobody does. */
  private approval(hookId: string, expiresAt: Date | undefined, timeoutAction: string | undefined): string {
    const command = `aws ecs continue-service-deployment --service-deployment-arn ${this.facts.serviceDeploymentArn} --hook-id ${hookId}`
    const lapse = expiresAt
      ? ` At ${expiresAt.toISOString()} the hook times out and ECS ${timeoutAction === 'CONTINUE' ? 'continues' : 'rolls back'}.`
      : ''
    const ours =
      this.plan.rollback === 'on-failure' && (!expiresAt || this.plan.deadline < expiresAt.getTime())
        ? ` This run rolls back at its timeout (${new Date(this.plan.deadline).toISOString()}) if the deployment has not finished by then.`
        : ''
    return `continue with \`${command} --action CONTINUE\`, or roll back with \`${command} --action ROLLBACK\`.${lapse}${ours}`
  }

  /** DescribeServices: new service events, and our deployment's task counts. */
  private async lookAtService(): Promise<boolean> {
    const out = await this.poller.call(() => this.clients.ecs.send(new DescribeServicesCommand({ cluster: this.plan.cluster, services: [this.plan.service] })))
    const service = out.services?.[0]
    if (!service) return false
    this.service = service
    let changed = false
    const fresh = (service.events ?? [])
      .filter((e) => e.id && !this.seenEvents.has(e.id) && (!e.createdAt || e.createdAt >= this.facts.startedAt))
      .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0))
    for (const e of service.events ?? []) if (e.id) this.seenEvents.add(e.id)
    for (const e of fresh) {
      this.timeline.emit({ type: 'service-event', at: this.at(), message: e.message ?? '', createdAt: e.createdAt })
      changed = true
    }
    const ours = (service.deployments ?? []).find((d) => d.id === this.facts.deploymentId)
    if (ours) {
      const o = observe(ours)
      const key = [o.status, o.rolloutState, o.counts.desired, o.counts.pending, o.counts.running, o.counts.failed].join('|')
      // At the deadline our deployment's last look is what the timeout is about; the rollback does not change it.
      if (!this.facts.actionRollback) this.facts.final = o
      if (key !== this.deploymentKey) {
        this.deploymentKey = key
        this.timeline.emit({ type: 'deployment', at: this.at(), deploymentId: o.id, status: o.status, rolloutState: o.rolloutState, rolloutStateReason: o.rolloutStateReason, counts: o.counts })
        changed = true
      }
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

  private rollbackReason(): string {
    const reason = this.sd?.rollback?.reason ?? this.sd?.statusReason ?? 'ECS rolled the service deployment back'
    const hook = this.culprit()
    if (hook && !reason.includes(hook.name) && !(hook.target && reason.includes(hook.target))) {
      return `${reason} (lifecycle hook ${hook.target === 'PAUSE' ? hook.name : hook.target} ${hook.status}${hook.stage ? ` at ${hook.stage}` : ''})`
    }
    return reason
  }

  /** Puts what the watch saw into the facts. */
  record(): void {
    const facts = this.facts
    const sd = this.sd
    if (!sd) return
    facts.serviceDeployment = serviceDeploymentObservation(facts.serviceDeploymentArn!, sd)
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
      facts.final = this.completed(sd)
      if (minutes > 0) facts.bake = { durationMs: minutes * 60_000, alarms: facts.alarms, passed: true, cutShortByDeadline: false }
      return
    }
    if (facts.actionRollback) {
      facts.final ??= this.fromServiceDeployment(sd, 'IN_PROGRESS', undefined)
      return
    }
    if (/^ROLLBACK_/.test(status)) {
      const reason = this.rollbackReason()
      const stage = this.stageAtRollback === 'BAKE_TIME' ? `${reason.replace(/\.$/, '')} — during the bake time, with production traffic on the new revision.` : reason
      const primary = this.otherPrimary()
      facts.ecsRollback = {
        deploymentId: primary?.id ?? `service revision ${revisionOf(sd.rollback?.serviceRevisionArn ?? sd.sourceServiceRevisions?.[0]?.arn, '?')}`,
        taskDefinition: primary?.taskDefinition ?? facts.previousTaskDefinitionArn,
        reason: stage,
        completed: status === 'ROLLBACK_SUCCESSFUL',
        failed: status === 'ROLLBACK_FAILED',
        ...(primary ? { final: observe(primary) } : {}),
      }
      facts.final = this.failed(sd, reason)
      return
    }
    if (status === 'STOPPED') {
      const current = this.service?.currentServiceDeployment
      const primary = (this.service?.deployments ?? []).find((d) => d.status === 'PRIMARY')
      if (current && current !== facts.serviceDeploymentArn && primary && primary.id !== facts.deploymentId) {
        facts.supersededBy = { deploymentId: primary.id ?? current, taskDefinition: primary.taskDefinition, rolloutStateReason: primary.rolloutStateReason }
      }
      facts.final = this.failed(sd, sd.statusReason ?? `service deployment ${revisionOf(facts.serviceDeploymentArn, '?')} was stopped`)
    }
  }

  /** Our deployment as it ended: DescribeServices' view when it agrees, else the service deployment's counts. */
  private completed(sd: ServiceDeployment): DeploymentObservation {
    const seen = this.facts.final
    if (seen?.rolloutState === 'COMPLETED' && seen.status === 'PRIMARY') return seen
    return this.fromServiceDeployment(sd, 'COMPLETED', sd.statusReason)
  }

  private failed(sd: ServiceDeployment, reason: string): DeploymentObservation {
    return this.fromServiceDeployment(sd, 'FAILED', reason)
  }

  private fromServiceDeployment(sd: ServiceDeployment, rolloutState: string, reason: string | undefined): DeploymentObservation {
    const target = sd.targetServiceRevision
    const seen = this.facts.final
    return {
      id: this.facts.deploymentId ?? '',
      status: rolloutState === 'COMPLETED' ? 'PRIMARY' : (seen?.status ?? 'PRIMARY'),
      taskDefinition: this.facts.taskDefinitionArn,
      rolloutState,
      ...(reason ? { rolloutStateReason: reason } : {}),
      counts: {
        desired: target?.requestedTaskCount ?? seen?.counts.desired ?? 0,
        running: target?.runningTaskCount ?? seen?.counts.running ?? 0,
        pending: target?.pendingTaskCount ?? seen?.counts.pending ?? 0,
        failed: sd.deploymentCircuitBreaker?.failureCount ?? seen?.counts.failed ?? 0,
      },
      ...(seen?.createdAt ? { createdAt: seen.createdAt } : {}),
      ...(sd.updatedAt ? { updatedAt: sd.updatedAt } : {}),
    }
  }
}

function serviceDeploymentObservation(arn: string, sd: ServiceDeployment): ServiceDeploymentObservation {
  return {
    arn,
    status: sd.status,
    statusReason: sd.statusReason,
    ...(sd.rollback ? { rollback: { reason: sd.rollback.reason, startedAt: sd.rollback.startedAt, serviceRevisionArn: sd.rollback.serviceRevisionArn } } : {}),
    ...(sd.deploymentCircuitBreaker
      ? { circuitBreaker: { status: sd.deploymentCircuitBreaker.status, failureCount: sd.deploymentCircuitBreaker.failureCount, threshold: sd.deploymentCircuitBreaker.threshold } }
      : {}),
    ...(sd.alarms ? { alarms: { status: sd.alarms.status, alarmNames: sd.alarms.alarmNames ?? [], triggeredAlarmNames: sd.alarms.triggeredAlarmNames ?? [] } } : {}),
  }
}
