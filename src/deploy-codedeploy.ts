// The CodeDeploy engine (services with the CODE_DEPLOY deployment controller): register → (create the custom
// configuration once) → CreateDeployment with the AppSpec → watch the lifecycle events, task sets and traffic
// weights → bake while CodeDeploy keeps the old task set → on a bake alarm or the timeout, StopDeployment with
// auto-rollback and wait for the rollback. It records facts and decides nothing (src/outcome.ts does); AWS errors
// end the run as facts (`error`), not throws.
import {
  BatchGetDeploymentTargetsCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
  type ECSTarget,
  type ECSTaskSet,
  type LifecycleEvent,
} from '@aws-sdk/client-codedeploy'
import type { Clients } from './aws-clients.js'
import { registerTaskDefinition, revisionOf, startFacts } from './register.js'
import { appSpecContent, hooksOf, renderAppSpec, type AppSpec } from './appspec.js'
import { bakeInto } from './bake.js'
import type { CodeDeployInputs } from './context.js'
import type { RollingOptions, RollingPlan } from './deploy-rolling.js'
import type { ActionRollback, CodeDeployObservation, DeploymentFacts } from './facts.js'
import { Poller, errorText, isThrottling, isTransient, realClock } from './poller.js'
import type { CodeDeployEngine } from './preflight-codedeploy.js'
import type { DeploymentCounts, Timeline } from './timeline.js'

export interface CodeDeployPlan extends RollingPlan {
  engine: CodeDeployEngine
  codeDeploy: CodeDeployInputs
  /** From preflight, with the task definition still a placeholder. */
  appSpec: AppSpec
}

export type CodeDeployOptions = RollingOptions

const DEFAULT_ROLLBACK_TIMEOUT_MS = 10 * 60_000
const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped'])
const DONE_EVENT = new Set(['Succeeded', 'Skipped'])
/** Non-throttling errors (5xx, dropped connections) tolerated in a row before a watch gives up. */
const MAX_TRANSIENT_ERRORS = 5
/** Looks at a stopped or failed deployment for CodeDeploy to name its rollback deployment. */
const ROLLBACK_APPEAR_LOOKS = 5


function greenOf(target: ECSTarget | undefined): ECSTaskSet | undefined {
  return target?.taskSetsInfo?.find((t) => t.taskSetLabel === 'Green')
}

function countsOf(taskSet: ECSTaskSet | undefined): DeploymentCounts {
  return { desired: taskSet?.desiredCount ?? 0, pending: taskSet?.pendingCount ?? 0, running: taskSet?.runningCount ?? 0, failed: 0 }
}

/** The lifecycle event being worked on (or the one that failed); undefined once all are done. */
function currentEvent(target: ECSTarget | undefined): LifecycleEvent | undefined {
  return target?.lifecycleEvents?.find((e) => !DONE_EVENT.has(e.status ?? ''))
}

/** Every lifecycle event (AfterAllowTraffic last) succeeded: traffic has moved and only the old task set's
 * termination wait is left. */
function trafficMoved(target: ECSTarget | undefined): boolean {
  const events = target?.lifecycleEvents ?? []
  return events.length > 0 && events.every((e) => DONE_EVENT.has(e.status ?? ''))
}

function observation(info: DeploymentInfo, previous: CodeDeployObservation | undefined): CodeDeployObservation {
  return {
    ...previous,
    deploymentId: info.deploymentId ?? previous?.deploymentId ?? '',
    status: info.status,
    ...(info.errorInformation ? { errorInformation: { code: info.errorInformation.code, message: info.errorInformation.message } } : {}),
    ...(info.rollbackInfo?.rollbackDeploymentId ? { rollbackDeploymentId: info.rollbackInfo.rollbackDeploymentId } : {}),
    ...(info.rollbackInfo?.rollbackMessage ? { rollbackMessage: info.rollbackInfo.rollbackMessage } : {}),
  }
}

/** What one look saw, and the looks' pacing. */
class CodeDeployWatch {
  readonly poller: Poller
  private targetIds: string[] = []
  /** The last GetDeployment answer per deployment. */
  private readonly infos = new Map<string, DeploymentInfo>()
  private lastKey = ''
  private lastWeight = 0
  private lastCounts: DeploymentCounts = countsOf(undefined)
  private readonly waitingShown = new Set<string>()
  private transientErrors = 0

  constructor(
    private readonly clients: Clients,
    private readonly facts: DeploymentFacts,
    private readonly timeline: Timeline,
    readonly hooks: Record<string, string>,
    options: RollingOptions,
  ) {
    this.poller = new Poller(options.watch)
  }

  private at(): Date {
    return new Date(this.poller.clock.now())
  }

  /**
   * The deployment and its ECS target. While the target is Pending or InProgress, BatchGetDeploymentTargets alone
   * says what changed (lifecycle events, task sets, weights), so GetDeployment is asked again only when the target
   * ended or waits (its status, errorInformation and rollbackInfo are then needed): one call per look, twice the
   * looks within the call budget.
   */
  async look(deploymentId: string, withTarget: boolean): Promise<{ info: DeploymentInfo; target?: ECSTarget }> {
    const getDeployment = async (): Promise<DeploymentInfo> => {
      const { deploymentInfo: info } = await this.poller.call(() => this.clients.codedeploy.send(new GetDeploymentCommand({ deploymentId })))
      if (!info) throw new Error(`GetDeployment returned nothing for ${deploymentId}`)
      this.infos.set(deploymentId, info)
      return info
    }
    if (!withTarget) return { info: await getDeployment() }
    let fresh: DeploymentInfo | undefined
    if (this.targetIds.length === 0 || !this.infos.has(deploymentId)) {
      fresh = await getDeployment()
      if (this.targetIds.length === 0) {
        try {
          const listed = await this.poller.call(() => this.clients.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId })))
          this.targetIds = listed.targetIds ?? []
        } catch (error) {
          // Targets exist once the deployment has started.
          if ((error as Error).name !== 'DeploymentNotStartedException') throw error
        }
        if (this.targetIds.length === 0) return { info: fresh }
      }
    }
    const got = await this.poller.call(() =>
      this.clients.codedeploy.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: this.targetIds.slice(0, 25) })),
    )
    const target = got.deploymentTargets?.find((t) => t.ecsTarget)?.ecsTarget
    const moving = target?.status === 'InProgress' || target?.status === 'Pending'
    const info = fresh ?? (moving ? this.infos.get(deploymentId) : undefined) ?? (await getDeployment())
    return { info, ...(target ? { target } : {}) }
  }

  /** Emits what changed since the last look; returns whether anything did. */
  report(info: DeploymentInfo, target: ECSTarget | undefined): boolean {
    const id = info.deploymentId ?? ''
    const green = greenOf(target)
    const event = currentEvent(target)
    // A deleted task set drops out of taskSetsInfo; its last counts still say how far it got.
    const counts = green ? countsOf(green) : this.lastCounts
    this.lastCounts = counts
    let changed = false
    const eventState = event ? `${event.lifecycleEventName}` : trafficMoved(target) ? 'traffic moved' : undefined
    const failedMessage = event?.status === 'Failed' ? event.diagnostics?.message : undefined
    // Before the deployment has a target there is nothing to show but its status, which its end reports.
    if (!target && !TERMINAL.has(info.status ?? '')) return false
    const key = [id, info.status, eventState, event?.status, counts.desired, counts.pending, counts.running, failedMessage].join('|')
    if (key !== this.lastKey) {
      this.lastKey = key
      changed = true
      this.timeline.emit({
        type: 'deployment',
        at: this.at(),
        deploymentId: id,
        status: info.status ?? 'unknown',
        rolloutState: eventState ? `${eventState}${event?.status && event.status !== 'InProgress' ? ` ${event.status}` : ''}` : undefined,
        rolloutStateReason: failedMessage ?? (TERMINAL.has(info.status ?? '') ? info.errorInformation?.message : undefined),
        counts,
      })
    }
    const weight = green?.trafficWeight
    if (weight !== undefined && weight !== this.lastWeight) {
      this.timeline.emit({ type: 'traffic-shifted', at: this.at(), from: this.lastWeight, to: weight, label: 'production' })
      this.facts.trafficShifts = [...(this.facts.trafficShifts ?? []), { percent: weight, at: this.at() }]
      this.lastWeight = weight
      changed = true
    }
    const hookTarget = event?.lifecycleEventName ? this.hooks[event.lifecycleEventName] : undefined
    if (event?.status === 'InProgress' && hookTarget && !this.waitingShown.has(event.lifecycleEventName!)) {
      this.waitingShown.add(event.lifecycleEventName!)
      this.timeline.emit({ type: 'hook-waiting', at: this.at(), hook: event.lifecycleEventName!, detail: `Lambda ${hookTarget}` })
    }
    if (info.status === 'Ready' && !this.waitingShown.has('Ready')) {
      this.waitingShown.add('Ready')
      this.timeline.emit({ type: 'hook-waiting', at: this.at(), hook: 'traffic reroute', detail: 'CodeDeploy waits for ContinueDeployment (READY_WAIT) before moving traffic' })
    }
    return changed
  }

  /** A throttled or transient failed look: back off and say so; anything else ends the watch. */
  tolerate(error: unknown, what: string): void {
    const throttled = isThrottling(error)
    if (!throttled && !(isTransient(error) && ++this.transientErrors <= MAX_TRANSIENT_ERRORS)) throw error
    this.poller.backOff(throttled)
    this.timeline.emit({ type: 'warning', at: this.at(), message: `${errorText(error)} while watching ${what}; next look in ${Math.round(this.poller.intervalMs / 1000)} s` })
  }

  ok(): void {
    this.transientErrors = 0
  }

  /** CodeDeploy rolls back on its own (a failed event, an alarm it watches): a phase, as there is no action rollback. */
  announceRollback(rollbackId: string, facts: DeploymentFacts): void {
    const cd = facts.codeDeploy
    const why = cd?.failedEvent ? `${cd.failedEvent.name} failed` : (cd?.errorInformation?.message ?? cd?.errorInformation?.code ?? `deployment ${cd?.status ?? 'ended'}`)
    this.timeline.emit({
      type: 'phase',
      at: this.at(),
      phase: 'rollback',
      detail: `CodeDeploy rolls back to ${revisionOf(facts.previousTaskDefinitionArn, '?')} (deployment ${rollbackId}): ${why}`,
    })
  }
}

type WatchEnd = 'traffic-moved' | 'succeeded' | 'failed' | 'timeout'

export async function runCodeDeploy(
  clients: Clients,
  plan: CodeDeployPlan,
  timeline: Timeline,
  options: CodeDeployOptions = {},
): Promise<DeploymentFacts> {
  const now = options.watch?.now ?? realClock.now
  const at = () => new Date(now())
  const { engine } = plan
  const facts = startFacts(plan, at, engine.label)
  const finish = (watch?: CodeDeployWatch): DeploymentFacts => {
    if (watch) facts.throttled += watch.poller.throttled
    facts.finishedAt = at()
    return facts
  }

  const taskDefinitionArn = await registerTaskDefinition(clients, plan, facts, timeline, at)
  if (!taskDefinitionArn) return finish()

  let configNote = ''
  if (engine.config.kind === 'custom') {
    try {
      configNote = (await ensureCustomConfig(clients, engine.config)) ? ' (created)' : ''
    } catch (error) {
      facts.error = `CodeDeploy deployment configuration ${engine.config.name}: ${errorText(error)}`
      return finish()
    }
  }

  const hooks = hooksOf(plan.appSpec, plan.codeDeploy.hooks) as Record<string, string>
  const configName = engine.config.kind === 'group-default' ? undefined : engine.config.name
  timeline.emit({
    type: 'phase',
    at: at(),
    phase: 'deploy',
    detail: `CodeDeploy ${engine.application}/${engine.deploymentGroup}, ${configName ? `configuration ${configName}${configNote}` : "the group's configuration"}: ${revisionOf(taskDefinitionArn, '?')}`,
  })
  const rollbackOn = plan.rollback === 'on-failure'
  try {
    const out = await clients.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: engine.application,
        deploymentGroupName: engine.deploymentGroup,
        ...(configName ? { deploymentConfigName: configName } : {}),
        description: `ecs-safe-deploy: ${plan.service} → ${revisionOf(taskDefinitionArn, '?')}`,
        revision: { revisionType: 'AppSpecContent', appSpecContent: appSpecContent(renderAppSpec(plan.appSpec, taskDefinitionArn, plan.codeDeploy.hooks)) },
        autoRollbackConfiguration: { enabled: rollbackOn, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
        ...(plan.alarms.length > 0 ? { overrideAlarmConfiguration: { enabled: true, alarms: plan.alarms.map((name) => ({ name })) } } : {}),
      }),
    )
    if (!out.deploymentId) {
      facts.error = 'CreateDeployment returned no deployment id'
      return finish()
    }
    facts.deploymentId = out.deploymentId
    facts.codeDeploy = { deploymentId: out.deploymentId, status: 'Created' }
  } catch (error) {
    facts.error = `CreateDeployment (${engine.application}/${engine.deploymentGroup}): ${errorText(error)}`
    return finish()
  }
  const deploymentId = facts.deploymentId
  if (!plan.wait) return finish()

  const watch = new CodeDeployWatch(clients, facts, timeline, hooks, options)
  timeline.emit({ type: 'phase', at: at(), phase: 'watch', detail: deploymentId })
  let end: WatchEnd
  try {
    end = await watchDeployment(watch, facts, deploymentId, plan.deadline)
  } catch (error) {
    facts.error = `Watching CodeDeploy deployment ${deploymentId}: ${errorText(error)}`
    return finish(watch)
  }
  if (end === 'timeout') facts.timedOut = true

  if ((end === 'traffic-moved' || end === 'succeeded') && plan.bakeTimeMs > 0) {
    if (!(await bakeInto(clients, facts, plan, timeline, options))) return finish(watch)
  }

  const trigger: ActionRollback['trigger'] | undefined = facts.bake?.fired ? 'bake-alarm' : facts.timedOut ? 'timeout' : undefined
  if (trigger && rollbackOn) {
    facts.actionRollback = await stopAndRollBack(clients, watch, plan, facts, trigger, timeline)
  } else if (end === 'traffic-moved' && !trigger) {
    // CodeDeploy may have stopped the deployment itself (its own alarm check) while we baked.
    try {
      const { info } = await watch.look(deploymentId, false)
      facts.codeDeploy = observation(info, facts.codeDeploy)
      if (info.status === 'Failed' || info.status === 'Stopped') await followRollback(watch, facts, now() + (plan.rollbackTimeoutMs ?? DEFAULT_ROLLBACK_TIMEOUT_MS))
    } catch (error) {
      facts.error = `Looking at CodeDeploy deployment ${deploymentId} after the bake: ${errorText(error)}`
    }
  }
  return finish(watch)
}

/** Creates the custom configuration unless it is there; true when this run created it. */
async function ensureCustomConfig(clients: Clients, config: Extract<CodeDeployEngine['config'], { kind: 'custom' }>): Promise<boolean> {
  try {
    await clients.codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: config.name }))
    return false
  } catch (error) {
    if ((error as Error).name !== 'DeploymentConfigDoesNotExistException') throw error
  }
  const trafficRoutingConfig =
    config.type === 'TimeBasedCanary'
      ? { type: config.type, timeBasedCanary: { canaryPercentage: config.percent, canaryInterval: config.intervalMinutes } }
      : { type: config.type, timeBasedLinear: { linearPercentage: config.percent, linearInterval: config.intervalMinutes } }
  try {
    await clients.codedeploy.send(new CreateDeploymentConfigCommand({ deploymentConfigName: config.name, computePlatform: 'ECS', trafficRoutingConfig }))
    return true
  } catch (error) {
    // A run in parallel created it first: the same name means the same settings.
    if ((error as Error).name === 'DeploymentConfigAlreadyExistsException') return false
    throw error
  }
}

/** Watches our deployment until traffic has moved (or it ended, or the deadline came). */
async function watchDeployment(watch: CodeDeployWatch, facts: DeploymentFacts, deploymentId: string, deadline: number): Promise<WatchEnd> {
  let first = true
  while (first || (await watch.poller.pause(deadline))) {
    first = false
    let seen: { info: DeploymentInfo; target?: ECSTarget }
    try {
      seen = await watch.look(deploymentId, true)
      watch.ok()
    } catch (error) {
      watch.tolerate(error, `CodeDeploy deployment ${deploymentId}`)
      continue
    }
    const { info, target } = seen
    facts.codeDeploy = observation(info, facts.codeDeploy)
    recordFailedEvent(facts, target, watch.hooks)
    if (watch.report(info, target)) watch.poller.changed()
    else watch.poller.unchanged()
    if (info.status === 'Succeeded') return 'succeeded'
    if (info.status === 'Failed' || info.status === 'Stopped') {
      await followRollback(watch, facts, deadline)
      return 'failed'
    }
    if (trafficMoved(target)) return 'traffic-moved'
  }
  return 'timeout'
}

/** The failed lifecycle event's diagnostics, and the hook Lambda that ran at it. */
function recordFailedEvent(facts: DeploymentFacts, target: ECSTarget | undefined, hooks: Record<string, string>): void {
  const failed = target?.lifecycleEvents?.find((e) => e.status === 'Failed')
  if (!failed?.lifecycleEventName || !facts.codeDeploy) return
  const name = failed.lifecycleEventName
  const d = failed.diagnostics
  facts.codeDeploy.failedEvent = {
    name,
    ...(d?.errorCode ? { errorCode: d.errorCode } : {}),
    ...(d?.message ? { message: d.message } : {}),
    ...(d?.logTail ? { logTail: d.logTail } : {}),
  }
  if (hooks[name]) facts.hook = { name, target: hooks[name], stage: name, status: 'Failed', ...(d?.message ? { reason: d.message } : {}) }
}

/**
 * After our deployment failed or was stopped: CodeDeploy names its rollback deployment in rollbackInfo (when
 * auto-rollback is on); watch that one to its end.
 */
async function followRollback(watch: CodeDeployWatch, facts: DeploymentFacts, deadline: number, byAction = false): Promise<void> {
  const ours = facts.codeDeploy
  if (!ours) return
  let looks = 0
  while (!ours.rollbackDeploymentId && TERMINAL.has(ours.status ?? '') && looks < ROLLBACK_APPEAR_LOOKS) {
    if (looks > 0 && !(await watch.poller.pause(deadline))) return
    looks++
    try {
      const { info } = await watch.look(ours.deploymentId, false)
      Object.assign(ours, observation(info, ours))
    } catch (error) {
      watch.tolerate(error, `CodeDeploy deployment ${ours.deploymentId}`)
    }
  }
  const rollbackId = ours.rollbackDeploymentId
  if (!rollbackId) return
  watch.poller.changed()
  let announced = false
  let first = true
  while (first || (await watch.poller.pause(deadline))) {
    first = false
    let seen: { info: DeploymentInfo; target?: ECSTarget }
    try {
      seen = await watch.look(rollbackId, true)
      watch.ok()
    } catch (error) {
      watch.tolerate(error, `CodeDeploy rollback deployment ${rollbackId}`)
      continue
    }
    if (!announced) {
      announced = true
      if (!byAction) watch.announceRollback(rollbackId, facts)
    }
    if (watch.report(seen.info, seen.target)) watch.poller.changed()
    else watch.poller.unchanged()
    ours.rollbackStatus = seen.info.status
    if (TERMINAL.has(seen.info.status ?? '')) return
  }
}

/** StopDeployment with auto-rollback (after a bake alarm or at the timeout), then the rollback to its end. */
async function stopAndRollBack(
  clients: Clients,
  watch: CodeDeployWatch,
  plan: CodeDeployPlan,
  facts: DeploymentFacts,
  trigger: ActionRollback['trigger'],
  timeline: Timeline,
): Promise<ActionRollback> {
  const at = () => new Date(watch.poller.clock.now())
  const to = plan.previousTaskDefinitionArn
  const id = facts.deploymentId ?? ''
  const rollback: ActionRollback = { trigger, toTaskDefinitionArn: to, completed: false }
  const why = trigger === 'bake-alarm' ? `alarm ${facts.bake?.fired?.name} went to ALARM during the bake` : `CodeDeploy deployment ${id} did not finish before the timeout`
  timeline.emit({ type: 'phase', at: at(), phase: 'rollback', detail: `StopDeployment ${id} with auto-rollback` })
  timeline.emit({ type: 'rollback', at: at(), from: facts.taskDefinitionArn ?? '', to, reason: why, by: 'action' })
  try {
    await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }))
  } catch (error) {
    // CodeDeploy may have stopped it on its own (it watches the same alarms); its rollback is then the one to follow.
    if ((error as Error).name !== 'DeploymentAlreadyCompletedException') {
      rollback.problem = `StopDeployment ${id}: ${errorText(error)}`
      return rollback
    }
  }
  const deadline = watch.poller.clock.now() + (plan.rollbackTimeoutMs ?? DEFAULT_ROLLBACK_TIMEOUT_MS)
  // Ours goes Stopped first; its rollbackInfo then names the rollback deployment.
  let first = true
  while (first || (await watch.poller.pause(deadline))) {
    first = false
    try {
      const { info } = await watch.look(id, false)
      facts.codeDeploy = observation(info, facts.codeDeploy)
      watch.ok()
    } catch (error) {
      watch.tolerate(error, `CodeDeploy deployment ${id}`)
      continue
    }
    if (TERMINAL.has(facts.codeDeploy.status ?? '')) break
  }
  if (!TERMINAL.has(facts.codeDeploy?.status ?? '')) {
    rollback.problem = `CodeDeploy deployment ${id} was still ${facts.codeDeploy?.status ?? 'unknown'} after StopDeployment`
    return rollback
  }
  if (facts.codeDeploy?.status === 'Succeeded') {
    rollback.problem = `CodeDeploy deployment ${id} had already succeeded and removed the old task set, so there is nothing to roll back to`
    return rollback
  }
  await followRollback(watch, facts, deadline, true)
  const cd = facts.codeDeploy
  rollback.deploymentId = cd?.rollbackDeploymentId
  rollback.completed = cd?.rollbackStatus === 'Succeeded'
  if (!rollback.completed) {
    rollback.problem = !cd?.rollbackDeploymentId
      ? `CodeDeploy stopped deployment ${id} but started no rollback deployment${cd?.rollbackMessage ? ` (${cd.rollbackMessage})` : ''}`
      : TERMINAL.has(cd.rollbackStatus ?? '')
        ? `CodeDeploy rollback deployment ${cd.rollbackDeploymentId} ended ${cd.rollbackStatus}`
        : `CodeDeploy rollback deployment ${cd.rollbackDeploymentId} did not finish in time (${cd.rollbackStatus ?? 'not seen'})`
  }
  return rollback
}
