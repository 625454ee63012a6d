// `analysis: rollback` needs something to compare: a service whose load balancer names a target group pair.
import type { Service } from '@aws-sdk/client-ecs'
import { nativeTargets } from '../core/analysis.js'
import type { ServiceInputs } from '../inputs/context.js'

export function analysisProblems(service: Service | undefined, inputs: ServiceInputs): string[] {
  if (!service || inputs.analysis?.mode !== 'rollback' || nativeTargets(service.loadBalancers)) return []
  // CodeDeploy's deployment group names the pair; its task sets say which target group is which once it runs.
  if (service.deploymentController?.type === 'CODE_DEPLOY' && (service.loadBalancers ?? []).length > 0) return []
  return [
    `Input \`analysis\` is \`rollback\` but service \`${service.serviceName ?? inputs.service}\` has no target group pair to compare the new revision against ` +
      "(a load balancer with advancedConfiguration: alternateTargetGroupArn and productionListenerRule, as ECS blue/green, canary and linear deployments have, or CodeDeploy's target group pair), " +
      'so no verdict could roll it back; set analysis to report or off.',
  ]
}
