// Deployments: CreateDeployment (checks, blue and green target groups), GetDeployment / BatchGetDeployments /
// ListDeployments, the ECS deployment target (ListDeploymentTargets, BatchGetDeploymentTargets), StopDeployment,
// ContinueDeployment and PutLifecycleEventHookExecutionStatus.
import { createHash } from 'node:crypto'
import type { JsonObject } from '../types.js'
import { getApplication, getGroup, parseAlarms, parseAutoRollback } from './applications.js'
import { parseRevision } from './appspec.js'
import { getEcsConfig } from './configs.js'
import { endDeployment, endTerminationWait, newEvents, releaseReady, startDeployment, stepDeployment } from './lifecycle.js'
import type { Ctx, Deployment, DeploymentGroup, TargetGroupRef } from './state.js'
import { cdError, newDeploymentId, optionalName, optionalObj, requireName, toEpochSeconds } from './validate.js'

const s = toEpochSeconds
const ACTIVE = new Set(['Created', 'InProgress', 'Ready'])

export function getDeployment(ctx: Ctx, input: JsonObject): Deployment {
  const id = requireName(input, 'deploymentId', 'DeploymentIdRequiredException')
  return deploymentById(ctx, id)
}

function deploymentById(ctx: Ctx, id: string): Deployment {
  if (!/^d-[A-Z0-9]{9}$/.test(id)) throw cdError('InvalidDeploymentIdException', `The deployment ID ${id} is not valid.`)
  const d = ctx.state.deployments.get(id)
  if (!d) throw cdError('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`)
  return d
}

const targetGroupName = (arn: string): string | undefined => /:targetgroup\/([^/]+)\//.exec(arn)?.[1]

/** Blue = the target group the PRIMARY task set serves from; green = the other one of the pair. */
function targetGroups(ctx: Ctx, group: DeploymentGroup, blueArn: string | undefined, known: string[]): { blue: TargetGroupRef; green: TargetGroupRef } {
  const [first, second] = group.targetGroupPair.targetGroups.map((g) => g.name) as [string, string]
  const blueName = blueArn === undefined ? first : targetGroupName(blueArn)
  const greenName = blueName === second ? first : second
  const arnFor = (name: string) => {
    const found = known.find((arn) => targetGroupName(arn) === name)
    if (found) return found
    const { region, accountId } = ctx.deps.account
    return `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${name}/${createHash('sha256').update(name).digest('hex').slice(0, 16)}`
  }
  return {
    blue: { name: blueName === second ? second : first, arn: blueArn ?? arnFor(first) },
    green: { name: greenName, arn: arnFor(greenName) },
  }
}

export function createDeployment(ctx: Ctx, input: JsonObject): JsonObject {
  const appName = requireName(input, 'applicationName', 'ApplicationNameRequiredException')
  getApplication(ctx, appName)
  const group = getGroup(ctx, appName, requireName(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException'))
  const config = getEcsConfig(ctx, optionalName(input, 'deploymentConfigName') ?? group.deploymentConfigName)
  const { appSpec, revision } = parseRevision(ctx, optionalObj(input, 'revision', 'InvalidRevisionException'))
  const description = optionalName(input, 'description')
  if (description !== undefined && description.length > 1024) throw cdError('DescriptionTooLongException', 'The description is too long (at most 1024 characters).')
  const autoRollback = parseAutoRollback(optionalObj(input, 'autoRollbackConfiguration', 'InvalidAutoRollbackConfigException')) ?? group.autoRollback
  const alarms = parseAlarms(optionalObj(input, 'overrideAlarmConfiguration', 'InvalidAlarmConfigException')) ?? group.alarms
  const active = [...ctx.state.deployments.values()].find((d) => d.applicationName === appName && d.groupName === group.name && ACTIVE.has(d.status))
  if (active) throw cdError('DeploymentLimitExceededException', `The deployment group ${group.name} already has an active deployment ${active.id}.`)
  const { clusterName, serviceName } = group.ecsService
  const service = ctx.deps.ecs.service(clusterName, serviceName)
  const blueSet = service?.taskSets.find((ts) => ts.status === 'PRIMARY')
  if (!service || service.status !== 'ACTIVE' || !blueSet) {
    throw cdError('InvalidECSServiceException', `The ECS service ${serviceName} in cluster ${clusterName} is not an ACTIVE service with a CODE_DEPLOY deployment controller.`)
  }
  const now = ctx.deps.clock.now()
  const d: Deployment = {
    id: newDeploymentId(),
    applicationName: appName,
    groupName: group.name,
    configName: config.name,
    routing: config.trafficRoutingConfig,
    creator: 'user',
    ...(description !== undefined ? { description } : {}),
    status: 'Created',
    createTime: now,
    revision,
    appSpec,
    autoRollback,
    alarms,
    blueGreen: group.blueGreen,
    targetGroupPair: group.targetGroupPair,
    cluster: clusterName,
    serviceName,
    blueTaskSetId: blueSet.id,
    ...targetGroups(ctx, group, blueSet.targetGroupArn, service.targetGroupArns),
    trafficWeight: 0,
    events: newEvents(),
    current: 0,
    shifts: [],
    statusMessages: [],
    targetUpdatedAt: now,
  }
  ctx.state.deployments.set(d.id, d)
  group.lastAttempted = d.id
  ctx.deps.transitions.record({ kind: 'codedeploy', id: d.id, state: 'Created' })
  startDeployment(ctx, d, now)
  return { deploymentId: d.id }
}

/** The one ECS target's status, from the deployment's. */
function targetStatus(d: Deployment): string {
  switch (d.status) {
    case 'Created':
      return 'Pending'
    case 'Stopped':
      return 'Failed'
    default:
      return d.status
  }
}

function deploymentInfo(d: Deployment): JsonObject {
  const overview: Record<string, number> = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 }
  overview[targetStatus(d)] = 1
  return {
    applicationName: d.applicationName,
    deploymentGroupName: d.groupName,
    deploymentConfigName: d.configName,
    deploymentId: d.id,
    revision: d.revision,
    status: d.status,
    ...(d.errorInformation ? { errorInformation: d.errorInformation } : {}),
    createTime: s(d.createTime),
    ...(d.startTime !== undefined ? { startTime: s(d.startTime) } : {}),
    ...(d.completeTime !== undefined ? { completeTime: s(d.completeTime) } : {}),
    deploymentOverview: overview,
    ...(d.description !== undefined ? { description: d.description } : {}),
    creator: d.creator,
    ignoreApplicationStopFailures: false,
    autoRollbackConfiguration: d.autoRollback,
    updateOutdatedInstancesOnly: false,
    ...(d.rollbackInfo ? { rollbackInfo: d.rollbackInfo } : {}),
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    instanceTerminationWaitTimeStarted: d.terminationWaitUntil !== undefined,
    blueGreenDeploymentConfiguration: d.blueGreen,
    loadBalancerInfo: { targetGroupPairInfoList: [d.targetGroupPair] },
    fileExistsBehavior: 'DISALLOW',
    deploymentStatusMessages: d.statusMessages,
    computePlatform: 'ECS',
    overrideAlarmConfiguration: d.alarms,
  }
}

export function getDeploymentOp(ctx: Ctx, input: JsonObject): JsonObject {
  return { deploymentInfo: deploymentInfo(getDeployment(ctx, input)) }
}

export function batchGetDeployments(ctx: Ctx, input: JsonObject): JsonObject {
  const ids = input.deploymentIds
  if (!Array.isArray(ids) || ids.length === 0) throw cdError('DeploymentIdRequiredException', 'deploymentIds is required.')
  if (ids.length > 25) throw cdError('BatchLimitExceededException', 'The maximum number of deployment IDs (25) was exceeded.')
  return { deploymentsInfo: (ids as string[]).flatMap((id) => (ctx.state.deployments.has(id) ? [deploymentInfo(deploymentById(ctx, id))] : [])) }
}

export function listDeployments(ctx: Ctx, input: JsonObject): JsonObject {
  const appName = optionalName(input, 'applicationName')
  const groupName = optionalName(input, 'deploymentGroupName')
  if (appName !== undefined && groupName !== undefined) getGroup(ctx, appName, groupName)
  else if (appName !== undefined) getApplication(ctx, appName)
  else if (groupName !== undefined) throw cdError('ApplicationNameRequiredException', 'applicationName is required with deploymentGroupName.')
  const statuses = Array.isArray(input.includeOnlyStatuses) ? (input.includeOnlyStatuses as string[]) : undefined
  const ids = [...ctx.state.deployments.values()]
    .filter((d) => (appName === undefined || d.applicationName === appName) && (groupName === undefined || d.groupName === groupName))
    .filter((d) => statuses === undefined || statuses.length === 0 || statuses.includes(d.status))
    .sort((a, b) => b.createTime - a.createTime)
    .map((d) => d.id)
  return { deployments: ids }
}

const targetId = (d: Deployment): string => `${d.cluster}:${d.serviceName}`

export function listDeploymentTargets(ctx: Ctx, input: JsonObject): JsonObject {
  const d = getDeployment(ctx, input)
  if (d.status === 'Created') throw cdError('DeploymentNotStartedException', `The deployment ${d.id} has not started.`)
  const filters = (input.targetFilters ?? {}) as Record<string, string[]>
  const wanted = filters.TargetStatus
  const ids = wanted && wanted.length > 0 && !wanted.includes(targetStatus(d)) ? [] : [targetId(d)]
  return { targetIds: ids }
}

export function batchGetDeploymentTargets(ctx: Ctx, input: JsonObject): JsonObject {
  const d = getDeployment(ctx, input)
  if (d.status === 'Created') throw cdError('DeploymentNotStartedException', `The deployment ${d.id} has not started.`)
  const ids = input.targetIds
  if (!Array.isArray(ids) || ids.length === 0) throw cdError('DeploymentTargetIdRequiredException', 'targetIds is required.')
  if (ids.length > 25) throw cdError('DeploymentTargetListSizeExceededException', 'At most 25 target ids can be asked for at once.')
  for (const id of ids) {
    if (id !== targetId(d)) throw cdError('DeploymentTargetDoesNotExistException', `The deployment target ${String(id)} does not exist in deployment ${d.id}.`)
  }
  return { deploymentTargets: ids.map(() => ({ deploymentTargetType: 'ECSTarget', ecsTarget: ecsTarget(ctx, d) })) }
}

function ecsTarget(ctx: Ctx, d: Deployment): JsonObject {
  const service = ctx.deps.ecs.service(d.cluster, d.serviceName)
  const info = (id: string | undefined, label: 'Blue' | 'Green', group: TargetGroupRef, weight: number): JsonObject[] => {
    if (id === undefined) return []
    const ts = service?.taskSets.find((x) => x.id === id)
    return [
      {
        identifer: id,
        desiredCount: ts?.computedDesiredCount ?? 0,
        pendingCount: ts?.pendingCount ?? 0,
        runningCount: ts?.runningCount ?? 0,
        status: ts?.status ?? 'DRAINING',
        trafficWeight: weight,
        targetGroup: { name: group.name },
        taskSetLabel: label,
      },
    ]
  }
  return {
    deploymentId: d.id,
    targetId: targetId(d),
    targetArn: service?.serviceArn ?? '',
    lastUpdatedAt: s(d.targetUpdatedAt),
    lifecycleEvents: d.events.map((ev) => ({
      lifecycleEventName: ev.name,
      ...(ev.diagnostics ? { diagnostics: ev.diagnostics } : {}),
      ...(ev.startTime !== undefined ? { startTime: s(ev.startTime) } : {}),
      ...(ev.endTime !== undefined ? { endTime: s(ev.endTime) } : {}),
      status: ev.status,
    })),
    status: targetStatus(d),
    taskSetsInfo: [...info(d.blueTaskSetId, 'Blue', d.blue, 100 - d.trafficWeight), ...info(d.greenTaskSetId, 'Green', d.green, d.trafficWeight)],
  }
}

export function stopDeployment(ctx: Ctx, input: JsonObject): JsonObject {
  const d = getDeployment(ctx, input)
  if (!ACTIVE.has(d.status)) throw cdError('DeploymentAlreadyCompletedException', `The deployment ${d.id} has already completed.`)
  const explicit = input.autoRollbackEnabled
  if (explicit !== undefined && typeof explicit !== 'boolean') throw cdError('InvalidInputException', 'autoRollbackEnabled must be a boolean.')
  endDeployment(
    ctx,
    d,
    {
      status: 'Stopped',
      code: 'MANUAL_STOP',
      message: 'The deployment was stopped by a StopDeployment request.',
      rollbackEvent: 'DEPLOYMENT_STOP_ON_REQUEST',
      ...(explicit !== undefined ? { rollback: explicit } : {}),
    },
    ctx.deps.clock.now(),
  )
  return { status: 'Succeeded', statusMessage: `Deployment ${d.id} was stopped.` }
}

export function continueDeployment(ctx: Ctx, input: JsonObject): JsonObject {
  const d = getDeployment(ctx, input)
  const type = optionalName(input, 'deploymentWaitType') ?? 'READY_WAIT'
  if (type !== 'READY_WAIT' && type !== 'TERMINATION_WAIT')
    throw cdError('InvalidDeploymentWaitTypeException', `deploymentWaitType must be READY_WAIT or TERMINATION_WAIT, got ${type}.`)
  if (!ACTIVE.has(d.status)) throw cdError('DeploymentAlreadyCompletedException', `The deployment ${d.id} has already completed.`)
  const now = ctx.deps.clock.now()
  if (type === 'READY_WAIT') {
    if (d.status !== 'Ready') throw cdError('DeploymentIsNotInReadyStateException', `The deployment ${d.id} is not in the Ready state.`)
    releaseReady(ctx, d, now)
  } else {
    if (d.terminationWaitUntil === undefined) throw cdError('DeploymentIsNotInReadyStateException', `The deployment ${d.id} is not waiting to terminate the original task set.`)
    endTerminationWait(ctx, d, now)
  }
  return {}
}

export function putLifecycleEventHookExecutionStatus(ctx: Ctx, input: JsonObject): JsonObject {
  const d = getDeployment(ctx, input)
  const execId = requireName(input, 'lifecycleEventHookExecutionId', 'InvalidLifecycleEventHookExecutionIdException')
  const ev = d.events.find((e) => e.hook?.executionId === execId)
  if (!ev) throw cdError('InvalidLifecycleEventHookExecutionIdException', `The lifecycle event hook execution ID ${execId} is not valid for deployment ${d.id}.`)
  const status = input.status
  if (status !== 'Succeeded' && status !== 'Failed') {
    throw cdError('InvalidLifecycleEventHookExecutionStatusException', `The status ${String(status)} is not valid: use Succeeded or Failed.`)
  }
  if (ev.status !== 'InProgress' || ev.hook!.result !== undefined) {
    throw cdError('LifecycleEventAlreadyCompletedException', `The ${ev.name} lifecycle event of deployment ${d.id} has already completed.`)
  }
  ev.hook!.result = status
  stepDeployment(ctx, d, ctx.deps.clock.now())
  return { lifecycleEventHookExecutionId: execId }
}

/** Hook Lambdas waiting for PutLifecycleEventHookExecutionStatus (the control API lists them for tests). */
export interface HookExecutionView {
  deploymentId: string
  lifecycleEventName: string
  functionName: string
  lifecycleEventHookExecutionId: string
}

export function pendingHookExecutions(ctx: Ctx): HookExecutionView[] {
  return [...ctx.state.deployments.values()].flatMap((d) =>
    d.events
      .filter((ev) => ev.status === 'InProgress' && ev.hook && ev.hook.result === undefined)
      .map((ev) => ({ deploymentId: d.id, lifecycleEventName: ev.name, functionName: ev.hook!.functionName, lifecycleEventHookExecutionId: ev.hook!.executionId })),
  )
}
