// How production traffic reaches a CODE_DEPLOY service: its deployment group's production listener, and the split of
// its latest deployment (green takes its traffic weight, blue the rest). Read by the sandbox's load balancer metrics.
import type { TrafficRoute } from '../elb-metrics.js'
import type { Ctx } from './state.js'

export function trafficRoute(ctx: Ctx, clusterName: string, serviceName: string): TrafficRoute | undefined {
  const group = [...ctx.state.groups.values()].find((g) => g.ecsService.clusterName === clusterName && g.ecsService.serviceName === serviceName)
  const listenerArn = group?.targetGroupPair.prodTrafficRoute?.listenerArns[0]
  if (!listenerArn) return undefined
  const latest = [...ctx.state.deployments.values()]
    .filter((d) => d.creator === 'user' && d.cluster === clusterName && d.serviceName === serviceName)
    .sort((a, b) => b.createTime - a.createTime)[0]
  if (!latest) return { listenerArn }
  const green = latest.trafficWeight / 100
  return { listenerArn, shareOf: (arn) => (arn === latest.green.arn ? green : arn === latest.blue.arn ? 1 - green : undefined) }
}
