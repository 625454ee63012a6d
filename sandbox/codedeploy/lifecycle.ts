// An ECS blue/green deployment, one simulated step at a time: the lifecycle events in order (hook Lambdas per the
// hook rules, the replacement task set in Install, traffic shifting in AllowTraffic), the termination wait, and the
// ends — Succeeded, Failed or Stopped, with the automatic rollback that puts traffic back on the original task set.
import type { TaskSetView } from '../ecs/task-sets.js'
import { pollAlarms } from './alarm-poll.js'
import type { Ctx, Deployment, DeploymentStatus, LifecycleEvent, LifecycleEventName } from './state.js'
import { LIFECYCLE_EVENTS } from './state.js'
import { newDeploymentId, newHookExecutionId } from './validate.js'

/** CodeDeploy gives a hook Lambda an hour to report its status. */
const HOOK_TIMEOUT_MS = 3_600_000
/** How long Install waits for the replacement task set to become healthy. */
const INSTALL_TIMEOUT_MS = 3_600_000
const MINUTE_MS = 60_000

export type RollbackEvent = 'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST'

export interface EndCause {
  status: 'Failed' | 'Stopped'
  code: string
  message: string
  rollbackEvent: RollbackEvent
  /** StopDeployment's autoRollbackEnabled overrides the deployment's auto-rollback configuration. */
  rollback?: boolean
}

export function newEvents(): LifecycleEvent[] {
  return LIFECYCLE_EVENTS.map((name) => ({ name, status: 'Pending' }))
}

function setStatus(ctx: Ctx, d: Deployment, status: DeploymentStatus, now: number): void {
  if (d.status === status) return
  d.status = status
  d.targetUpdatedAt = now
  ctx.deps.transitions.record({ kind: 'codedeploy', id: d.id, state: status })
}

function setEvent(ctx: Ctx, d: Deployment, ev: LifecycleEvent, status: LifecycleEvent['status'], now: number): void {
  ev.status = status
  if (status === 'InProgress') ev.startTime = now
  else if (status !== 'Pending') {
    ev.startTime ??= now
    ev.endTime = now
  }
  d.targetUpdatedAt = now
  const detail = ev.hook && status === 'InProgress' ? { lifecycleEventHookExecutionId: ev.hook.executionId, functionName: ev.hook.functionName } : undefined
  ctx.deps.transitions.record({ kind: 'lifecycle-event', id: d.id, state: `${ev.name}:${status}`, ...(detail ? { detail } : {}) })
}

function setWeight(ctx: Ctx, d: Deployment, weight: number, now: number): void {
  d.trafficWeight = weight
  d.targetUpdatedAt = now
  ctx.deps.transitions.record({ kind: 'traffic', id: d.id, state: String(weight) })
}

/** CreateDeployment: the deployment starts at once. */
export function startDeployment(ctx: Ctx, d: Deployment, now: number): void {
  d.startTime = now
  setStatus(ctx, d, 'InProgress', now)
  stepDeployment(ctx, d, now)
}

export function advanceCodeDeploy(ctx: Ctx, now: number): void {
  for (const d of ctx.state.deployments.values()) {
    if (d.status === 'InProgress' || d.status === 'Ready') stepDeployment(ctx, d, now)
  }
}

export function stepDeployment(ctx: Ctx, d: Deployment, now: number): void {
  if (d.status === 'Ready') {
    if (d.readyWait && now >= d.readyWait.until) {
      endDeployment(
        ctx,
        d,
        {
          status: 'Stopped',
          code: 'TIMEOUT',
          message: 'The deployment timed out waiting for traffic to be rerouted (ContinueDeployment READY_WAIT).',
          rollbackEvent: 'DEPLOYMENT_FAILURE',
        },
        now,
      )
    }
    return
  }
  if (d.status !== 'InProgress') return
  if (ctx.deps.ecs.service(d.cluster, d.serviceName)?.status !== 'ACTIVE') {
    const message = `The ECS service ${d.serviceName} in cluster ${d.cluster} is no longer ACTIVE.`
    return endDeployment(ctx, d, { status: 'Failed', code: 'INVALID_ECS_SERVICE', message, rollbackEvent: 'DEPLOYMENT_FAILURE', rollback: false }, now)
  }
  const firing = pollAlarms(ctx, d, now)
  if (firing.length > 0) {
    const message = `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: ${firing.map((n) => `<${n}>`).join(', ')}`
    return endDeployment(ctx, d, { status: 'Stopped', code: 'ALARM_ACTIVE', message, rollbackEvent: 'DEPLOYMENT_STOP_ON_ALARM' }, now)
  }
  for (let guard = 0; guard < 2 * LIFECYCLE_EVENTS.length + 2; guard++) {
    if (d.current >= d.events.length) return terminationWait(ctx, d, now)
    const ev = d.events[d.current]!
    if (ev.status === 'Pending') {
      if (ev.name === 'BeforeAllowTraffic' && holdForReady(ctx, d, now)) return
      begin(ctx, d, ev, now)
    }
    if (ev.status === 'InProgress') progress(ctx, d, ev, now)
    if (d.status !== 'InProgress' || ev.status === 'InProgress') return
    d.current += 1
  }
}

/** deploymentReadyOption STOP_DEPLOYMENT: production traffic moves only after ContinueDeployment READY_WAIT. */
function holdForReady(ctx: Ctx, d: Deployment, now: number): boolean {
  const ready = d.blueGreen.deploymentReadyOption as { actionOnTimeout?: string; waitTimeInMinutes?: number } | undefined
  if (d.creator !== 'user' || ready?.actionOnTimeout !== 'STOP_DEPLOYMENT') return false
  if (d.readyWait?.released) return false
  d.readyWait ??= { until: now + (ready.waitTimeInMinutes ?? 0) * MINUTE_MS, released: false }
  setStatus(ctx, d, 'Ready', now)
  return true
}

/** ContinueDeployment READY_WAIT. */
export function releaseReady(ctx: Ctx, d: Deployment, now: number): void {
  d.readyWait = { until: d.readyWait?.until ?? now, released: true }
  setStatus(ctx, d, 'InProgress', now)
  stepDeployment(ctx, d, now)
}

function begin(ctx: Ctx, d: Deployment, ev: LifecycleEvent, now: number): void {
  switch (ev.name) {
    case 'Install':
      return beginInstall(ctx, d, ev, now)
    case 'AllowTestTraffic':
      setEvent(ctx, d, ev, 'InProgress', now)
      return setEvent(ctx, d, ev, 'Succeeded', now)
    case 'AllowTraffic':
      return beginAllowTraffic(ctx, d, ev, now)
    default:
      return beginHook(ctx, d, ev, now)
  }
}

function progress(ctx: Ctx, d: Deployment, ev: LifecycleEvent, now: number): void {
  switch (ev.name) {
    case 'Install':
      return progressInstall(ctx, d, ev, now)
    case 'AllowTraffic':
      return progressTraffic(ctx, d, ev, now)
    default:
      return progressHook(ctx, d, ev, now)
  }
}

function beginHook(ctx: Ctx, d: Deployment, ev: LifecycleEvent, now: number): void {
  const fn = d.appSpec.hooks[ev.name]
  if (!fn) {
    setEvent(ctx, d, ev, 'InProgress', now)
    return setEvent(ctx, d, ev, 'Succeeded', now)
  }
  const rule = ctx.deps.hooks.ruleFor(fn)
  ev.hook = {
    functionName: fn,
    executionId: newHookExecutionId(),
    rule,
    ...(rule.outcome === 'in-progress' ? {} : { dueAt: now + (rule.afterSeconds ?? 0) * 1000 }),
    timeoutAt: now + HOOK_TIMEOUT_MS,
  }
  setEvent(ctx, d, ev, 'InProgress', now)
}

function progressHook(ctx: Ctx, d: Deployment, ev: LifecycleEvent, now: number): void {
  const hook = ev.hook!
  if (hook.result === undefined && hook.dueAt !== undefined && hook.dueAt <= now) {
    hook.result = hook.rule.outcome === 'succeed' ? 'Succeeded' : 'Failed'
    if (hook.rule.message !== undefined) hook.message = hook.rule.message
  }
  if (hook.result === 'Succeeded') return setEvent(ctx, d, ev, 'Succeeded', now)
  if (hook.result === 'Failed') {
    const why = hook.message ?? `The Lambda function ${hook.functionName} reported Failed.`
    ev.diagnostics = { errorCode: 'ScriptFailed', scriptName: hook.functionName, message: why, logTail: '' }
    const message = `The deployment failed because the ${ev.name} lifecycle event hook (Lambda function ${hook.functionName}) failed: ${why}`
    return endDeployment(ctx, d, { status: 'Failed', code: 'HOOK_EXECUTION_FAILURE', message, rollbackEvent: 'DEPLOYMENT_FAILURE' }, now)
  }
  if (now >= hook.timeoutAt) {
    const why = `The Lambda function ${hook.functionName} did not call PutLifecycleEventHookExecutionStatus within one hour.`
    ev.diagnostics = { errorCode: 'ScriptTimedOut', scriptName: hook.functionName, message: why, logTail: '' }
    const message = `The deployment failed because the ${ev.name} lifecycle event hook (Lambda function ${hook.functionName}) timed out: ${why}`
    endDeployment(ctx, d, { status: 'Failed', code: 'HOOK_EXECUTION_FAILURE', message, rollbackEvent: 'DEPLOYMENT_FAILURE' }, now)
  }
}

/** Install: a replacement (green) task set of the AppSpec's task definition, at 100%, in the other target group. */
function beginInstall(ctx: Ctx, d: Deployment, ev: LifecycleEvent, now: number): void {
  setEvent(ctx, d, ev, 'InProgress', now)
  const ecs = ctx.deps.ecs
  // Task sets a failed deployment without rollback left behind are removed first.
  for (const ts of ecs.service(d.cluster, d.serviceName)?.taskSets ?? []) {
    if (ts.status === 'ACTIVE') ecs.deleteTaskSet(d.cluster, d.serviceName, ts.id)
  }
  const spec = d.appSpec
  const green = ecs.createTaskSet(d.cluster, d.serviceName, {
    taskDefinitionArn: spec.taskDefinition,
    externalId: d.id,
    scale: 100,
    targetGroupArn: d.green.arn,
    containerName: spec.containerName,
    containerPort: spec.containerPort,
    ...(spec.platformVersion ? { platformVersion: spec.platformVersion } : {}),
    ...(spec.networkConfiguration ? { networkConfiguration: spec.networkConfiguration } : {}),
    ...(spec.capacityProviderStrategy ? { capacityProviderStrategy: spec.capacityProviderStrategy } : {}),
  })
  d.greenTaskSetId = green.id
  setWeight(ctx, d, 0, now)
}

function greenView(ctx: Ctx, d: Deployment): TaskSetView | undefined {
  return ctx.deps.ecs.service(d.cluster, d.serviceName)?.taskSets.find((ts) => ts.id === d.greenTaskSetId)
}

function progressInstall(ctx: Ctx, d: Deployment, ev: LifecycleEvent, now: number): void {
  const green = greenView(ctx, d)
  if (!green) {
    const message = `The replacement task set ${d.greenTaskSetId} of ECS service ${d.serviceName} no longer exists.`
    return endDeployment(ctx, d, { status: 'Failed', code: 'ECS_UPDATE_ERROR', message, rollbackEvent: 'DEPLOYMENT_FAILURE' }, now)
  }
  const threshold = Math.min(200, Math.max(3, Math.ceil(0.5 * green.computedDesiredCount)))
  if (green.failedTasks.length >= threshold) {
    const last = green.failedTasks[green.failedTasks.length - 1]!
    const exit = last.exitCode !== undefined ? ` (exit code ${last.exitCode})` : ''
    const message =
      `The ECS service ${d.serviceName} cannot reach a steady state: ${green.failedTasks.length} tasks of the replacement task set ${green.id} stopped. ` +
      `Last stopped reason: ${last.stoppedReason ?? 'unknown'}${exit} (task ${last.taskArn}).`
    const code = last.stopCode === 'TaskFailedToStart' ? 'ECS_UPDATE_ERROR' : 'HEALTH_CONSTRAINTS'
    return endDeployment(ctx, d, { status: 'Failed', code, message, rollbackEvent: 'DEPLOYMENT_FAILURE' }, now)
  }
  if (green.stabilityStatus === 'STEADY_STATE' && green.healthyCount === green.computedDesiredCount) return setEvent(ctx, d, ev, 'Succeeded', now)
  if (now - (ev.startTime ?? now) >= INSTALL_TIMEOUT_MS) {
    const message = `The replacement task set ${green.id} of ECS service ${d.serviceName} did not reach a steady state within 60 minutes.`
    endDeployment(ctx, d, { status: 'Failed', code: 'ECS_UPDATE_ERROR', message, rollbackEvent: 'DEPLOYMENT_FAILURE' }, now)
  }
}

/** The green weights AllowTraffic goes through, per the deployment config, from `now`. */
function shiftPlan(d: Deployment, now: number): { at: number; weight: number }[] {
  const r = d.routing
  switch (r.type) {
    case 'AllAtOnce':
      return [{ at: now, weight: 100 }]
    case 'TimeBasedCanary':
      return [
        { at: now, weight: r.timeBasedCanary.canaryPercentage },
        { at: now + r.timeBasedCanary.canaryInterval * MINUTE_MS, weight: 100 },
      ]
    case 'TimeBasedLinear': {
      const { linearPercentage: p, linearInterval: m } = r.timeBasedLinear
      const plan: { at: number; weight: number }[] = []
      for (let k = 1; plan.at(-1)?.weight !== 100; k++) plan.push({ at: now + (k - 1) * m * MINUTE_MS, weight: Math.min(100, k * p) })
      return plan
    }
  }
}

function beginAllowTraffic(ctx: Ctx, d: Deployment, ev: LifecycleEvent, now: number): void {
  setEvent(ctx, d, ev, 'InProgress', now)
  d.shifts = d.creator === 'codeDeployRollback' ? [{ at: now, weight: 0 }] : shiftPlan(d, now)
}

function progressTraffic(ctx: Ctx, d: Deployment, ev: LifecycleEvent, now: number): void {
  while (d.shifts.length > 0 && d.shifts[0]!.at <= now) setWeight(ctx, d, d.shifts.shift()!.weight, now)
  if (d.shifts.length > 0) return
  const ecs = ctx.deps.ecs
  // All production traffic is on the task set that stays: it becomes PRIMARY.
  const keep = d.creator === 'codeDeployRollback' ? d.blueTaskSetId : d.greenTaskSetId!
  if (ecs.service(d.cluster, d.serviceName)?.taskSets.some((ts) => ts.id === keep && ts.status !== 'PRIMARY')) ecs.setPrimary(d.cluster, d.serviceName, keep)
  setEvent(ctx, d, ev, 'Succeeded', now)
}

/** After AfterAllowTraffic: terminationWaitTimeInMinutes, then the original task set goes and the deployment Succeeds. */
function terminationWait(ctx: Ctx, d: Deployment, now: number): void {
  if (d.terminationWaitUntil === undefined) {
    const term = d.blueGreen.terminateBlueInstancesOnDeploymentSuccess as { terminationWaitTimeInMinutes?: number } | undefined
    d.terminationWaitUntil = d.creator === 'user' ? now + (term?.terminationWaitTimeInMinutes ?? 0) * MINUTE_MS : now
  }
  if (now < d.terminationWaitUntil) return
  finish(ctx, d, now)
}

/** ContinueDeployment TERMINATION_WAIT. */
export function endTerminationWait(ctx: Ctx, d: Deployment, now: number): void {
  d.terminationWaitUntil = now
  stepDeployment(ctx, d, now)
}

function finish(ctx: Ctx, d: Deployment, now: number): void {
  const gone = d.creator === 'codeDeployRollback' ? d.greenTaskSetId : d.blueTaskSetId
  const ecs = ctx.deps.ecs
  if (gone && ecs.service(d.cluster, d.serviceName)?.taskSets.some((ts) => ts.id === gone)) ecs.deleteTaskSet(d.cluster, d.serviceName, gone)
  d.completeTime = now
  setStatus(ctx, d, 'Succeeded', now)
  const group = ctx.state.groups.get(`${d.applicationName}/${d.groupName}`)
  if (group) group.lastSuccessful = d.id
}

/** The deployment ends Failed or Stopped; with automatic rollback, a rollback deployment moves traffic back. */
export function endDeployment(ctx: Ctx, d: Deployment, cause: EndCause, now: number): void {
  for (const ev of d.events) {
    if (ev.status === 'InProgress') {
      if (ev.hook && ev.hook.result === undefined) ev.hook.result = 'Failed'
      setEvent(ctx, d, ev, 'Failed', now)
    } else if (ev.status === 'Pending') ev.status = 'Skipped'
  }
  d.errorInformation = { code: cause.code, message: cause.message }
  d.statusMessages.push(cause.message)
  d.completeTime = now
  setStatus(ctx, d, cause.status, now)
  const rollback = cause.rollback ?? (d.autoRollback.enabled && d.autoRollback.events.includes(cause.rollbackEvent))
  if (!rollback || d.creator !== 'user') return
  if (!d.greenTaskSetId) {
    d.rollbackInfo = { rollbackMessage: `Deployment ${d.id} ended before a replacement task set was created: there is nothing to roll back.` }
    return
  }
  const r: Deployment = {
    ...structuredClone(d),
    id: newDeploymentId(),
    creator: 'codeDeployRollback',
    status: 'Created',
    createTime: now,
    events: newEvents().map((ev): LifecycleEvent => (ev.name === 'AllowTraffic' ? ev : { ...ev, status: 'Skipped' })),
    current: LIFECYCLE_EVENTS.indexOf('AllowTraffic' satisfies LifecycleEventName),
    shifts: [],
    statusMessages: [],
    targetUpdatedAt: now,
    rollbackInfo: { rollbackTriggeringDeploymentId: d.id, rollbackMessage: `Rollback of deployment ${d.id}: traffic returns to the original task set ${d.blueTaskSetId}.` },
  }
  delete r.startTime
  delete r.completeTime
  delete r.errorInformation
  delete r.terminationWaitUntil
  delete r.readyWait
  d.rollbackInfo = {
    rollbackDeploymentId: r.id,
    rollbackMessage: `Deployment ${d.id} ${cause.status === 'Failed' ? 'failed' : 'was stopped'}; automatic rollback deployment ${r.id} was started.`,
  }
  ctx.state.deployments.set(r.id, r)
  ctx.deps.transitions.record({ kind: 'codedeploy', id: r.id, state: 'Created', detail: { rollbackTriggeringDeploymentId: d.id } })
  startDeployment(ctx, r, now)
}
