// `analysis: rollback` needs something to judge: a target group pair (side by side), or the service's target group and
// a bake (before/after).
import type { Service } from '@aws-sdk/client-ecs'
import { nativeTargets, serviceTargetGroup } from '../core/analysis.js'
import type { ServiceInputs } from '../inputs/context.js'

export function analysisProblems(service: Service | undefined, inputs: ServiceInputs): string[] {
  if (!service || inputs.analysis?.mode !== 'rollback') return []
  const name = `service \`${service.serviceName ?? inputs.service}\``
  // A pair is judged side by side; CodeDeploy's deployment group names one, its task sets say which is which.
  if (nativeTargets(service.loadBalancers) || (service.deploymentController?.type === 'CODE_DEPLOY' && serviceTargetGroup(service.loadBalancers))) return []
  if (!serviceTargetGroup(service.loadBalancers)) {
    return [
      `Input \`analysis\` is \`rollback\` but ${name} has no load balancer target group to judge the new revision by, so no verdict could roll it back; set analysis to report or off.`,
    ]
  }
  if (inputs.bakeTimeMs > 0) return []
  return [
    `Input \`analysis\` is \`rollback\` but \`bake-time\` is 0: ${name} has one target group, judged during bake-time against the 30 minutes before the deployment; set bake-time (such as 10m) or analysis to report.`,
  ]
}
