// Service deployments and service revisions (the 2024 ECS API): created with each deployment, kept
// consistent with DescribeServices, and ListServiceDeployments / DescribeServiceDeployments /
// DescribeServiceRevisions.
import { AwsError, type JsonObject } from '../types.js'
import { breakerThreshold } from './breaker.js'
import { toEpochSeconds } from './ids.js'
import { findTaskDefinition, getCluster, getService } from './lookup.js'
import { nativeConfigWire } from './native-config.js'
import { lifecycleWire, revisionSummariesWire } from './native-wire.js'
import type { Ctx, Deployment, DeploymentConfiguration, RevisionCounts, Service, ServiceDeployment, ServiceDeploymentStatus, ServiceRevision } from './state.js'
import { containerDefs } from './task-definitions.js'
import { isPending, isRunning } from './tasks.js'
import { invalidParameter, optionalObject, optionalString, optionalStringList, paginate, requireString, requireStringList } from './validate.js'

const s = toEpochSeconds

export function createRevision(ctx: Ctx, service: Service, taskDefinitionArn: string, atMs: number): ServiceRevision {
  const td = findTaskDefinition(ctx, taskDefinitionArn)!
  const rev: ServiceRevision = {
    arn: ctx.arns.serviceRevision(service.clusterName, service.name),
    serviceArn: service.arn,
    clusterArn: ctx.arns.cluster(service.clusterName),
    taskDefinitionArn,
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy ? { capacityProviderStrategy: service.capacityProviderStrategy } : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    loadBalancers: service.loadBalancers,
    // ECS resolves each image to a digest when it creates the revision.
    containerImages: containerDefs(td).map((c) => {
      const digest = ctx.deps.images.resolve(c.image)
      return { containerName: c.name, image: c.image, ...(digest ? { imageDigest: digest } : {}) }
    }),
    createdAt: atMs,
  }
  ctx.state.serviceRevisions.set(rev.arn, rev)
  return rev
}

export function createServiceDeployment(ctx: Ctx, service: Service, d: Deployment, sourceRevisionArns: string[], atMs: number): ServiceDeployment {
  const cb = d.config.deploymentCircuitBreaker
  const alarms = d.config.alarms
  const sd: ServiceDeployment = {
    arn: d.serviceDeploymentArn,
    serviceArn: service.arn,
    clusterArn: ctx.arns.cluster(service.clusterName),
    createdAt: atMs,
    updatedAt: atMs,
    status: 'PENDING',
    sourceRevisionArns,
    targetRevisionArn: d.serviceRevisionArn,
    config: d.config,
    deploymentId: d.id,
    breaker: { status: cb.enable ? 'MONITORING' : 'DISABLED', failureCount: 0, threshold: breakerThreshold(cb, d.desiredCount) },
    alarms: {
      status: alarms?.enable && alarms.alarmNames.length > 0 && !d.alarmsIgnored ? 'MONITORING' : 'DISABLED',
      alarmNames: alarms?.alarmNames ?? [],
      triggeredAlarmNames: [],
    },
  }
  ctx.state.serviceDeployments.set(sd.arn, sd)
  ctx.deps.transitions.record({ kind: 'service-deployment', id: sd.arn, state: sd.status })
  return sd
}

const FINAL: ServiceDeploymentStatus[] = ['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']
export const isFinished = (sd: ServiceDeployment): boolean => FINAL.includes(sd.status)

/** Change a service deployment's status; a final status freezes its revision counts. */
export function setStatus(ctx: Ctx, service: Service, sd: ServiceDeployment, status: ServiceDeploymentStatus, atMs: number, reason?: string): void {
  if (sd.status === status) return
  if (isFinished(sd)) return
  sd.status = status
  sd.updatedAt = atMs
  if (reason !== undefined) sd.statusReason = reason
  if (status === 'IN_PROGRESS') sd.startedAt ??= atMs
  if (FINAL.includes(status)) {
    sd.finishedAt = atMs
    if (status === 'STOPPED') sd.stoppedAt = atMs
    sd.frozenCounts = {
      source: sd.sourceRevisionArns.map((arn) => revisionCounts(ctx, service, arn)),
      target: revisionCounts(ctx, service, sd.targetRevisionArn),
    }
    if (sd.breaker.status === 'MONITORING') sd.breaker.status = status === 'SUCCESSFUL' ? 'MONITORING_COMPLETE' : sd.breaker.status
    if (sd.alarms.status === 'MONITORING') sd.alarms.status = status === 'SUCCESSFUL' ? 'MONITORING_COMPLETE' : sd.alarms.status
  }
  ctx.deps.transitions.record({ kind: 'service-deployment', id: sd.arn, state: status })
}

/** Live counts of a revision: what its deployments in the service request, run and start. */
export function revisionCounts(ctx: Ctx, service: Service, arn: string): RevisionCounts {
  const deployments = service.deployments.filter((d) => d.serviceRevisionArn === arn)
  const ids = new Set(deployments.map((d) => d.id))
  const tasks = [...ctx.state.tasks.values()].filter((t) => t.serviceName === service.name && t.clusterName === service.clusterName && ids.has(t.deploymentId ?? ''))
  return {
    arn,
    requestedTaskCount: deployments.reduce((n, d) => n + d.desiredCount, 0),
    runningTaskCount: tasks.filter(isRunning).length,
    pendingTaskCount: tasks.filter(isPending).length,
  }
}

function serviceOf(ctx: Ctx, sd: ServiceDeployment): Service | undefined {
  return [...ctx.state.services.values()].find((x) => x.arn === sd.serviceArn)
}

/** Revision counts (live until the service deployment finished, frozen after) and the breaker's count. */
function liveFields(ctx: Ctx, sd: ServiceDeployment): { source: RevisionCounts[]; target: RevisionCounts; failureCount: number } {
  const service = serviceOf(ctx, sd)
  const d = service?.deployments.find((x) => x.id === sd.deploymentId)
  const failureCount = d?.failedTasks ?? sd.breaker.failureCount
  if (sd.frozenCounts) return { ...sd.frozenCounts, failureCount }
  if (!service) {
    const empty = (arn: string): RevisionCounts => ({ arn, requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 })
    return { source: sd.sourceRevisionArns.map(empty), target: empty(sd.targetRevisionArn), failureCount }
  }
  return {
    source: sd.sourceRevisionArns.map((arn) => revisionCounts(ctx, service, arn)),
    target: revisionCounts(ctx, service, sd.targetRevisionArn),
    failureCount,
  }
}

export function configWire(c: DeploymentConfiguration): JsonObject {
  return {
    deploymentCircuitBreaker: c.deploymentCircuitBreaker,
    maximumPercent: c.maximumPercent,
    minimumHealthyPercent: c.minimumHealthyPercent,
    ...(c.alarms ? { alarms: c.alarms } : {}),
    strategy: c.strategy,
    ...nativeConfigWire(c),
  }
}

function serviceDeploymentWire(ctx: Ctx, sd: ServiceDeployment): JsonObject {
  const live = liveFields(ctx, sd)
  return {
    serviceDeploymentArn: sd.arn,
    serviceArn: sd.serviceArn,
    clusterArn: sd.clusterArn,
    createdAt: s(sd.createdAt),
    ...(sd.startedAt !== undefined ? { startedAt: s(sd.startedAt) } : {}),
    ...(sd.finishedAt !== undefined ? { finishedAt: s(sd.finishedAt) } : {}),
    ...(sd.stoppedAt !== undefined ? { stoppedAt: s(sd.stoppedAt) } : {}),
    updatedAt: s(sd.updatedAt),
    ...revisionSummariesWire(sd, live.source, live.target),
    status: sd.status,
    ...(sd.statusReason !== undefined ? { statusReason: sd.statusReason } : {}),
    ...lifecycleWire(sd),
    deploymentConfiguration: configWire(sd.config),
    ...(sd.rollback ? { rollback: { reason: sd.rollback.reason, startedAt: s(sd.rollback.startedAt), serviceRevisionArn: sd.rollback.serviceRevisionArn } } : {}),
    deploymentCircuitBreaker:
      sd.breaker.status === 'DISABLED' ? { status: 'DISABLED' } : { status: sd.breaker.status, failureCount: live.failureCount, threshold: sd.breaker.threshold },
    alarms:
      sd.alarms.status === 'DISABLED' ? { status: 'DISABLED' } : { status: sd.alarms.status, alarmNames: sd.alarms.alarmNames, triggeredAlarmNames: sd.alarms.triggeredAlarmNames },
  }
}

function revisionWire(rev: ServiceRevision): JsonObject {
  return {
    serviceRevisionArn: rev.arn,
    serviceArn: rev.serviceArn,
    clusterArn: rev.clusterArn,
    taskDefinition: rev.taskDefinitionArn,
    ...(rev.capacityProviderStrategy ? { capacityProviderStrategy: rev.capacityProviderStrategy } : {}),
    ...(rev.launchType ? { launchType: rev.launchType } : {}),
    ...(rev.platformVersion ? { platformVersion: rev.platformVersion, platformFamily: 'Linux' } : {}),
    loadBalancers: rev.loadBalancers,
    serviceRegistries: [],
    ...(rev.networkConfiguration ? { networkConfiguration: rev.networkConfiguration } : {}),
    containerImages: rev.containerImages,
    guardDutyEnabled: false,
    createdAt: s(rev.createdAt),
  }
}

export function listServiceDeployments(ctx: Ctx, input: JsonObject): JsonObject {
  const serviceRef = requireString(input, 'service')
  const cluster = getCluster(ctx, optionalString(input, 'cluster'))
  const service = getService(ctx, cluster, serviceRef)
  const statuses = optionalStringList(input, 'status')
  const created = optionalObject(input, 'createdAt')
  const before = typeof created?.before === 'number' ? created.before * 1000 : undefined
  const after = typeof created?.after === 'number' ? created.after * 1000 : undefined
  const all = [...ctx.state.serviceDeployments.values()]
    .filter((sd) => sd.serviceArn === service.arn)
    .filter((sd) => !statuses || statuses.includes(sd.status))
    .filter((sd) => (before === undefined || sd.createdAt <= before) && (after === undefined || sd.createdAt >= after))
    .sort((a, b) => b.createdAt - a.createdAt)
  const { page, nextToken } = paginate(all, input, 20, 100)
  return {
    serviceDeployments: page.map((sd) => ({
      serviceDeploymentArn: sd.arn,
      serviceArn: sd.serviceArn,
      clusterArn: sd.clusterArn,
      ...(sd.startedAt !== undefined ? { startedAt: s(sd.startedAt) } : {}),
      createdAt: s(sd.createdAt),
      ...(sd.finishedAt !== undefined ? { finishedAt: s(sd.finishedAt) } : {}),
      targetServiceRevisionArn: sd.targetRevisionArn,
      status: sd.status,
      ...(sd.statusReason !== undefined ? { statusReason: sd.statusReason } : {}),
    })),
    ...(nextToken ? { nextToken } : {}),
  }
}

export function describeServiceDeployments(ctx: Ctx, input: JsonObject): JsonObject {
  const arns = requireStringList(input, 'serviceDeploymentArns', 20)
  const serviceDeployments: JsonObject[] = []
  const failures: JsonObject[] = []
  for (const arn of arns) {
    const sd = ctx.state.serviceDeployments.get(arn)
    if (sd) serviceDeployments.push(serviceDeploymentWire(ctx, sd))
    else failures.push({ arn, reason: 'MISSING' })
  }
  return { serviceDeployments, failures }
}

export function describeServiceRevisions(ctx: Ctx, input: JsonObject): JsonObject {
  const arns = requireStringList(input, 'serviceRevisionArns', 20)
  const serviceRevisions: JsonObject[] = []
  const failures: JsonObject[] = []
  for (const arn of arns) {
    const rev = ctx.state.serviceRevisions.get(arn)
    if (rev) serviceRevisions.push(revisionWire(rev))
    else failures.push({ arn, reason: 'MISSING' })
  }
  return { serviceRevisions, failures }
}

export function getServiceDeployment(ctx: Ctx, arn: string): ServiceDeployment {
  if (!ctx.arns.isArnOf(arn, 'service-deployment')) throw invalidParameter(`Invalid service deployment ARN: ${arn}`)
  const sd = ctx.state.serviceDeployments.get(arn)
  if (!sd) throw new AwsError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.')
  return sd
}

/** The service a service deployment belongs to. */
export function serviceOfDeployment(ctx: Ctx, sd: ServiceDeployment): Service {
  const service = serviceOf(ctx, sd)
  if (!service) throw new AwsError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.')
  return service
}
