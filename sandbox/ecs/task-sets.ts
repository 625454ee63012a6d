// Task sets of services with the CODE_DEPLOY deployment controller: the PRIMARY task set CreateService starts,
// the task sets CodeDeploy adds, scales, promotes and deletes (through `EcsTaskSets`), their scheduling one
// simulated step at a time, and their wire shape in DescribeServices.
import type { JsonObject } from '../types.js'
import { addEvent, messages } from './events.js'
import { newDeploymentId, toEpochSeconds } from './ids.js'
import { findTaskDefinition } from './lookup.js'
import type { Ctx, Service, Task, TaskSet } from './state.js'
import { containerDefs } from './task-definitions.js'
import { createTask, isAlive, isHealthy, isPending, isRunning, stopTask } from './tasks.js'
import { invalidParameter, optionalBoolean, optionalString } from './validate.js'

/** A task set as CodeDeploy sees it. */
export interface TaskSetView {
  id: string
  taskSetArn: string
  status: TaskSet['status']
  taskDefinitionArn: string
  computedDesiredCount: number
  runningCount: number
  pendingCount: number
  /** Running tasks that pass their health checks (container and target group). */
  healthyCount: number
  stabilityStatus: TaskSet['stabilityStatus']
  targetGroupArn?: string
  /** Tasks of the task set that stopped on their own (failed to start, exited, failed health checks), oldest first. */
  failedTasks: { taskArn: string; stopCode?: string; stoppedReason?: string; exitCode?: number }[]
}

export interface CodeDeployServiceView {
  serviceArn: string
  clusterArn: string
  controller: 'ECS' | 'CODE_DEPLOY'
  status: Service['status']
  desiredCount: number
  taskSets: TaskSetView[]
  /** Every target group ARN the service and its task sets use. */
  targetGroupArns: string[]
}

export interface TaskSetSpec {
  taskDefinitionArn: string
  externalId: string
  scale: number
  targetGroupArn: string
  containerName?: string
  containerPort?: number
  platformVersion?: string
  networkConfiguration?: JsonObject
  capacityProviderStrategy?: JsonObject[]
}

/** What CodeDeploy does to ECS (CreateTaskSet, UpdateTaskSet, UpdateServicePrimaryTaskSet, DeleteTaskSet). */
export interface EcsTaskSets {
  service(cluster: string, service: string): CodeDeployServiceView | undefined
  taskDefinition(ref: string): { arn: string; active: boolean; containers: { name: string; ports: number[] }[] } | undefined
  createTaskSet(cluster: string, service: string, spec: TaskSetSpec): TaskSetView
  setScale(cluster: string, service: string, taskSetId: string, percent: number): void
  /** The task set becomes PRIMARY (the service's taskDefinition follows it); the old PRIMARY becomes ACTIVE. */
  setPrimary(cluster: string, service: string, taskSetId: string): void
  /** The task set goes DRAINING: its tasks stop and it leaves the service once they have. */
  deleteTaskSet(cluster: string, service: string, taskSetId: string): void
}

const s = toEpochSeconds

function taskSetArn(ctx: Ctx, service: Service, id: string): string {
  return `${ctx.arns.service(service.clusterName, service.name).replace(':service/', ':task-set/')}/${id}`
}

function newTaskSet(ctx: Ctx, service: Service, fields: Partial<TaskSet> & Pick<TaskSet, 'status' | 'taskDefinitionArn' | 'scale' | 'loadBalancers'>, atMs: number): TaskSet {
  const id = newDeploymentId()
  const ts: TaskSet = {
    id,
    arn: taskSetArn(ctx, service, id),
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy ? { capacityProviderStrategy: service.capacityProviderStrategy } : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    stabilityStatus: 'STABILIZING',
    stabilityStatusAt: atMs,
    createdAt: atMs,
    updatedAt: atMs,
    ...fields,
  }
  service.taskSets!.push(ts)
  return ts
}

/** CreateService with `deploymentController: {type: CODE_DEPLOY}`: CodeDeploy shifts traffic between target groups. */
export function checkCodeDeployService(input: JsonObject): void {
  const lbs = Array.isArray(input.loadBalancers) ? (input.loadBalancers as JsonObject[]) : []
  if (!lbs.some((lb) => typeof lb.targetGroupArn === 'string')) {
    throw invalidParameter('A load balancer with a targetGroupArn is required for a service with a CODE_DEPLOY deployment controller.')
  }
  // CodeDeploy does the rollout: ECS's own strategies and circuit breaker belong to the ECS controller.
  const config = (input.deploymentConfiguration ?? {}) as JsonObject
  if (config.strategy !== undefined && config.strategy !== 'ROLLING') {
    throw invalidParameter(`The deployment strategy ${String(config.strategy)} requires the ECS deployment controller, not CODE_DEPLOY.`)
  }
  if ((config.deploymentCircuitBreaker as JsonObject | undefined)?.enable === true) {
    throw invalidParameter('The deployment circuit breaker requires the ECS deployment controller, not CODE_DEPLOY.')
  }
}

/** The first task set of a CODE_DEPLOY service: PRIMARY, at 100%, running the service's task definition. */
export function startPrimaryTaskSet(ctx: Ctx, service: Service, atMs: number): void {
  service.deploymentController = 'CODE_DEPLOY'
  service.taskSets = []
  newTaskSet(ctx, service, { status: 'PRIMARY', taskDefinitionArn: service.taskDefinitionArn, scale: 100, loadBalancers: service.loadBalancers }, atMs)
}

/** UpdateService on a CODE_DEPLOY service may change the desired count and settings, not what its tasks run. */
export function checkCodeDeployUpdate(ctx: Ctx, service: Service, input: JsonObject): void {
  const tdRef = optionalString(input, 'taskDefinition')
  if (tdRef !== undefined && findTaskDefinition(ctx, tdRef)?.arn !== service.taskDefinitionArn) {
    throw invalidParameter('Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.')
  }
  if (optionalBoolean(input, 'forceNewDeployment') === true) {
    throw invalidParameter('Unable to force a new deployment on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.')
  }
  for (const key of ['networkConfiguration', 'platformVersion', 'launchType', 'capacityProviderStrategy', 'loadBalancers']) {
    if (input[key] !== undefined && input[key] !== null) {
      throw invalidParameter('Unable to update network parameters on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.')
    }
  }
}

/** DescribeServices' deploymentController, and taskSets for a CODE_DEPLOY service. */
export function controllerWire(ctx: Ctx, service: Service): JsonObject {
  if (!service.taskSets) return { deploymentController: { type: 'ECS' } }
  return { deploymentController: { type: 'CODE_DEPLOY' }, taskSets: service.taskSets.map((ts) => taskSetWire(ctx, service, ts)) }
}

const tasksOf = (ctx: Ctx, service: Service, ts: TaskSet): Task[] =>
  [...ctx.state.tasks.values()].filter((t) => t.clusterName === service.clusterName && t.serviceName === service.name && t.deploymentId === ts.id)

const computedDesired = (service: Service, ts: TaskSet): number =>
  ts.status === 'DRAINING' || service.status !== 'ACTIVE' ? 0 : Math.ceil((service.desiredCount * ts.scale) / 100)

function taskSetWire(ctx: Ctx, service: Service, ts: TaskSet): JsonObject {
  const tasks = tasksOf(ctx, service, ts)
  return {
    id: ts.id,
    taskSetArn: ts.arn,
    serviceArn: service.arn,
    clusterArn: ctx.arns.cluster(service.clusterName),
    ...(ts.startedBy ? { startedBy: ts.startedBy } : {}),
    ...(ts.externalId ? { externalId: ts.externalId } : {}),
    status: ts.status,
    taskDefinition: ts.taskDefinitionArn,
    computedDesiredCount: computedDesired(service, ts),
    pendingCount: tasks.filter(isPending).length,
    runningCount: tasks.filter(isRunning).length,
    createdAt: s(ts.createdAt),
    updatedAt: s(ts.updatedAt),
    ...(ts.launchType ? { launchType: ts.launchType } : {}),
    ...(ts.capacityProviderStrategy ? { capacityProviderStrategy: ts.capacityProviderStrategy } : {}),
    ...(ts.platformVersion ? { platformVersion: ts.platformVersion, platformFamily: 'Linux' } : {}),
    ...(ts.networkConfiguration ? { networkConfiguration: ts.networkConfiguration } : {}),
    loadBalancers: ts.loadBalancers,
    serviceRegistries: [],
    scale: { value: ts.scale, unit: 'PERCENT' },
    stabilityStatus: ts.stabilityStatus,
    stabilityStatusAt: s(ts.stabilityStatusAt),
    tags: [],
  }
}

/**
 * One step of a CODE_DEPLOY service: every task set keeps ceil(desired × scale%) tasks alive (replacing the ones
 * that stop), a DRAINING one stops its tasks and leaves once they have, and stabilityStatus follows.
 */
export function stepTaskSets(ctx: Ctx, service: Service, now: number): void {
  const started: string[] = []
  const stopped: string[] = []
  for (const ts of service.taskSets ?? []) {
    const desired = computedDesired(service, ts)
    const alive = tasksOf(ctx, service, ts).filter(isAlive)
    const reason = ts.status === 'DRAINING' ? `Task set ${ts.id} is being deleted` : `Scaling activity initiated by (deployment ${ts.id})`
    const order = [...alive].sort((a, b) => Number(isHealthy(a, now)) - Number(isHealthy(b, now)) || b.createdAt - a.createdAt)
    for (const t of order.slice(0, Math.max(0, alive.length - desired))) {
      if (t.lastStatus === 'RUNNING') stopped.push(t.id)
      stopTask(t, now, { code: 'ServiceSchedulerInitiated', reason, graceful: true })
    }
    for (let i = alive.length; i < desired; i++) {
      const task = createTask(ctx, service, ts, now)
      const lb = ts.loadBalancers.find((l) => typeof l.targetGroupArn === 'string')
      if (lb && task.loadBalancer) task.loadBalancer = { ...task.loadBalancer, targetGroupArn: lb.targetGroupArn as string }
      started.push(task.id)
    }
    const tasks = tasksOf(ctx, service, ts).filter(isAlive)
    const stability = tasks.length === desired && tasks.every((t) => isHealthy(t, now)) ? 'STEADY_STATE' : 'STABILIZING'
    if (stability !== ts.stabilityStatus) {
      ts.stabilityStatus = stability
      ts.stabilityStatusAt = now
      ts.updatedAt = now
    }
  }
  if (started.length > 0) addEvent(service, now, messages.started(started))
  if (stopped.length > 0) addEvent(service, now, messages.stopped(stopped))
  const before = service.taskSets ?? []
  service.taskSets = before.filter((ts) => ts.status !== 'DRAINING' || tasksOf(ctx, service, ts).some((t) => t.lastStatus !== 'STOPPED'))
  const steady = service.taskSets.length === 1 && service.taskSets[0]!.stabilityStatus === 'STEADY_STATE'
  if (steady && !service.steady) addEvent(service, now, messages.steadyState())
  service.steady = steady
}

function view(ctx: Ctx, service: Service, ts: TaskSet): TaskSetView {
  const tasks = tasksOf(ctx, service, ts)
  const lb = ts.loadBalancers.find((l) => typeof l.targetGroupArn === 'string')
  const now = ctx.deps.clock.now()
  return {
    id: ts.id,
    taskSetArn: ts.arn,
    status: ts.status,
    taskDefinitionArn: ts.taskDefinitionArn,
    computedDesiredCount: computedDesired(service, ts),
    runningCount: tasks.filter(isRunning).length,
    pendingCount: tasks.filter(isPending).length,
    healthyCount: tasks.filter((t) => isHealthy(t, now)).length,
    stabilityStatus: ts.stabilityStatus,
    ...(lb ? { targetGroupArn: lb.targetGroupArn as string } : {}),
    failedTasks: tasks
      .filter((t) => t.failed)
      .sort((a, b) => (a.stoppingAt ?? 0) - (b.stoppingAt ?? 0))
      .map((t) => {
        const exited = t.containers.find((c) => c.def.essential && c.exitCode !== undefined && c.exitCode !== 0)
        return {
          taskArn: t.arn,
          ...(t.stopCode ? { stopCode: t.stopCode } : {}),
          ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
          ...(exited ? { exitCode: exited.exitCode } : {}),
        }
      }),
  }
}

/** The port CodeDeploy drives ECS through. */
export function taskSetPort(ctx: Ctx): EcsTaskSets {
  const find = (cluster: string, name: string): Service | undefined => ctx.state.services.get(`${cluster}/${name}`)
  const get = (cluster: string, name: string): Service => {
    const svc = find(cluster, name)
    if (!svc?.taskSets) throw new Error(`ECS service ${cluster}/${name} has no task sets (not a CODE_DEPLOY service)`)
    return svc
  }
  const taskSet = (svc: Service, id: string): TaskSet => {
    const ts = svc.taskSets!.find((x) => x.id === id)
    if (!ts) throw new Error(`ECS service ${svc.name} has no task set ${id}`)
    return ts
  }
  return {
    service(cluster, name) {
      const svc = find(cluster, name)
      if (!svc || svc.status === 'INACTIVE') return undefined
      return {
        serviceArn: svc.arn,
        clusterArn: ctx.arns.cluster(svc.clusterName),
        controller: svc.taskSets ? 'CODE_DEPLOY' : 'ECS',
        status: svc.status,
        desiredCount: svc.desiredCount,
        taskSets: (svc.taskSets ?? []).map((ts) => view(ctx, svc, ts)),
        targetGroupArns: [
          ...new Set(
            [svc.loadBalancers, ...(svc.taskSets ?? []).map((ts) => ts.loadBalancers)].flat().flatMap((lb) => (typeof lb.targetGroupArn === 'string' ? [lb.targetGroupArn] : [])),
          ),
        ],
      }
    },
    taskDefinition(ref) {
      const td = findTaskDefinition(ctx, ref)
      if (!td) return undefined
      return {
        arn: td.arn,
        active: td.status === 'ACTIVE',
        containers: containerDefs(td).map((c) => ({ name: c.name, ports: c.portMappings.flatMap((p) => (p.containerPort === undefined ? [] : [p.containerPort])) })),
      }
    },
    createTaskSet(cluster, name, spec) {
      const svc = get(cluster, name)
      const now = ctx.deps.clock.now()
      const base = svc.loadBalancers.find((l) => typeof l.targetGroupArn === 'string') ?? {}
      const ts = newTaskSet(
        ctx,
        svc,
        {
          status: 'ACTIVE',
          taskDefinitionArn: findTaskDefinition(ctx, spec.taskDefinitionArn)!.arn,
          startedBy: 'CODE_DEPLOY',
          externalId: spec.externalId,
          scale: spec.scale,
          loadBalancers: [
            {
              ...base,
              targetGroupArn: spec.targetGroupArn,
              ...(spec.containerName ? { containerName: spec.containerName } : {}),
              ...(spec.containerPort !== undefined ? { containerPort: spec.containerPort } : {}),
            },
          ],
          ...(spec.platformVersion ? { platformVersion: spec.platformVersion } : {}),
          ...(spec.networkConfiguration ? { networkConfiguration: spec.networkConfiguration } : {}),
          ...(spec.capacityProviderStrategy ? { capacityProviderStrategy: spec.capacityProviderStrategy, launchType: undefined } : {}),
        },
        now,
      )
      return view(ctx, svc, ts)
    },
    setScale(cluster, name, id, percent) {
      const svc = get(cluster, name)
      const ts = taskSet(svc, id)
      ts.scale = percent
      ts.updatedAt = ctx.deps.clock.now()
    },
    setPrimary(cluster, name, id) {
      const svc = get(cluster, name)
      const ts = taskSet(svc, id)
      const now = ctx.deps.clock.now()
      for (const other of svc.taskSets!) {
        if (other.status === 'PRIMARY' && other !== ts) {
          other.status = 'ACTIVE'
          other.updatedAt = now
        }
      }
      ts.status = 'PRIMARY'
      ts.updatedAt = now
      svc.taskDefinitionArn = ts.taskDefinitionArn
    },
    deleteTaskSet(cluster, name, id) {
      const svc = get(cluster, name)
      const ts = taskSet(svc, id)
      ts.status = 'DRAINING'
      ts.updatedAt = ctx.deps.clock.now()
    },
  }
}
