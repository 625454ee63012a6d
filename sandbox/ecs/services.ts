// CreateService, UpdateService, DeleteService, DescribeServices: the service, its deployment
// configuration (with ECS's defaults) and the wire shape DescribeServices returns.
import type { JsonObject } from '../types.js'
import { startDeployment } from './deployments.js'
import { eventsWire } from './events.js'
import { toEpochSeconds } from './ids.js'
import { findService, findTaskDefinition, getActiveService, getCluster, getUsableTaskDefinition } from './lookup.js'
import { checkNativeLoadBalancers, parseNativeConfiguration } from './native-config.js'
import { configWire, revisionCounts } from './service-deployments.js'
import { checkCodeDeployService, checkCodeDeployUpdate, controllerWire, startPrimaryTaskSet } from './task-sets.js'
import type { Ctx, DeploymentConfiguration, Deployment, Service, TaskDefinition } from './state.js'
import { isFargate, isPending, isRunning } from './tasks.js'
import {
  invalidParameter,
  optionalArray,
  optionalBoolean,
  optionalEnum,
  optionalInt,
  optionalObject,
  optionalString,
  optionalStringList,
  parseTags,
  requireString,
  requireStringList,
} from './validate.js'

const NAME = /^[A-Za-z0-9_-]{1,255}$/
const INT_MAX = 2_147_483_647
const STRATEGIES = ['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'] as const
const THRESHOLD_TYPES = ['COUNT', 'BOUNDED_PERCENT', 'UNBOUNDED_PERCENT'] as const

function defaultDeploymentConfiguration(): DeploymentConfiguration {
  return {
    deploymentCircuitBreaker: { enable: false, rollback: false },
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    alarms: { alarmNames: [], enable: false, rollback: false },
    strategy: 'ROLLING',
  }
}

/** deploymentConfiguration from a request, over `base` (members not given keep their value). */
function parseDeploymentConfiguration(raw: JsonObject | undefined, base: DeploymentConfiguration): DeploymentConfiguration {
  const out = structuredClone(base)
  if (!raw) return out
  const strategy = optionalEnum(raw, 'strategy', STRATEGIES)
  if (strategy !== undefined) out.strategy = strategy
  parseNativeConfiguration(raw, out)
  const max = optionalInt(raw, 'maximumPercent', 0, INT_MAX)
  const min = optionalInt(raw, 'minimumHealthyPercent', 0, INT_MAX)
  if (max !== undefined) out.maximumPercent = max
  if (min !== undefined) out.minimumHealthyPercent = min
  if (out.minimumHealthyPercent > 100) {
    throw invalidParameter(`minimumHealthyPercent must be between 0 and 100 for a REPLICA service, got ${out.minimumHealthyPercent}.`)
  }
  if (out.maximumPercent < 100) {
    throw invalidParameter(`maximumPercent must be at least 100 for a REPLICA service, got ${out.maximumPercent}.`)
  }
  const cb = optionalObject(raw, 'deploymentCircuitBreaker')
  if (cb) {
    const enable = optionalBoolean(cb, 'enable')
    const rollback = optionalBoolean(cb, 'rollback')
    if (enable === undefined || rollback === undefined) {
      throw invalidParameter('deploymentCircuitBreaker requires both enable and rollback.')
    }
    const reset = optionalBoolean(cb, 'resetOnHealthyTask')
    const tc = optionalObject(cb, 'thresholdConfiguration')
    out.deploymentCircuitBreaker = { enable, rollback, ...(reset !== undefined ? { resetOnHealthyTask: reset } : {}) }
    if (tc) {
      const type = optionalEnum(tc, 'type', THRESHOLD_TYPES)
      const value = tc.value
      if (type === undefined) throw invalidParameter('thresholdConfiguration.type must be specified.')
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidParameter('thresholdConfiguration.value must be an integer.')
      if (type === 'COUNT' && (value < 1 || value > 200)) {
        throw invalidParameter(`thresholdConfiguration.value must be between 1 and 200 for type COUNT, got ${value}.`)
      }
      if (type !== 'COUNT' && (value < 1 || value > 100)) {
        throw invalidParameter(`thresholdConfiguration.value must be between 1 and 100 for type ${type}, got ${value}.`)
      }
      out.deploymentCircuitBreaker.thresholdConfiguration = { type, value }
    }
  }
  const alarms = optionalObject(raw, 'alarms')
  if (alarms) {
    const names = optionalStringList(alarms, 'alarmNames')
    const enable = optionalBoolean(alarms, 'enable')
    const rollback = optionalBoolean(alarms, 'rollback')
    if (names === undefined || enable === undefined || rollback === undefined) {
      throw invalidParameter('alarms requires alarmNames, enable and rollback.')
    }
    if (names.length > 10) throw invalidParameter('alarms.alarmNames can have at most 10 alarms.')
    out.alarms = { alarmNames: names, enable, rollback }
  }
  return out
}

function parseController(input: JsonObject): 'ECS' | 'CODE_DEPLOY' | undefined {
  const controller = optionalObject(input, 'deploymentController')
  if (!controller) return undefined
  const type = optionalEnum(controller, 'type', ['ECS', 'CODE_DEPLOY', 'EXTERNAL'] as const)
  if (type === 'EXTERNAL') {
    throw invalidParameter('Deployment controller EXTERNAL is not emulated by the sandbox yet: only the ECS and CODE_DEPLOY controllers are.')
  }
  return type
}

interface Placement {
  launchType?: string
  capacityProviderStrategy?: JsonObject[]
  platformVersion?: string
}

export function parsePlacement(input: JsonObject, current: Placement | undefined): Placement {
  const launchType = optionalEnum(input, 'launchType', ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'] as const)
  const cps = optionalArray(input, 'capacityProviderStrategy') as JsonObject[] | undefined
  if (launchType !== undefined && cps !== undefined && cps.length > 0) {
    throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.')
  }
  if (launchType === 'EXTERNAL' || launchType === 'MANAGED_INSTANCES') {
    throw invalidParameter(`Launch type ${launchType} is not emulated by the sandbox yet: use FARGATE or EC2.`)
  }
  for (const p of cps ?? []) {
    if (p.capacityProvider !== 'FARGATE' && p.capacityProvider !== 'FARGATE_SPOT') {
      throw invalidParameter(`Capacity provider ${String(p.capacityProvider)} is not emulated by the sandbox: use FARGATE or FARGATE_SPOT.`)
    }
  }
  const platformVersion = optionalString(input, 'platformVersion')
  let placement: Placement
  if (current && launchType === undefined && cps === undefined) placement = { ...current }
  else if (cps !== undefined && cps.length > 0) placement = { capacityProviderStrategy: cps }
  else placement = { launchType: launchType ?? current?.launchType ?? 'EC2' }
  if (isFargate(placement)) placement.platformVersion = platformVersion ?? current?.platformVersion ?? 'LATEST'
  else if (platformVersion !== undefined) throw invalidParameter('The platform version must be null when specifying an EC2 launch type.')
  else delete placement.platformVersion
  return placement
}

export function checkCompatible(td: TaskDefinition, placement: Placement, networkConfiguration: JsonObject | undefined): void {
  if (isFargate(placement) && !(td.body.compatibilities as string[]).includes('FARGATE')) {
    throw invalidParameter('Task definition does not support launch_type FARGATE.')
  }
  if (td.body.networkMode === 'awsvpc') {
    const vpc = networkConfiguration?.awsvpcConfiguration as JsonObject | undefined
    if (!vpc) throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.")
    if (!Array.isArray(vpc.subnets) || vpc.subnets.length === 0) throw invalidParameter('subnets can not be empty.')
  } else if (networkConfiguration) {
    throw invalidParameter("Network Configuration is not valid for the given networkMode of this task definition (only 'awsvpc' takes one).")
  }
}

export function createService(ctx: Ctx, input: JsonObject): JsonObject {
  const cluster = getCluster(ctx, optionalString(input, 'cluster'))
  const name = requireString(input, 'serviceName')
  if (!NAME.test(name)) {
    throw invalidParameter('Service name can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.')
  }
  const controller = parseController(input)
  if (controller === 'CODE_DEPLOY') checkCodeDeployService(input)
  const scheduling = optionalEnum(input, 'schedulingStrategy', ['REPLICA', 'DAEMON'] as const)
  if (scheduling === 'DAEMON') throw invalidParameter('The DAEMON scheduling strategy is not emulated by the sandbox yet: use REPLICA.')
  const td = getUsableTaskDefinition(ctx, requireString(input, 'taskDefinition'))
  const desiredCount = optionalInt(input, 'desiredCount', 0, INT_MAX) ?? 0
  const config = parseDeploymentConfiguration(optionalObject(input, 'deploymentConfiguration'), defaultDeploymentConfiguration())
  const placement = parsePlacement(input, undefined)
  const networkConfiguration = optionalObject(input, 'networkConfiguration')
  checkCompatible(td, placement, networkConfiguration)
  checkNativeLoadBalancers(config, (optionalArray(input, 'loadBalancers') as JsonObject[] | undefined) ?? [])
  const grace = optionalInt(input, 'healthCheckGracePeriodSeconds', 0, INT_MAX)
  const propagateTags = optionalEnum(input, 'propagateTags', ['TASK_DEFINITION', 'SERVICE', 'NONE'] as const) ?? 'NONE'
  const tags = parseTags(input) ?? []
  const existing = findService(ctx, cluster, name)
  if (existing && existing.status !== 'INACTIVE') throw invalidParameter('Creation of service was not idempotent.')

  const now = ctx.deps.clock.now()
  const service: Service = {
    name,
    arn: ctx.arns.service(cluster.name, name),
    clusterName: cluster.name,
    status: 'ACTIVE',
    desiredCount,
    taskDefinitionArn: td.arn,
    ...placement,
    ...(networkConfiguration ? { networkConfiguration: withVpcDefaults(networkConfiguration) } : {}),
    loadBalancers: (optionalArray(input, 'loadBalancers') as JsonObject[] | undefined) ?? [],
    serviceRegistries: (optionalArray(input, 'serviceRegistries') as JsonObject[] | undefined) ?? [],
    config,
    ...(grace !== undefined ? { healthCheckGracePeriodSeconds: grace } : {}),
    deployments: [],
    events: [],
    createdAt: now,
    tags,
    propagateTags,
    enableECSManagedTags: optionalBoolean(input, 'enableECSManagedTags') ?? false,
    enableExecuteCommand: optionalBoolean(input, 'enableExecuteCommand') ?? false,
    currentServiceDeploymentArn: '',
    steady: false,
  }
  ctx.state.services.set(`${cluster.name}/${name}`, service)
  if (controller === 'CODE_DEPLOY') startPrimaryTaskSet(ctx, service, now)
  else startDeployment(ctx, service, now)
  return { service: serviceWire(ctx, service, true) }
}

function withVpcDefaults(nc: JsonObject): JsonObject {
  const vpc = nc.awsvpcConfiguration as JsonObject | undefined
  if (!vpc) return nc
  return { ...nc, awsvpcConfiguration: { securityGroups: [], assignPublicIp: 'DISABLED', ...vpc } }
}

export function updateService(ctx: Ctx, input: JsonObject): JsonObject {
  const cluster = getCluster(ctx, optionalString(input, 'cluster'))
  const service = getActiveService(ctx, cluster, requireString(input, 'service'))
  const controller = parseController(input)
  if (controller !== undefined && controller !== (service.deploymentController ?? 'ECS')) {
    throw invalidParameter('Changing the deployment controller of a service is not emulated by the sandbox.')
  }
  if (service.taskSets) checkCodeDeployUpdate(ctx, service, input)
  const config = parseDeploymentConfiguration(optionalObject(input, 'deploymentConfiguration'), service.config)
  const desiredCount = optionalInt(input, 'desiredCount', 0, INT_MAX)
  const tdRef = optionalString(input, 'taskDefinition')
  const td = tdRef !== undefined ? getUsableTaskDefinition(ctx, tdRef) : undefined
  const force = optionalBoolean(input, 'forceNewDeployment') ?? false
  const current: Placement = {
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy ? { capacityProviderStrategy: service.capacityProviderStrategy } : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
  }
  const placement = parsePlacement(input, current)
  const ncIn = optionalObject(input, 'networkConfiguration')
  const networkConfiguration = ncIn ? withVpcDefaults(ncIn) : service.networkConfiguration
  const lbs = optionalArray(input, 'loadBalancers') as JsonObject[] | undefined
  const grace = optionalInt(input, 'healthCheckGracePeriodSeconds', 0, INT_MAX)
  const propagateTags = optionalEnum(input, 'propagateTags', ['TASK_DEFINITION', 'SERVICE', 'NONE'] as const)
  const execCmd = optionalBoolean(input, 'enableExecuteCommand')
  const managedTags = optionalBoolean(input, 'enableECSManagedTags')
  // The service's own task definition may have been deregistered since: it still runs.
  const nextTd = td ?? findTaskDefinition(ctx, service.taskDefinitionArn)!
  checkCompatible(nextTd, placement, networkConfiguration)
  checkNativeLoadBalancers(config, lbs ?? service.loadBalancers)

  const changed =
    force ||
    nextTd.arn !== service.taskDefinitionArn ||
    JSON.stringify(placement) !== JSON.stringify(current) ||
    JSON.stringify(networkConfiguration) !== JSON.stringify(service.networkConfiguration) ||
    (lbs !== undefined && JSON.stringify(lbs) !== JSON.stringify(service.loadBalancers))

  service.config = config
  if (desiredCount !== undefined) service.desiredCount = desiredCount
  if (grace !== undefined) service.healthCheckGracePeriodSeconds = grace
  if (propagateTags !== undefined) service.propagateTags = propagateTags
  if (execCmd !== undefined) service.enableExecuteCommand = execCmd
  if (managedTags !== undefined) service.enableECSManagedTags = managedTags
  if (lbs !== undefined) service.loadBalancers = lbs
  delete service.launchType
  delete service.capacityProviderStrategy
  delete service.platformVersion
  Object.assign(service, placement)
  if (networkConfiguration) service.networkConfiguration = networkConfiguration
  service.taskDefinitionArn = nextTd.arn
  if (changed) startDeployment(ctx, service, ctx.deps.clock.now())
  else if (service.deployments[0]) service.deployments[0].desiredCount = service.desiredCount
  return { service: serviceWire(ctx, service, false) }
}

export function deleteService(ctx: Ctx, input: JsonObject): JsonObject {
  const cluster = getCluster(ctx, optionalString(input, 'cluster'))
  const service = getActiveService(ctx, cluster, requireString(input, 'service'))
  const force = optionalBoolean(input, 'force') ?? false
  if (service.desiredCount > 0 && !force) {
    throw invalidParameter('The service cannot be stopped while it is scaled above 0.')
  }
  service.desiredCount = 0
  service.status = 'DRAINING'
  return { service: serviceWire(ctx, service, false) }
}

export function describeServices(ctx: Ctx, input: JsonObject): JsonObject {
  const cluster = getCluster(ctx, optionalString(input, 'cluster'))
  const refs = requireStringList(input, 'services', 10)
  const withTags = (optionalStringList(input, 'include') ?? []).includes('TAGS')
  const services: JsonObject[] = []
  const failures: JsonObject[] = []
  for (const ref of refs) {
    const s = findService(ctx, cluster, ref)
    if (s) services.push(serviceWire(ctx, s, withTags))
    else failures.push({ arn: ctx.arns.isArnOf(ref, 'service') ? ref : ctx.arns.service(cluster.name, ref), reason: 'MISSING' })
  }
  return { services, failures }
}

const s = toEpochSeconds

function serviceTaskCounts(ctx: Ctx, service: Service, deploymentId?: string): { running: number; pending: number } {
  const tasks = [...ctx.state.tasks.values()].filter(
    (t) => t.clusterName === service.clusterName && t.serviceName === service.name && (deploymentId === undefined || t.deploymentId === deploymentId),
  )
  return { running: tasks.filter(isRunning).length, pending: tasks.filter(isPending).length }
}

function deploymentWire(ctx: Ctx, service: Service, d: Deployment): JsonObject {
  const counts = serviceTaskCounts(ctx, service, d.id)
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinitionArn,
    desiredCount: d.desiredCount,
    pendingCount: counts.pending,
    runningCount: counts.running,
    failedTasks: d.failedTasks,
    createdAt: s(d.createdAt),
    updatedAt: s(d.updatedAt),
    ...(d.capacityProviderStrategy ? { capacityProviderStrategy: d.capacityProviderStrategy } : {}),
    ...(d.launchType ? { launchType: d.launchType } : {}),
    ...(d.platformVersion ? { platformVersion: d.platformVersion, platformFamily: 'Linux' } : {}),
    ...(d.networkConfiguration ? { networkConfiguration: d.networkConfiguration } : {}),
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  }
}

function serviceWire(ctx: Ctx, service: Service, withTags: boolean): JsonObject {
  const counts = serviceTaskCounts(ctx, service)
  const revisions = [...new Set(service.deployments.map((d) => d.serviceRevisionArn))]
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: ctx.arns.cluster(service.clusterName),
    loadBalancers: service.loadBalancers,
    serviceRegistries: service.serviceRegistries,
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: counts.running,
    pendingCount: counts.pending,
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy ? { capacityProviderStrategy: service.capacityProviderStrategy } : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion, platformFamily: 'Linux' } : {}),
    taskDefinition: service.taskDefinitionArn,
    deploymentConfiguration: configWire(service.config),
    deployments: service.deployments.map((d) => deploymentWire(ctx, service, d)),
    events: eventsWire(service),
    createdAt: s(service.createdAt),
    createdBy: ctx.arns.principal(),
    ...(service.currentServiceDeploymentArn ? { currentServiceDeployment: service.currentServiceDeploymentArn } : {}),
    currentServiceRevisions: revisions.map((arn) => revisionCounts(ctx, service, arn)),
    placementConstraints: [],
    placementStrategy: [],
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    ...(service.healthCheckGracePeriodSeconds !== undefined ? { healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds } : {}),
    schedulingStrategy: 'REPLICA',
    ...controllerWire(ctx, service),
    ...(withTags ? { tags: service.tags } : {}),
    enableECSManagedTags: service.enableECSManagedTags,
    propagateTags: service.propagateTags,
    enableExecuteCommand: service.enableExecuteCommand,
    availabilityZoneRebalancing: 'ENABLED',
  }
}
