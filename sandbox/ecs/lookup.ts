// Resolving the names and ARNs callers pass (cluster, service, task definition, task) to state, with
// the exceptions ECS raises when they don't exist.
import { AwsError } from '../types.js'
import type { Cluster, Ctx, Service, Task, TaskDefinition } from './state.js'
import { clientError, invalidParameter } from './validate.js'

export function clusterName(ctx: Ctx, ref: string | undefined): string {
  const r = ref ?? 'default'
  return ctx.arns.isArnOf(r, 'cluster') ? ctx.arns.resourcePart(r, 'cluster') : r
}

export function getCluster(ctx: Ctx, ref: string | undefined): Cluster {
  const c = ctx.state.clusters.get(clusterName(ctx, ref))
  if (!c) throw new AwsError('ClusterNotFoundException', 'Cluster not found.')
  return c
}

/** A service name or ARN in `cluster` → its key; undefined for an ARN of another cluster. */
function serviceKey(ctx: Ctx, cluster: Cluster, ref: string): string | undefined {
  if (ctx.arns.isArnOf(ref, 'service')) {
    const part = ctx.arns.resourcePart(ref, 'service')
    const slash = part.indexOf('/')
    // Old-format ARNs (service/NAME) carry no cluster; a new-format one of another cluster never matches.
    if (slash < 0) return `${cluster.name}/${part}`
    return part.slice(0, slash) === cluster.name ? part : undefined
  }
  return `${cluster.name}/${ref}`
}

export function findService(ctx: Ctx, cluster: Cluster, ref: string): Service | undefined {
  const key = serviceKey(ctx, cluster, ref)
  return key === undefined ? undefined : ctx.state.services.get(key)
}

export function getService(ctx: Ctx, cluster: Cluster, ref: string): Service {
  const s = findService(ctx, cluster, ref)
  if (!s) throw new AwsError('ServiceNotFoundException', 'Service not found.')
  return s
}

export function getActiveService(ctx: Ctx, cluster: Cluster, ref: string): Service {
  const s = getService(ctx, cluster, ref)
  if (s.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.')
  return s
}

/** `family`, `family:revision` or a task-definition ARN; a bare family means its latest ACTIVE revision. */
export function findTaskDefinition(ctx: Ctx, ref: string): TaskDefinition | undefined {
  const spec = ctx.arns.isArnOf(ref, 'task-definition') ? ctx.arns.resourcePart(ref, 'task-definition') : ref
  const colon = spec.lastIndexOf(':')
  if (colon < 0) {
    const revs = ctx.state.taskDefinitions.get(spec) ?? []
    return [...revs].reverse().find((t) => t.status === 'ACTIVE')
  }
  const revision = Number(spec.slice(colon + 1))
  if (!Number.isInteger(revision) || revision < 1) return undefined
  return ctx.state.taskDefinitions.get(spec.slice(0, colon))?.[revision - 1]
}

/** For CreateService/UpdateService: must exist and be ACTIVE. */
export function getUsableTaskDefinition(ctx: Ctx, ref: string): TaskDefinition {
  const td = findTaskDefinition(ctx, ref)
  if (!td) throw clientError('TaskDefinition not found.')
  if (td.status !== 'ACTIVE') throw clientError(`TaskDefinition is inactive: ${td.arn}`)
  return td
}

/** A task id or ARN in `cluster`. */
export function findTask(ctx: Ctx, cluster: Cluster, ref: string): Task | undefined {
  const id = ctx.arns.isArnOf(ref, 'task') ? ref.slice(ref.lastIndexOf('/') + 1) : ref
  const t = ctx.state.tasks.get(id)
  return t && t.clusterName === cluster.name ? t : undefined
}

export function getTask(ctx: Ctx, cluster: Cluster, ref: string): Task {
  const t = findTask(ctx, cluster, ref)
  if (!t) throw invalidParameter('The referenced task was not found.')
  return t
}
