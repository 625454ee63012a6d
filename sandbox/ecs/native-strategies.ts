// ECS-native BLUE_GREEN, LINEAR and CANARY deployments, one scheduler step at a time: the lifecycle stages
// (green scale-up, test and production traffic shifts, bake, clean-up), their hooks, the deployment alarms and
// circuit breaker watching them, and the rollback that sends traffic back to the blue revision.
import { breakerThreshold, breakerTripped } from './breaker.js'
import { firingAlarms } from './deployment-alarms.js'
import { completeDeployment, type FailureCause, setRollout, texts } from './deployments.js'
import { addEvent, messages } from './events.js'
import { currentRuns, hookFailureReason, hookName, isWaiting, setHookStatus, settleStageHooks, startStageHooks } from './native-hooks.js'
import { HOOK_STAGES, type HookRun, type HookStage, type LifecycleStage, type NativeRollout } from './native-model.js'
import { isFinished, setStatus } from './service-deployments.js'
import type { Ctx, Deployment, DeploymentConfiguration, Service, ServiceDeployment, Task } from './state.js'
import { createTask, isAlive, isHealthy, stopTask } from './tasks.js'

export type NativeCause = FailureCause | { kind: 'hook'; run: HookRun } | { kind: 'continue'; run: HookRun }

const isHookStage = (stage: LifecycleStage | undefined): stage is HookStage => (HOOK_STAGES as readonly string[]).includes(stage ?? '')

function serviceTasks(ctx: Ctx, service: Service): Task[] {
  return [...ctx.state.tasks.values()].filter((t) => t.clusterName === service.clusterName && t.serviceName === service.name)
}

function recordTraffic(ctx: Ctx, sd: ServiceDeployment, r: NativeRollout): void {
  ctx.deps.transitions.record({ kind: 'traffic', id: sd.arn, state: String(r.productionWeight) })
}

/**
 * Step the service's current service deployment when it is a native rollout in flight. Returns false when
 * there is none (the rolling scheduler then looks after the service).
 */
export function stepNativeRollout(ctx: Ctx, service: Service, now: number): boolean {
  const sd = ctx.state.serviceDeployments.get(service.currentServiceDeploymentArn)
  const r = sd?.native
  if (!sd || !r || isFinished(sd)) return false
  const green = service.deployments.find((d) => d.id === sd.deploymentId)
  if (!green) return false
  if (sd.status === 'ROLLBACK_IN_PROGRESS') {
    stepRollback(ctx, service, sd, now)
    return true
  }
  green.desiredCount = service.desiredCount
  if (r.stage === undefined) {
    recordTraffic(ctx, sd, r)
    enter(ctx, service, sd, green, sd.sourceRevisionArns.length > 1 ? 'RECONCILE_SERVICE' : 'PRE_SCALE_UP', now)
  }
  if (breakerTripped(green)) {
    failNativeDeployment(ctx, service, sd, { kind: 'breaker' }, now)
    return true
  }
  if (r.stage !== 'CLEAN_UP') {
    const firing = firingAlarms(ctx, green)
    if (firing.length > 0) {
      failNativeDeployment(ctx, service, sd, { kind: 'alarm', alarmNames: firing }, now)
      return true
    }
  }
  if (r.stage !== 'PRE_SCALE_UP' && r.stage !== 'RECONCILE_SERVICE') keepGreenScaled(ctx, service, green, r, now)
  // Stages with nothing to wait for pass within the same step.
  for (let n = 0; n < 32; n++) {
    const next = nextStage(ctx, service, sd, green, r, now)
    if (next === 'wait') return true
    if (next === 'done') {
      finish(ctx, service, sd, green, now)
      return true
    }
    enter(ctx, service, sd, green, next, now)
  }
  return true
}

function enter(ctx: Ctx, service: Service, sd: ServiceDeployment, green: Deployment, stage: LifecycleStage, now: number): void {
  const r = sd.native!
  r.stage = stage
  r.stageStartedAt = now
  ctx.deps.transitions.record({ kind: 'lifecycle-stage', id: sd.arn, state: stage })
  if (stage === 'SCALE_UP') keepGreenScaled(ctx, service, green, r, now)
  if (stage === 'TEST_TRAFFIC_SHIFT' && r.hasTestListener) r.testWeight = 100
  if (stage === 'PRODUCTION_TRAFFIC_SHIFT') {
    r.productionWeight = nextWeight(sd.config, r.productionWeight)
    recordTraffic(ctx, sd, r)
  }
  if (stage === 'CLEAN_UP') {
    stopTasks(
      service,
      serviceTasks(ctx, service).filter((t) => isAlive(t) && t.deploymentId !== green.id),
      green.id,
      now,
    )
    for (const d of service.deployments) if (d !== green) d.desiredCount = 0
  }
  if (isHookStage(stage)) startStageHooks(ctx, sd, r, stage, now)
}

/** Where the current stage goes once it is over, or `wait`. A failed hook rolls back (and the step waits). */
function nextStage(ctx: Ctx, service: Service, sd: ServiceDeployment, green: Deployment, r: NativeRollout, now: number): LifecycleStage | 'wait' | 'done' {
  if (isHookStage(r.stage)) {
    const hooks = settleStageHooks(ctx, sd, currentRuns(r), now)
    if (hooks.state === 'failed') {
      failNativeDeployment(ctx, service, sd, { kind: 'hook', run: hooks.run }, now)
      return 'wait'
    }
    if (hooks.state === 'running') return 'wait'
  }
  const elapsed = now - r.stageStartedAt
  switch (r.stage!) {
    case 'RECONCILE_SERVICE':
      return 'PRE_SCALE_UP'
    case 'PRE_SCALE_UP':
      return 'SCALE_UP'
    case 'SCALE_UP': {
      const tasks = serviceTasks(ctx, service).filter((t) => isAlive(t) && t.deploymentId === green.id)
      return tasks.length === green.desiredCount && tasks.every((t) => isHealthy(t, now)) ? 'POST_SCALE_UP' : 'wait'
    }
    case 'POST_SCALE_UP':
      return 'TEST_TRAFFIC_SHIFT'
    case 'TEST_TRAFFIC_SHIFT':
      return 'POST_TEST_TRAFFIC_SHIFT'
    case 'POST_TEST_TRAFFIC_SHIFT':
      return 'PRE_PRODUCTION_TRAFFIC_SHIFT'
    case 'PRE_PRODUCTION_TRAFFIC_SHIFT':
      return 'PRODUCTION_TRAFFIC_SHIFT'
    case 'PRODUCTION_TRAFFIC_SHIFT':
      if (r.productionWeight >= 100) return 'POST_PRODUCTION_TRAFFIC_SHIFT'
      return elapsed >= stepBakeMs(sd.config) ? 'PRE_PRODUCTION_TRAFFIC_SHIFT' : 'wait'
    case 'POST_PRODUCTION_TRAFFIC_SHIFT':
      return 'BAKE_TIME'
    case 'BAKE_TIME':
      return elapsed >= (sd.config.bakeTimeInMinutes ?? 0) * 60_000 ? 'CLEAN_UP' : 'wait'
    case 'CLEAN_UP':
      return serviceTasks(ctx, service).every((t) => t.deploymentId === green.id || t.lastStatus === 'STOPPED') ? 'done' : 'wait'
  }
}

/** Green's production weight after one more traffic step: all at once, canary then the rest, or +stepPercent. */
function nextWeight(c: DeploymentConfiguration, current: number): number {
  switch (c.strategy) {
    case 'CANARY':
      return current === 0 ? c.canaryConfiguration!.canaryPercent : 100
    case 'LINEAR':
      return Math.min(1000, Math.round(current * 10) + Math.round(c.linearConfiguration!.stepPercent * 10)) / 10
    default:
      return 100
  }
}

/** How long a partial traffic step holds before the next one (not applied once at 100%). */
function stepBakeMs(c: DeploymentConfiguration): number {
  if (c.strategy === 'CANARY') return c.canaryConfiguration!.canaryBakeTimeInMinutes * 60_000
  if (c.strategy === 'LINEAR') return c.linearConfiguration!.stepBakeTimeInMinutes * 60_000
  return 0
}

/** From SCALE_UP on, green runs its full desired count next to blue (failed tasks are replaced). */
function keepGreenScaled(ctx: Ctx, service: Service, green: Deployment, r: NativeRollout, now: number): void {
  const alive = serviceTasks(ctx, service).filter((t) => isAlive(t) && t.deploymentId === green.id)
  const missing = green.desiredCount - alive.length
  if (missing > 0) {
    const started = Array.from({ length: missing }, () => {
      const task = createTask(ctx, service, green, now)
      if (task.loadBalancer && r.greenTargetGroupArn) task.loadBalancer.targetGroupArn = r.greenTargetGroupArn
      return task.id
    })
    addEvent(service, now, messages.started(started))
  } else if (missing < 0) {
    const extra = [...alive].sort((a, b) => Number(isHealthy(a, now)) - Number(isHealthy(b, now)) || b.createdAt - a.createdAt)
    stopTasks(service, extra.slice(0, -missing), green.id, now)
  }
}

function stopTasks(service: Service, tasks: Task[], byDeploymentId: string, now: number): void {
  const stopped: string[] = []
  for (const t of tasks) {
    if (t.lastStatus === 'RUNNING') stopped.push(t.id)
    stopTask(t, now, { code: 'ServiceSchedulerInitiated', reason: `Scaling activity initiated by (deployment ${byDeploymentId})`, graceful: true })
  }
  if (stopped.length > 0) addEvent(service, now, messages.stopped(stopped))
}

/** Deployments other than `keep` whose tasks have all stopped leave deployments[] as INACTIVE. */
function dropOthers(ctx: Ctx, service: Service, keep: Deployment, now: number): void {
  const tasks = serviceTasks(ctx, service)
  service.deployments = service.deployments.filter((d) => {
    if (d === keep || tasks.some((t) => t.deploymentId === d.id && t.lastStatus !== 'STOPPED')) return true
    d.status = 'INACTIVE'
    d.updatedAt = now
    return false
  })
}

function reachSteadyState(service: Service, now: number): void {
  if (service.steady) return
  service.steady = true
  addEvent(service, now, messages.steadyState())
}

/** CLEAN_UP is over: blue is gone and green is the service. */
function finish(ctx: Ctx, service: Service, sd: ServiceDeployment, green: Deployment, now: number): void {
  dropOthers(ctx, service, green, now)
  completeDeployment(ctx, service, green, now)
  reachSteadyState(service, now)
  setStatus(ctx, service, sd, 'SUCCESSFUL', now)
}

function causeTexts(cause: NativeCause, blueId: string): { reason: string; event: string; rollbackReason: string } {
  switch (cause.kind) {
    case 'hook':
      return {
        reason: hookFailureReason(cause.run),
        event: `lifecycle hook ${cause.run.hookId} ${cause.run.status === 'TIMED_OUT' ? 'timed out' : 'failed'} at ${cause.run.stage}.`,
        rollbackReason: `Lifecycle hook ${cause.run.hookId}: rolling back to deploymentId ${blueId}.`,
      }
    case 'continue':
      return {
        reason: `Lifecycle hook ${hookName(cause.run)}: rollback requested by ContinueServiceDeployment.`,
        event: `rolled back by a ContinueServiceDeployment request at lifecycle hook ${cause.run.hookId}.`,
        rollbackReason: `ContinueServiceDeployment request: rolling back to deploymentId ${blueId}.`,
      }
    default:
      return texts(cause, blueId)
  }
}

/**
 * Fail a native rollout in flight. It rolls back to the blue revision (hooks, stop and continue requests always
 * do; the breaker and alarms when their `rollback` is set); otherwise it stops where it is.
 */
export function failNativeDeployment(ctx: Ctx, service: Service, sd: ServiceDeployment, cause: NativeCause, now: number): void {
  const r = sd.native!
  const green = service.deployments.find((d) => d.id === sd.deploymentId)!
  const t = causeTexts(cause, r.blueDeploymentId)
  setRollout(ctx, green, 'FAILED', t.reason, now)
  addEvent(service, now, messages.failed(green.id, t.event))
  service.steady = false
  if (cause.kind === 'breaker') {
    sd.breaker = { ...sd.breaker, status: 'TRIGGERED', failureCount: green.failedTasks, threshold: breakerThreshold(green.config.deploymentCircuitBreaker, green.desiredCount) }
  }
  if (cause.kind === 'alarm') sd.alarms = { ...sd.alarms, status: 'TRIGGERED', triggeredAlarmNames: cause.alarmNames }
  // Hooks still waiting at this stage will not be acted on any more.
  for (const run of r.hooks.filter(isWaiting)) setHookStatus(ctx, sd, run, 'FAILED')
  const wantsRollback =
    (cause.kind === 'breaker' && green.config.deploymentCircuitBreaker.rollback) ||
    (cause.kind === 'alarm' && green.config.alarms?.rollback === true) ||
    (cause.kind !== 'breaker' && cause.kind !== 'alarm')
  const blue = service.deployments.find((d) => d.id === r.blueDeploymentId)
  if (!wantsRollback || !blue) {
    setStatus(ctx, service, sd, 'STOPPED', now, t.reason)
    return
  }
  // Blue still runs: traffic goes back to it and green's tasks stop.
  service.deployments = [blue, ...service.deployments.filter((d) => d !== blue)]
  blue.status = 'PRIMARY'
  blue.desiredCount = service.desiredCount
  green.status = 'ACTIVE'
  green.desiredCount = 0
  setRollout(ctx, blue, 'IN_PROGRESS', t.rollbackReason, now)
  service.taskDefinitionArn = blue.taskDefinitionArn
  addEvent(service, now, messages.rollingBack(blue.id))
  r.productionWeight = 0
  r.testWeight = 0
  recordTraffic(ctx, sd, r)
  stopTasks(
    service,
    serviceTasks(ctx, service).filter((x) => isAlive(x) && x.deploymentId !== blue.id),
    blue.id,
    now,
  )
  sd.rollbackDeploymentId = blue.id
  sd.rollback = { reason: t.reason, startedAt: now, serviceRevisionArn: blue.serviceRevisionArn }
  setStatus(ctx, service, sd, 'ROLLBACK_IN_PROGRESS', now, t.reason)
}

/** The rollback is over once every task but blue's has stopped. */
function stepRollback(ctx: Ctx, service: Service, sd: ServiceDeployment, now: number): void {
  const blue = service.deployments[0]!
  if (!serviceTasks(ctx, service).every((t) => t.deploymentId === blue.id || t.lastStatus === 'STOPPED')) return
  dropOthers(ctx, service, blue, now)
  completeDeployment(ctx, service, blue, now)
  reachSteadyState(service, now)
  setStatus(ctx, service, sd, 'ROLLBACK_SUCCESSFUL', now)
}
