// Follows a CodeDeploy deployment on the one poll loop: GetDeployment and its ECS target (lifecycle events, task
// sets, traffic weights), until traffic has moved, the deployment ended, or its rollback deployment ended.
import {
  BatchGetDeploymentTargetsCommand,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
  type ECSTarget,
  type ECSTaskSet,
  type LifecycleEvent,
} from '@aws-sdk/client-codedeploy'
import { revisionOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { errorName } from '../../aws/errors.js'
import type { CodeDeployFacts, CodeDeployObservation } from '../../core/facts.js'
import type { DeploymentCounts, Timeline } from '../../core/timeline.js'
import type { RunContext } from '../../watch/context.js'
import { pollLoop, type Looped, type LoopOptions } from '../../watch/loop.js'
import type { Analyse } from './analysis.js'

export const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped'])
const DONE_EVENT = new Set(['Succeeded', 'Skipped'])
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

export function observation(info: DeploymentInfo, previous: CodeDeployObservation | undefined): CodeDeployObservation {
  return {
    ...previous,
    deploymentId: info.deploymentId ?? previous?.deploymentId ?? '',
    status: info.status,
    ...(info.errorInformation ? { errorInformation: { code: info.errorInformation.code, message: info.errorInformation.message } } : {}),
    ...(info.rollbackInfo?.rollbackDeploymentId ? { rollbackDeploymentId: info.rollbackInfo.rollbackDeploymentId } : {}),
    ...(info.rollbackInfo?.rollbackMessage ? { rollbackMessage: info.rollbackInfo.rollbackMessage } : {}),
  }
}

/** `paused`: held by the ready wait `approval` set (ContinueDeployment READY_WAIT moves production traffic); `analysis`:
 * the canary analysis failed the new revision. */
export type WatchEnd = 'traffic-moved' | 'succeeded' | 'failed' | 'paused' | 'analysis'

/** What the looks saw, and how they are paced. */
export class CodeDeployWatch {
  private targetIds: string[] = []
  /** The last GetDeployment answer per deployment. */
  private readonly infos = new Map<string, DeploymentInfo>()
  private lastKey = ''
  private lastWeight = 0
  private lastCounts: DeploymentCounts = countsOf(undefined)
  private readonly waitingShown = new Set<string>()

  constructor(
    private readonly clients: Clients,
    private readonly facts: CodeDeployFacts,
    private readonly timeline: Timeline,
    readonly run: RunContext,
    readonly hooks: Record<string, string>,
  ) {}

  private at(): Date {
    return new Date(this.run.clock.now())
  }

  /** Runs the one poll loop with this watch's context. */
  loop<T>(deadline: number, options: LoopOptions, look: Parameters<typeof pollLoop<T>>[4]): Promise<Looped<T>> {
    return pollLoop(this.run, this.timeline, deadline, options, look)
  }

  /**
   * The deployment and its ECS target. While the target is Pending or InProgress, BatchGetDeploymentTargets alone
   * says what changed (lifecycle events, task sets, weights), so GetDeployment is asked again only when the target
   * ended or waits (its status, errorInformation and rollbackInfo are then needed): one call per look, twice the
   * looks within the call budget.
   */
  async look(deploymentId: string, withTarget: boolean): Promise<{ info: DeploymentInfo; target?: ECSTarget }> {
    const getDeployment = async (): Promise<DeploymentInfo> => {
      const { deploymentInfo: info } = await this.run.call((options) => this.clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }), options))
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
          const listed = await this.run.call((options) => this.clients.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }), options))
          this.targetIds = listed.targetIds ?? []
        } catch (error) {
          // Targets exist once the deployment has started.
          if (errorName(error) !== 'DeploymentNotStartedException') throw error
        }
        if (this.targetIds.length === 0) return { info: fresh }
      }
    }
    const got = await this.run.call((options) =>
      this.clients.codedeploy.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: this.targetIds.slice(0, 25) }), options),
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

  /** CodeDeploy rolls back on its own (a failed event, an alarm it watches): a phase, as there is no action rollback. */
  announceRollback(rollbackId: string): void {
    const cd = this.facts.codeDeploy
    const why = cd?.failedEvent ? `${cd.failedEvent.name} failed` : (cd?.errorInformation?.message ?? cd?.errorInformation?.code ?? `deployment ${cd?.status ?? 'ended'}`)
    this.timeline.emit({
      type: 'phase',
      at: this.at(),
      phase: 'rollback',
      detail: `CodeDeploy rolls back to ${revisionOf(this.facts.previousTaskDefinitionArn, '?')} (deployment ${rollbackId}): ${why}`,
    })
  }
}

/** Watches our deployment until traffic has moved or it ended (or, when it `pauses` for approval, waits in the ready
 * wait, or the canary analysis failed it), or the loop was cut short. */
export async function watchUntilTrafficMoved(
  watch: CodeDeployWatch,
  facts: CodeDeployFacts,
  deploymentId: string,
  deadline: number,
  pauses = false,
  analyse?: Analyse,
): Promise<Looped<WatchEnd>> {
  return watch.loop<WatchEnd>(deadline, { doing: `watching CodeDeploy deployment ${deploymentId}`, lookFirst: true }, async () => {
    const { info, target } = await watch.look(deploymentId, true)
    facts.codeDeploy = observation(info, facts.codeDeploy)
    recordFailedEvent(facts, target, watch.hooks)
    const changed = watch.report(info, target)
    if (info.status === 'Succeeded') return { end: 'succeeded' }
    if (info.status === 'Failed' || info.status === 'Stopped') {
      await followRollback(watch, facts, deadline)
      return { end: 'failed' }
    }
    if (trafficMoved(target)) return { end: 'traffic-moved' }
    if (pauses && info.status === 'Ready') {
      const minutes = info.blueGreenDeploymentConfiguration?.deploymentReadyOption?.waitTimeInMinutes
      facts.awaitingApproval = { id: deploymentId, at: READY_WAIT_AT, ...(minutes ? { expiresAt: new Date(watch.run.clock.now() + minutes * 60_000) } : {}) }
      return { end: 'paused' }
    }
    if (analyse && (await analyse(greenOf(target)?.trafficWeight ?? 0, info.createTime))) return { end: 'analysis' }
    return { changed }
  })
}

/** Where a CodeDeploy deployment waits for approval: the ready wait, test traffic on the replacement task set. */
export const READY_WAIT_AT = 'the ready wait after AfterAllowTestTraffic'

/** The failed lifecycle event's diagnostics, and the hook Lambda that ran at it. */
function recordFailedEvent(facts: CodeDeployFacts, target: ECSTarget | undefined, hooks: Record<string, string>): void {
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

/** Looks at our deployment (without its target) until it is Succeeded, Failed or Stopped. */
export async function waitUntilEnded(watch: CodeDeployWatch, facts: CodeDeployFacts, deploymentId: string, deadline: number): Promise<boolean> {
  const ended = await watch.loop<true>(deadline, { doing: `watching CodeDeploy deployment ${deploymentId}`, lookFirst: true }, async () => {
    const { info } = await watch.look(deploymentId, false)
    facts.codeDeploy = observation(info, facts.codeDeploy)
    return TERMINAL.has(info.status ?? '') ? { end: true } : { changed: false }
  })
  return 'end' in ended
}

/**
 * After our deployment failed or was stopped: CodeDeploy names its rollback deployment in rollbackInfo (when
 * auto-rollback is on); watch that one to its end.
 */
export async function followRollback(watch: CodeDeployWatch, facts: CodeDeployFacts, deadline: number, byAction = false): Promise<void> {
  const ours = facts.codeDeploy
  if (!ours) return
  let looks = 0
  if (!ours.rollbackDeploymentId && TERMINAL.has(ours.status ?? '')) {
    await watch.loop<true>(deadline, { doing: `watching CodeDeploy deployment ${ours.deploymentId}`, lookFirst: true }, async () => {
      if (++looks > ROLLBACK_APPEAR_LOOKS) return { end: true }
      const { info } = await watch.look(ours.deploymentId, false)
      Object.assign(ours, observation(info, ours))
      return ours.rollbackDeploymentId || !TERMINAL.has(ours.status ?? '') ? { end: true } : { changed: true }
    })
  }
  const rollbackId = ours.rollbackDeploymentId
  if (!rollbackId) return
  let announced = false
  await watch.loop<true>(deadline, { doing: `watching CodeDeploy rollback deployment ${rollbackId}`, lookFirst: true }, async () => {
    const seen = await watch.look(rollbackId, true)
    if (!announced) {
      announced = true
      if (!byAction) watch.announceRollback(rollbackId)
    }
    const changed = watch.report(seen.info, seen.target)
    ours.rollbackStatus = seen.info.status
    return TERMINAL.has(seen.info.status ?? '') ? { end: true } : { changed }
  })
}
