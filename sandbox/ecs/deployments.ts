// A service's deployments (ecs-svc/…): starting one, and its ends — COMPLETED, FAILED, and the rollback
// to the last COMPLETED deployment, kept in step with the service deployment that tracks it.
import { newDeploymentId } from './ids.js'
import { addEvent, messages } from './events.js'
import type { Ctx, Deployment, RolloutState, Service, ServiceDeployment } from './state.js'
import { breakerThreshold } from './breaker.js'
import { alarmsIgnoredAtStart } from './deployment-alarms.js'
import { beginNativeRollout } from './native-rollout.js'
import { createRevision, createServiceDeployment, isFinished, setStatus } from './service-deployments.js'

export function setRollout(ctx: Ctx, d: Deployment, state: RolloutState, reason: string, atMs: number): void {
  const changed = d.rolloutState !== state
  d.rolloutState = state
  d.rolloutStateReason = reason
  d.updatedAt = atMs
  if (changed) ctx.deps.transitions.record({ kind: 'deployment', id: d.id, state })
}

function makeDeployment(ctx: Ctx, service: Service, taskDefinitionArn: string, revisionArn: string, sdArn: string, atMs: number, isRollback: boolean): Deployment {
  const id = newDeploymentId()
  const d: Deployment = {
    id,
    status: 'PRIMARY',
    taskDefinitionArn,
    desiredCount: service.desiredCount,
    failedTasks: 0,
    createdAt: atMs,
    updatedAt: atMs,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: `ECS deployment ${id} in progress.`,
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy ? { capacityProviderStrategy: service.capacityProviderStrategy } : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    config: structuredClone(service.config),
    serviceRevisionArn: revisionArn,
    serviceDeploymentArn: sdArn,
    isRollback,
    alarmsIgnored: !isRollback && alarmsIgnoredAtStart(ctx, service.config),
  }
  for (const old of service.deployments) {
    if (old.status === 'PRIMARY') {
      old.status = 'ACTIVE'
      old.updatedAt = atMs
    }
  }
  service.deployments.unshift(d)
  ctx.deps.transitions.record({ kind: 'deployment', id: d.id, state: d.rolloutState })
  return d
}

/** A new deployment of the service's current task definition (CreateService, UpdateService). */
export function startDeployment(ctx: Ctx, service: Service, atMs: number): Deployment {
  const previous = service.currentServiceDeploymentArn ? ctx.state.serviceDeployments.get(service.currentServiceDeploymentArn) : undefined
  if (previous && !isFinished(previous)) {
    setStatus(ctx, service, previous, 'STOPPED', atMs, 'Service deployment was superseded by a new service deployment.')
  }
  const sources = [...new Set(service.deployments.map((d) => d.serviceRevisionArn))]
  const rev = createRevision(ctx, service, service.taskDefinitionArn, atMs)
  const sdArn = ctx.arns.serviceDeployment(service.clusterName, service.name)
  const d = makeDeployment(ctx, service, service.taskDefinitionArn, rev.arn, sdArn, atMs, false)
  const sd = createServiceDeployment(ctx, service, d, sources, atMs)
  beginNativeRollout(ctx, service, sd, d, atMs)
  service.currentServiceDeploymentArn = sdArn
  service.steady = false
  return d
}

export type FailureCause = { kind: 'breaker' } | { kind: 'alarm'; alarmNames: string[] } | { kind: 'stop' }

export function texts(cause: FailureCause, rollbackTo: string | undefined): { reason: string; event: string; rollbackReason: string } {
  switch (cause.kind) {
    case 'breaker':
      return {
        reason: 'ECS deployment circuit breaker: tasks failed to start.',
        event: 'tasks failed to start.',
        rollbackReason: `ECS deployment circuit breaker: rolling back to deploymentId ${rollbackTo}.`,
      }
    case 'alarm':
      return {
        reason: `ECS deployment alarm: ${cause.alarmNames.join(', ')} ${cause.alarmNames.length === 1 ? 'is' : 'are'} in ALARM state.`,
        event: `alarm ${cause.alarmNames.join(', ')} in ALARM state.`,
        rollbackReason: `ECS deployment alarm: rolling back to deploymentId ${rollbackTo}.`,
      }
    case 'stop':
      return {
        reason: 'Service deployment rolled back because of a stop request.',
        event: 'stopped by a StopServiceDeployment request.',
        rollbackReason: `Service deployment stop request: rolling back to deploymentId ${rollbackTo}.`,
      }
  }
}

/**
 * Fail the PRIMARY deployment `d`. With rollback wanted and a COMPLETED deployment to go back to, a new
 * PRIMARY deployment of that deployment's task definition starts; otherwise `d` stays PRIMARY and stalls.
 */
export function failDeployment(ctx: Ctx, service: Service, d: Deployment, cause: FailureCause, atMs: number): void {
  const sd = ctx.state.serviceDeployments.get(d.serviceDeploymentArn)!
  const target = service.lastCompleted
  const t = texts(cause, target?.id)
  setRollout(ctx, d, 'FAILED', t.reason, atMs)
  addEvent(service, atMs, messages.failed(d.id, t.event))
  service.steady = false
  if (cause.kind === 'breaker') {
    sd.breaker = { ...sd.breaker, status: 'TRIGGERED', failureCount: d.failedTasks, threshold: breakerThreshold(d.config.deploymentCircuitBreaker, d.desiredCount) }
  }
  if (cause.kind === 'alarm') sd.alarms = { ...sd.alarms, status: 'TRIGGERED', triggeredAlarmNames: cause.alarmNames }

  const wantsRollback =
    cause.kind === 'stop' || (cause.kind === 'breaker' && d.config.deploymentCircuitBreaker.rollback) || (cause.kind === 'alarm' && d.config.alarms?.rollback === true)
  if (d.isRollback) {
    setStatus(ctx, service, sd, 'ROLLBACK_FAILED', atMs, t.reason)
    return
  }
  if (!wantsRollback || !target) {
    setStatus(ctx, service, sd, 'STOPPED', atMs, t.reason)
    return
  }
  rollBack(ctx, service, sd, target, t, atMs)
}

function rollBack(
  ctx: Ctx,
  service: Service,
  sd: ServiceDeployment,
  target: NonNullable<Service['lastCompleted']>,
  t: { reason: string; rollbackReason: string },
  atMs: number,
): void {
  service.taskDefinitionArn = target.taskDefinitionArn
  const d = makeDeployment(ctx, service, target.taskDefinitionArn, target.serviceRevisionArn, sd.arn, atMs, true)
  d.rolloutStateReason = t.rollbackReason
  addEvent(service, atMs, messages.rollingBack(target.id))
  sd.rollbackDeploymentId = d.id
  sd.rollback = { reason: t.reason, startedAt: atMs, serviceRevisionArn: target.serviceRevisionArn }
  setStatus(ctx, service, sd, 'ROLLBACK_IN_PROGRESS', atMs, t.reason)
}

/** Steady state and the alarm bake are behind `d`: it is COMPLETED. */
export function completeDeployment(ctx: Ctx, service: Service, d: Deployment, atMs: number): void {
  setRollout(ctx, d, 'COMPLETED', `ECS deployment ${d.id} completed.`, atMs)
  service.lastCompleted = { id: d.id, taskDefinitionArn: d.taskDefinitionArn, serviceRevisionArn: d.serviceRevisionArn }
  addEvent(service, atMs, messages.completed(d.id))
  const sd = ctx.state.serviceDeployments.get(d.serviceDeploymentArn)
  if (sd) setStatus(ctx, service, sd, d.isRollback ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL', atMs)
}
