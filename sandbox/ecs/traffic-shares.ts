// Which target groups of each service with a load balancer take production traffic, and how much: the green target
// group its production weight while an ECS blue/green, linear or canary rollout shifts traffic, the blue one the rest;
// a CODE_DEPLOY service's as CodeDeploy routes it (`routeOf`); otherwise the target groups serving tasks, split by
// their tasks. Read by the sandbox's load balancer metrics.
import type { TargetGroupShare, TrafficRoute } from '../elb-metrics.js'
import { QUIET_TRAFFIC, type Traffic } from '../traffic.js'
import type { JsonObject } from '../types.js'
import type { Ctx, Service, Task } from './state.js'
import { isRunning } from './tasks.js'

const SHIFTING = new Set(['IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'])

/** A CODE_DEPLOY service's route, from CodeDeploy. */
export type RouteOf = (clusterName: string, serviceName: string) => TrafficRoute | undefined

export function targetGroupShares(ctx: Ctx, routeOf: RouteOf = () => undefined): TargetGroupShare[] {
  const byService = new Map<string, Task[]>()
  for (const t of ctx.state.tasks.values()) {
    if (!t.serviceName || !t.loadBalancer || !isRunning(t) || t.elbHealthyAt === undefined || t.elbHealthyAt > ctx.deps.clock.now()) continue
    const key = `${t.clusterName}/${t.serviceName}`
    byService.set(key, [...(byService.get(key) ?? []), t])
  }
  return [...ctx.state.services.values()].flatMap((s) => (s.status === 'ACTIVE' ? serviceShares(ctx, s, byService.get(`${s.clusterName}/${s.name}`) ?? [], routeOf) : []))
}

function serviceShares(ctx: Ctx, service: Service, tasks: Task[], routeOf: RouteOf): TargetGroupShare[] {
  const adv = service.loadBalancers.map((lb) => lb.advancedConfiguration as JsonObject | undefined).find((a) => a?.productionListenerRule)
  const route = service.deploymentController ? routeOf(service.clusterName, service.name) : undefined
  const listenerArn = route?.listenerArn ?? (adv?.productionListenerRule as string | undefined)
  if (tasks.length === 0) return []
  const byGroup = new Map<string, Task[]>()
  for (const t of tasks) byGroup.set(t.loadBalancer?.targetGroupArn as string, [...(byGroup.get(t.loadBalancer?.targetGroupArn as string) ?? []), t])
  const sd = ctx.state.serviceDeployments.get(service.currentServiceDeploymentArn)
  const native = sd?.native && SHIFTING.has(sd.status) ? sd.native : undefined
  return [...byGroup].map(([targetGroupArn, serving]) => ({
    targetGroupArn,
    listenerArn,
    share: native
      ? (targetGroupArn === native.greenTargetGroupArn ? native.productionWeight : 100 - native.productionWeight) / 100
      : (route?.shareOf?.(targetGroupArn) ?? serving.length / tasks.length),
    traffic: serving.map(trafficOf),
  }))
}

const trafficOf = (t: Task): Traffic => t.containers.map((c) => c.behavior.traffic).find((x) => x !== undefined) ?? QUIET_TRAFFIC
