// The ECS service scheduler, one simulated step at a time: task lifecycles, health-check replacement,
// the circuit breaker and deployment alarms, the rolling replacement within minimumHealthyPercent /
// maximumPercent, draining old deployments, steady state, the alarm bake and completion.
import { breakerTripped, HEALTHY_RESET_MS, recordFailure, recordHealthy } from './breaker.js'
import { firingAlarms, watchedAlarms } from './deployment-alarms.js'
import { completeDeployment, failDeployment } from './deployments.js'
import { addEvent, messages } from './events.js'
import { stepNativeRollout } from './native-strategies.js'
import { setStatus } from './service-deployments.js'
import type { Ctx, Deployment, Service, Task } from './state.js'
import { advanceTask } from './task-lifecycle.js'
import { stepTaskSets } from './task-sets.js'
import { createTask, healthyFrom, isAlive, isHealthy, stopTask } from './tasks.js'

export function advanceEcs(ctx: Ctx, nowMs: number): void {
  const services = [...ctx.state.services.values()].filter((s) => s.status !== 'INACTIVE')
  const onFailed = (task: Task, atMs: number): void => {
    const d = deploymentOf(ctx, task)
    if (d?.rolloutState === 'IN_PROGRESS') recordFailure(d, atMs)
  }
  for (const task of [...ctx.state.tasks.values()]) advanceTask(ctx, task, nowMs, onFailed)
  for (const service of services) stepService(ctx, service, nowMs)
}

function deploymentOf(ctx: Ctx, task: Task): Deployment | undefined {
  if (!task.serviceName) return undefined
  return ctx.state.services.get(`${task.clusterName}/${task.serviceName}`)?.deployments.find((d) => d.id === task.deploymentId)
}

function serviceTasks(ctx: Ctx, service: Service): Task[] {
  return [...ctx.state.tasks.values()].filter((t) => t.clusterName === service.clusterName && t.serviceName === service.name)
}

function stepService(ctx: Ctx, service: Service, now: number): void {
  const sd = ctx.state.serviceDeployments.get(service.currentServiceDeploymentArn)
  if (sd?.status === 'PENDING') setStatus(ctx, service, sd, 'IN_PROGRESS', now)
  if (service.status === 'DRAINING') return drain(ctx, service, now)
  if (service.taskSets) {
    replaceUnhealthy(ctx, service, now)
    return stepTaskSets(ctx, service, now)
  }

  replaceUnhealthy(ctx, service, now)
  if (stepNativeRollout(ctx, service, now)) return
  const primary = service.deployments[0]!
  if (breakerTripped(primary)) failDeployment(ctx, service, primary, { kind: 'breaker' }, now)
  else checkAlarms(ctx, service, primary, now)

  schedule(ctx, service, now)
  dropDrainedDeployments(ctx, service, now)
  checkSteadyState(ctx, service, now)
}

/** Tasks whose container (or target group) health check failed are replaced once the grace period is over. */
function replaceUnhealthy(ctx: Ctx, service: Service, now: number): void {
  const graceMs = (service.healthCheckGracePeriodSeconds ?? 0) * 1000
  for (const t of serviceTasks(ctx, service)) {
    if (!isAlive(t) || t.lastStatus !== 'RUNNING' || t.startedAt === undefined) continue
    const d = deploymentOf(ctx, t)
    const healthy = healthyFrom(t)
    if (healthy !== undefined && !t.resetApplied && now - healthy >= HEALTHY_RESET_MS) {
      t.resetApplied = true
      if (d) recordHealthy(d, now)
    }
    if (now < t.startedAt + graceMs) continue
    const elb = t.elbUnhealthyAt !== undefined && t.elbUnhealthyAt <= now
    if (t.healthStatus !== 'UNHEALTHY' && !elb) continue
    if (t.healthStatus === 'UNHEALTHY') {
      stopTask(t, now, { code: 'ServiceSchedulerInitiated', reason: 'Task failed container health checks', graceful: true, failed: true })
      addEvent(service, now, messages.failedHealthChecks(t.id))
    } else {
      const lb = t.loadBalancer!
      stopTask(t, now, {
        code: 'ServiceSchedulerInitiated',
        reason: `Task failed ELB health checks in (target-group ${lb.targetGroupArn})`,
        graceful: true,
        failed: true,
      })
      addEvent(service, now, messages.elbUnhealthy(t.id, lb.containerPort, lb.targetGroupArn))
    }
    if (d?.rolloutState === 'IN_PROGRESS') recordFailure(d, now)
  }
}

function checkAlarms(ctx: Ctx, service: Service, d: Deployment, now: number): void {
  if (d.rolloutState !== 'IN_PROGRESS') return
  const firing = firingAlarms(ctx, d)
  if (firing.length > 0) failDeployment(ctx, service, d, { kind: 'alarm', alarmNames: firing }, now)
}

/**
 * Rolling replacement. Never more than maximumPercent of the desired count alive (desiredStatus RUNNING,
 * starting or running), never fewer than minimumHealthyPercent healthy by the scheduler's own stops.
 * A FAILED PRIMARY launches nothing and leaves the older tasks alone (the deployment stalls).
 */
function schedule(ctx: Ctx, service: Service, now: number): void {
  const primary = service.deployments[0]!
  const desired = service.desiredCount
  primary.desiredCount = desired
  if (primary.rolloutState === 'FAILED') return updateOldDesired(ctx, service)
  const maxAlive = Math.floor((desired * primary.config.maximumPercent) / 100)
  const minHealthy = Math.ceil((desired * primary.config.minimumHealthyPercent) / 100)
  const tasks = serviceTasks(ctx, service).filter(isAlive)
  const ofPrimary = tasks.filter((t) => t.deploymentId === primary.id)
  const old = tasks.filter((t) => t.deploymentId !== primary.id)
  let healthy = tasks.filter((t) => isHealthy(t, now)).length
  const reason = `Scaling activity initiated by (deployment ${primary.id})`
  const stopped: string[] = []
  const stop = (t: Task): void => {
    const wasRunning = t.lastStatus === 'RUNNING'
    stopTask(t, now, { code: 'ServiceSchedulerInitiated', reason, graceful: true })
    if (wasRunning) stopped.push(t.id)
  }

  // Old deployments' tasks: the not-yet-healthy ones go first and freely; healthy ones only above the floor.
  for (const t of [...old].sort((a, b) => Number(isHealthy(a, now)) - Number(isHealthy(b, now)))) {
    if (!isHealthy(t, now)) stop(t)
    else if (healthy - 1 >= minHealthy) {
      stop(t)
      healthy -= 1
    }
  }
  // Scale-in of the primary itself: extra tasks, least advanced first.
  const extra = ofPrimary.length - desired
  if (extra > 0) {
    const order = [...ofPrimary].sort((a, b) => Number(isHealthy(a, now)) - Number(isHealthy(b, now)) || b.createdAt - a.createdAt)
    order.slice(0, extra).forEach(stop)
  }
  if (stopped.length > 0) addEvent(service, now, messages.stopped(stopped))

  const alive = serviceTasks(ctx, service).filter(isAlive)
  const primaryAlive = alive.filter((t) => t.deploymentId === primary.id).length
  const launch = Math.min(desired - primaryAlive, maxAlive - alive.length)
  if (launch > 0) {
    const started = Array.from({ length: launch }, () => createTask(ctx, service, primary, now).id)
    addEvent(service, now, messages.started(started))
  }
  updateOldDesired(ctx, service)
}

/** A deployment being replaced wants as many tasks as it still has alive. */
function updateOldDesired(ctx: Ctx, service: Service): void {
  const alive = serviceTasks(ctx, service).filter(isAlive)
  for (const d of service.deployments.slice(1)) d.desiredCount = alive.filter((t) => t.deploymentId === d.id).length
}

/** Deployments other than the PRIMARY whose tasks have all STOPPED become INACTIVE and leave deployments[]. */
function dropDrainedDeployments(ctx: Ctx, service: Service, now: number): void {
  const tasks = serviceTasks(ctx, service)
  service.deployments = service.deployments.filter((d, i) => {
    if (i === 0 || tasks.some((t) => t.deploymentId === d.id && t.lastStatus !== 'STOPPED')) return true
    d.status = 'INACTIVE'
    d.updatedAt = now
    return false
  })
}

/**
 * Steady state: every desired task of the PRIMARY running and healthy, nothing else left, and that for
 * `STABLE_MS` in a row (so a task that crashes right after it starts never lets a deployment complete).
 * The deployment is COMPLETED once the alarm bake, counted from the same moment, has passed as well.
 */
const STABLE_MS = 5_000

function checkSteadyState(ctx: Ctx, service: Service, now: number): void {
  const primary = service.deployments[0]!
  const tasks = serviceTasks(ctx, service).filter(isAlive)
  const steady =
    primary.rolloutState !== 'FAILED' &&
    service.deployments.length === 1 &&
    tasks.length === service.desiredCount &&
    tasks.every((t) => t.deploymentId === primary.id && isHealthy(t, now))
  if (!steady) {
    service.steady = false
    primary.steadyAt = undefined
    return
  }
  primary.steadyAt ??= now
  const held = now - primary.steadyAt
  if (held < STABLE_MS) return
  if (primary.rolloutState === 'IN_PROGRESS' && held >= bakeMs(ctx, primary)) completeDeployment(ctx, service, primary, now)
  if (!service.steady) {
    service.steady = true
    addEvent(service, now, messages.steadyState())
  }
}

/** ECS's alarm bake: the longest Period × EvaluationPeriods among the deployment's alarms (0 without alarms). */
function bakeMs(ctx: Ctx, d: Deployment): number {
  return Math.max(
    0,
    ...watchedAlarms(d).map((name) => {
      const a = ctx.deps.alarms.get(name)
      return a ? a.periodSeconds * a.evaluationPeriods * 1000 : 0
    }),
  )
}

/** DeleteService: every task stops; the service is INACTIVE once they all have. */
function drain(ctx: Ctx, service: Service, now: number): void {
  const tasks = serviceTasks(ctx, service)
  const stopped: string[] = []
  for (const t of tasks.filter(isAlive)) {
    if (t.lastStatus === 'RUNNING') stopped.push(t.id)
    stopTask(t, now, { code: 'ServiceSchedulerInitiated', reason: 'Service is being deleted', graceful: true })
  }
  if (stopped.length > 0) addEvent(service, now, messages.stopped(stopped))
  for (const d of service.deployments) d.desiredCount = 0
  if (tasks.every((t) => t.lastStatus === 'STOPPED')) service.status = 'INACTIVE'
}
