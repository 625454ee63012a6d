// Tasks: how the scheduler creates and stops them, their wire shape, and ListTasks / DescribeTasks / StopTask.
// There are no container instances: an EC2 task is placed the way a Fargate one is (no capacity limits).
import type { JsonObject } from '../types.js'
import { hex32, toEpochSeconds } from './ids.js'
import { findTask, findTaskDefinition, getCluster, getService, getTask } from './lookup.js'
import type { Container, Ctx, Deployment, Service, Task, TaskDefinition } from './state.js'
import { containerDefs } from './task-definitions.js'
import { invalidParameter, optionalEnum, optionalString, optionalStringList, paginate, requireString, requireStringList } from './validate.js'

/** Simulated durations (ms) of the lifecycle stages. */
export const DURATIONS = {
  provisioning: 3_000,
  pending: 6_000,
  activating: 3_000,
  deactivating: 2_000,
  stopping: 10_000,
  deprovisioning: 3_000,
  /** Stopped tasks stay visible this long. */
  retention: 3_600_000,
}

let ipCounter = 0
const nextIp = (): string => {
  ipCounter = (ipCounter + 1) % 65_000
  return `10.0.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 4}`
}

/** What tasks are started for: a deployment, or a task set of a CODE_DEPLOY service. */
export type TaskOwner = Pick<Deployment, 'id' | 'taskDefinitionArn' | 'launchType' | 'capacityProviderStrategy' | 'networkConfiguration'>

export function createTask(ctx: Ctx, service: Service, deployment: TaskOwner, atMs: number): Task {
  const td = findTaskDefinition(ctx, deployment.taskDefinitionArn)!
  const lb = service.loadBalancers.find((l) => typeof l.targetGroupArn === 'string')
  return newTask(ctx, td, deployment, atMs, {
    clusterName: service.clusterName,
    serviceName: service.name,
    deploymentId: deployment.id,
    tags: service.propagateTags === 'SERVICE' ? [...service.tags] : service.propagateTags === 'TASK_DEFINITION' ? [...td.tags] : [],
    startedBy: deployment.id,
    group: `service:${service.name}`,
    ...(lb
      ? {
          loadBalancer: {
            targetGroupArn: lb.targetGroupArn as string,
            ...(typeof lb.containerName === 'string' ? { containerName: lb.containerName } : {}),
            ...(typeof lb.containerPort === 'number' ? { containerPort: lb.containerPort } : {}),
          },
        }
      : {}),
  })
}

/** What a task is started with besides its task definition and placement: by a service's deployment, or RunTask. */
export type TaskStart = Pick<Task, 'clusterName' | 'serviceName' | 'deploymentId' | 'tags' | 'startedBy' | 'group' | 'loadBalancer'> & {
  /** RunTask's containerOverrides[].command, by container name. */
  commands?: Record<string, string[]>
}

/** A new task in PROVISIONING, placed as `placement` says (launch type or capacity providers, network). */
export function newTask(ctx: Ctx, td: TaskDefinition, placement: Omit<TaskOwner, 'id' | 'taskDefinitionArn'>, atMs: number, start: TaskStart): Task {
  const id = hex32()
  const subnets = ((placement.networkConfiguration?.awsvpcConfiguration as JsonObject | undefined)?.subnets ?? []) as string[]
  const { commands, ...fields } = start
  const containers: Container[] = containerDefs(td).map((def, i) => ({
    def,
    arn: ctx.arns.container(start.clusterName, id),
    runtimeId: `${id}-${i}`,
    behavior: { kind: 'healthy' },
    lastStatus: 'PENDING',
    healthStatus: 'UNKNOWN',
    ...(commands?.[def.name] ? { command: commands[def.name] } : {}),
  }))
  const fargate = isFargate(placement)
  const task: Task = {
    ...fields,
    id,
    arn: ctx.arns.task(start.clusterName, id),
    taskDefinition: td,
    launchType: placement.launchType ?? 'FARGATE',
    ...(fargate ? { platformVersion: '1.4.0' } : {}),
    ...(td.body.cpu !== undefined ? { cpu: td.body.cpu as string } : {}),
    ...(td.body.memory !== undefined ? { memory: td.body.memory as string } : {}),
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    containers,
    createdAt: atMs,
    nextAt: atMs + DURATIONS.provisioning,
    resetApplied: false,
    version: 1,
    privateIp: nextIp(),
    ...(subnets[0] ? { subnetId: subnets[0] } : {}),
    failed: false,
  }
  ctx.state.tasks.set(id, task)
  return task
}

export function isFargate(d: { launchType?: string; capacityProviderStrategy?: JsonObject[] }): boolean {
  return d.launchType === 'FARGATE' || (d.launchType === undefined && (d.capacityProviderStrategy ?? []).length > 0)
}

/** Alive = the scheduler wants it running (desiredStatus RUNNING), whatever its lastStatus. */
export const isAlive = (t: Task): boolean => t.desiredStatus === 'RUNNING'
export const isRunning = (t: Task): boolean => t.desiredStatus === 'RUNNING' && t.lastStatus === 'RUNNING'
export const isPending = (t: Task): boolean => t.desiredStatus === 'RUNNING' && (t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING' || t.lastStatus === 'ACTIVATING')

/** Since when the task passes its container health checks and, behind a load balancer, its target's. */
export function healthyFrom(t: Task): number | undefined {
  if (t.healthySince === undefined) return undefined
  if (!t.loadBalancer) return t.healthySince
  return t.elbHealthyAt === undefined ? undefined : Math.max(t.healthySince, t.elbHealthyAt)
}

/** Counts for the scheduler's minimumHealthyPercent and for steady state. */
export const isHealthy = (t: Task, atMs: number): boolean => {
  const from = healthyFrom(t)
  return isRunning(t) && from !== undefined && from <= atMs
}

/**
 * Stop a task. `graceful` (the scheduler or a user asked) runs DEACTIVATING → STOPPING (deregistration)
 * → DEPROVISIONING for a running task; a task that failed on its own goes straight to DEPROVISIONING.
 */
export function stopTask(task: Task, atMs: number, stop: { code: string; reason: string; graceful: boolean; failed?: boolean }): void {
  if (task.desiredStatus === 'STOPPED') return
  task.desiredStatus = 'STOPPED'
  task.stoppingAt = atMs
  task.stopCode = stop.code
  task.stoppedReason = stop.reason
  task.failed = stop.failed ?? false
  task.version += 1
  if (stop.graceful && task.lastStatus === 'RUNNING') {
    task.lastStatus = 'DEACTIVATING'
    task.nextAt = atMs + DURATIONS.deactivating
  } else {
    enterDeprovisioning(task, atMs)
  }
}

export function enterDeprovisioning(task: Task, atMs: number): void {
  task.lastStatus = 'DEPROVISIONING'
  task.executionStoppedAt = atMs
  for (const c of task.containers) {
    if (c.lastStatus === 'RUNNING') c.exitCode ??= 0
    c.lastStatus = 'STOPPED'
  }
  task.nextAt = atMs + DURATIONS.deprovisioning
  task.version += 1
}

const s = toEpochSeconds

export function taskWire(ctx: Ctx, t: Task, withTags: boolean): JsonObject {
  const awsvpc = t.taskDefinition.body.networkMode === 'awsvpc'
  const attachmentId = awsvpc ? attachmentIdFor(t) : undefined
  const stopped = t.lastStatus === 'STOPPED' || t.lastStatus === 'DEPROVISIONING'
  return {
    ...(awsvpc
      ? {
          attachments: [
            {
              id: attachmentId,
              type: 'ElasticNetworkInterface',
              status: stopped ? 'DELETED' : t.lastStatus === 'PROVISIONING' ? 'PRECREATED' : 'ATTACHED',
              details: [...(t.subnetId ? [{ name: 'subnetId', value: t.subnetId }] : []), { name: 'privateIPv4Address', value: t.privateIp }],
            },
          ],
        }
      : { attachments: [] }),
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    availabilityZone: `${ctx.deps.account.region}a`,
    clusterArn: ctx.arns.cluster(t.clusterName),
    connectivity: 'CONNECTED',
    connectivityAt: s(t.createdAt),
    containers: t.containers.map((c) => ({
      containerArn: c.arn,
      taskArn: t.arn,
      name: c.def.name,
      image: c.def.image,
      ...(c.digest ? { imageDigest: c.digest } : {}),
      ...(t.startedAt !== undefined ? { runtimeId: c.runtimeId } : {}),
      lastStatus: c.lastStatus,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
      networkBindings: [],
      networkInterfaces: awsvpc ? [{ attachmentId, privateIpv4Address: t.privateIp }] : [],
      healthStatus: c.healthStatus,
      cpu: '0',
    })),
    ...(t.cpu !== undefined ? { cpu: t.cpu } : {}),
    ...(t.memory !== undefined ? { memory: t.memory } : {}),
    createdAt: s(t.createdAt),
    desiredStatus: t.desiredStatus,
    enableExecuteCommand: false,
    ...(t.group ? { group: t.group } : {}),
    healthStatus: t.healthStatus,
    lastStatus: t.lastStatus,
    launchType: t.launchType,
    overrides: { containerOverrides: t.containers.map((c) => ({ name: c.def.name, ...(c.command ? { command: c.command } : {}) })), inferenceAcceleratorOverrides: [] },
    ...(t.platformVersion ? { platformVersion: t.platformVersion, platformFamily: 'Linux' } : {}),
    ...(t.launchType === 'FARGATE' ? { ephemeralStorage: { sizeInGiB: 20 } } : {}),
    ...(t.pullStartedAt !== undefined ? { pullStartedAt: s(t.pullStartedAt) } : {}),
    ...(t.pullStoppedAt !== undefined ? { pullStoppedAt: s(t.pullStoppedAt) } : {}),
    ...(t.startedAt !== undefined ? { startedAt: s(t.startedAt) } : {}),
    ...(t.startedBy ? { startedBy: t.startedBy } : {}),
    ...(t.stopCode ? { stopCode: t.stopCode } : {}),
    ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
    ...(t.stoppingAt !== undefined ? { stoppingAt: s(t.stoppingAt) } : {}),
    ...(t.executionStoppedAt !== undefined ? { executionStoppedAt: s(t.executionStoppedAt) } : {}),
    ...(t.stoppedAt !== undefined ? { stoppedAt: s(t.stoppedAt) } : {}),
    tags: withTags ? t.tags : [],
    taskArn: t.arn,
    taskDefinitionArn: t.taskDefinition.arn,
    version: t.version,
  }
}

/** A stable ENI attachment id per task. */
function attachmentIdFor(t: Task): string {
  const h = t.id
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/** ListTasks filters that startedBy refuses next to it. */
const STARTED_BY_EXCLUSIVE = ['family', 'serviceName', 'containerInstance', 'launchType', 'daemonName']

export function listTasks(ctx: Ctx, input: JsonObject): JsonObject {
  const startedBy = optionalString(input, 'startedBy')
  // "When you specify startedBy as the filter, it must be the only filter that you use" (cluster and desiredStatus
  // choose where and which tasks, they are no filters of this kind: ECS takes them with startedBy).
  if (startedBy !== undefined && STARTED_BY_EXCLUSIVE.some((f) => input[f] !== undefined && input[f] !== null)) {
    throw invalidParameter('cannot specify startedBy with other arguments')
  }
  const cluster = getCluster(ctx, optionalString(input, 'cluster'))
  const serviceName = optionalString(input, 'serviceName')
  const service = serviceName !== undefined ? getService(ctx, cluster, serviceName) : undefined
  const family = optionalString(input, 'family')
  const launchType = optionalEnum(input, 'launchType', ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'] as const)
  // ECS filters on desiredStatus, RUNNING by default; PENDING here means "wanted running, not RUNNING yet".
  const desired = optionalEnum(input, 'desiredStatus', ['RUNNING', 'PENDING', 'STOPPED'] as const) ?? 'RUNNING'
  if (optionalString(input, 'containerInstance') !== undefined) {
    throw invalidParameter('The sandbox has no container instances: the containerInstance filter is not emulated.')
  }
  const tasks = [...ctx.state.tasks.values()].filter(
    (t) =>
      t.clusterName === cluster.name &&
      (service === undefined || t.serviceName === service.name) &&
      (family === undefined || t.taskDefinition.family === family) &&
      (startedBy === undefined || t.startedBy === startedBy) &&
      (launchType === undefined || t.launchType === launchType) &&
      (desired === 'STOPPED' ? t.desiredStatus === 'STOPPED' : desired === 'PENDING' ? isPending(t) : t.desiredStatus === 'RUNNING'),
  )
  const { page, nextToken } = paginate(tasks, input, 100, 100)
  return { taskArns: page.map((t) => t.arn), ...(nextToken ? { nextToken } : {}) }
}

export function describeTasks(ctx: Ctx, input: JsonObject): JsonObject {
  const cluster = getCluster(ctx, optionalString(input, 'cluster'))
  const refs = requireStringList(input, 'tasks', 100)
  const withTags = (optionalStringList(input, 'include') ?? []).includes('TAGS')
  const tasks: JsonObject[] = []
  const failures: JsonObject[] = []
  for (const ref of refs) {
    const t = findTask(ctx, cluster, ref)
    if (t) tasks.push(taskWire(ctx, t, withTags))
    else failures.push({ arn: ctx.arns.isArnOf(ref, 'task') ? ref : ctx.arns.task(cluster.name, ref), reason: 'MISSING' })
  }
  return { tasks, failures }
}

export function stopTaskOp(ctx: Ctx, input: JsonObject): JsonObject {
  const cluster = getCluster(ctx, optionalString(input, 'cluster'))
  const task = getTask(ctx, cluster, requireString(input, 'task'))
  const reason = optionalString(input, 'reason')
  stopTask(task, ctx.deps.clock.now(), { code: 'UserInitiated', reason: reason ?? 'Task stopped by user', graceful: true })
  return { task: taskWire(ctx, task, false) }
}
