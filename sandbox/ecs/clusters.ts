// CreateCluster / DescribeClusters. Clusters hold no container instances: EC2 tasks are placed the way
// Fargate ones are (see tasks.ts).
import type { JsonObject } from '../types.js'
import { clusterName } from './lookup.js'
import type { Cluster, Ctx } from './state.js'
import { invalidParameter, optionalArray, optionalString, optionalStringList, parseTags } from './validate.js'

const NAME = /^[A-Za-z0-9_-]{1,255}$/

export function createCluster(ctx: Ctx, input: JsonObject): JsonObject {
  const name = optionalString(input, 'clusterName') ?? 'default'
  if (!NAME.test(name)) {
    throw invalidParameter('Cluster name can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.')
  }
  const tags = parseTags(input) ?? []
  const settings = (optionalArray(input, 'settings') as JsonObject[] | undefined) ?? [{ name: 'containerInsights', value: 'disabled' }]
  // CreateCluster is idempotent: an existing cluster is returned as it is.
  let cluster = ctx.state.clusters.get(name)
  if (!cluster) {
    cluster = { name, arn: ctx.arns.cluster(name), tags, settings }
    ctx.state.clusters.set(name, cluster)
  }
  return { cluster: clusterWire(ctx, cluster, true) }
}

export function describeClusters(ctx: Ctx, input: JsonObject): JsonObject {
  const refs = optionalStringList(input, 'clusters') ?? ['default']
  if (refs.length > 100) throw invalidParameter('clusters can have at most 100 items.')
  const withTags = (optionalStringList(input, 'include') ?? []).includes('TAGS')
  const clusters: JsonObject[] = []
  const failures: JsonObject[] = []
  for (const ref of refs) {
    const c = ctx.state.clusters.get(clusterName(ctx, ref))
    if (c) clusters.push(clusterWire(ctx, c, withTags))
    else failures.push({ arn: ctx.arns.isArnOf(ref, 'cluster') ? ref : ctx.arns.cluster(ref), reason: 'MISSING' })
  }
  return { clusters, failures }
}

function clusterWire(ctx: Ctx, c: Cluster, withTags: boolean): JsonObject {
  const tasks = [...ctx.state.tasks.values()].filter((t) => t.clusterName === c.name && t.lastStatus !== 'STOPPED')
  const services = [...ctx.state.services.values()].filter((s) => s.clusterName === c.name && s.status === 'ACTIVE')
  return {
    clusterArn: c.arn,
    clusterName: c.name,
    status: 'ACTIVE',
    registeredContainerInstancesCount: 0,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => t.lastStatus !== 'RUNNING').length,
    activeServicesCount: services.length,
    statistics: [],
    tags: withTags ? c.tags : [],
    settings: c.settings,
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
  }
}
