// The canary analysis on a CodeDeploy deployment: the target group pair is found once the green task set exists
// (DescribeServices: each task set's target group ARN; the load balancer from the group's production listener).
import { DescribeServicesCommand } from '@aws-sdk/client-ecs'
import type { Clients } from '../../aws/clients.js'
import { loadBalancerDimension, targetGroupDimension, type AnalysisTargets } from '../../core/analysis.js'
import type { CanaryAnalysis } from '../../watch/analysis.js'
import type { RunContext } from '../../watch/context.js'

/** A look's analysis: `weight` of production on green, the deployment created at `startedAt` (CodeDeploy's clock). */
export type Analyse = (weight: number, startedAt: Date | undefined) => Promise<boolean>

export function codeDeployAnalysis(clients: Clients, run: RunContext, analysis: CanaryAnalysis, service: { cluster: string; service: string; prodListenerArn?: string }): Analyse {
  let targets: AnalysisTargets | undefined
  return async (weight, startedAt) => {
    if (!analysis.due(weight)) return false
    // A failed DescribeServices is tried again at the next read; the analysis never fails the deployment.
    targets ??= await findTargets(clients, run, service).catch(() => undefined)
    return analysis.look(weight, startedAt, targets)
  }
}

async function findTargets(clients: Clients, run: RunContext, s: { cluster: string; service: string; prodListenerArn?: string }): Promise<AnalysisTargets | undefined> {
  const loadBalancer = s.prodListenerArn ? loadBalancerDimension(s.prodListenerArn) : undefined
  if (!loadBalancer) return undefined
  const out = await run.call((options) => clients.ecs.send(new DescribeServicesCommand({ cluster: s.cluster, services: [s.service] }), options))
  const arns = [...new Set((out.services?.[0]?.taskSets ?? []).flatMap((ts) => (ts.loadBalancers ?? []).flatMap((lb) => (lb.targetGroupArn ? [lb.targetGroupArn] : []))))]
  return arns.length === 2 ? { loadBalancer, targetGroups: [targetGroupDimension(arns[0]), targetGroupDimension(arns[1])] } : undefined
}
