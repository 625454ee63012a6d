// Which target groups of each ECS-controller service with a load balancer take production traffic, and how much: the
// green target group its production weight while a blue/green, linear or canary rollout shifts traffic, the blue one
// the rest; otherwise the target groups serving tasks, split by their tasks. Read by the sandbox's load balancer metrics.
import type { TargetGroupShare } from '../elb-metrics.js'
import { QUIET_TRAFFIC, type Traffic } from '../traffic.js'
import type { JsonObject } from '../types.js'
import type { Ctx, Service, Task } from './state.js'
import { isRunning } from './tasks.js'

const SHIFTING = new Set(['IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'])

export function targetGroupShares(ctx: Ctx): TargetGroupShare[] {
  const byService = new Map<string, Task[]>()
  for (const t of ctx.state.tasks.values()) {
    if (!t.serviceName || !t.loadBalancer || !isRunning(t) || t.elbHealthyAt === undefined || t.elbHealthyAt > ctx.deps.clock.now()) continue
    const key = `${t.clusterName}/${t.serviceName}`
    byService.set(key, [...(byService.get(key) ?? []), t])
  }
  return [...ctx.state.services.values()].flatMap((s) =>
    s.status === 'ACTIVE' && !s.deploymentController ? serviceShares(ctx, s, byService.get(`${s.clusterName}/${s.name}`) ?? []) : [],
  )
}

function serviceShares(ctx: Ctx, service: Service, tasks: Task[]): TargetGroupShare[] {
  const adv = service.loadBalancers.map((lb) => lb.advancedConfiguration as JsonObject | undefined).find((a) => a?.productionListenerRule)
  const listenerArn = adv?.productionListenerRule as string | undefined
  if (!listenerArn || tasks.length === 0) return []
  const byGroup = new Map<string, Task[]>()
  for (const t of tasks) byGroup.set(t.loadBalancer?.targetGroupArn as string, [...(byGroup.get(t.loadBalancer?.targetGroupArn as string) ?? []), t])
  const sd = ctx.state.serviceDeployments.get(service.currentServiceDeploymentArn)
  const native = sd?.native && SHIFTING.has(sd.status) ? sd.native : undefined
  return [...byGroup].map(([targetGroupArn, serving]) => ({
    targetGroupArn,
    listenerArn,
    share: native ? (targetGroupArn === native.greenTargetGroupArn ? native.productionWeight : 100 - native.productionWeight) / 100 : serving.length / tasks.length,
    traffic: serving.map(trafficOf),
  }))
}

const trafficOf = (t: Task): Traffic => t.containers.map((c) => c.behavior.traffic).find((x) => x !== undefined) ?? QUIET_TRAFFIC
