// The engine rules that code outside src/engines/ and src/core/ needs about a run's facts, so that none of it has to
// look at which engine produced them: a new engine then changes these answers here, not the reports and the watch.
import type { DeploymentFacts, ServiceDeploymentObservation } from './facts.js'

/** How to find a deployment's stopped tasks: ECS starts them with the deployment id, while a CodeDeploy task set's
 * tasks do not carry it, so they are found by our task definition revision. Undefined when the id is unknown. */
export function stoppedTasksOf(facts: DeploymentFacts): { deploymentId: string } | { taskDefinitionArn: string } | undefined {
  if (facts.kind === 'codedeploy') return facts.taskDefinitionArn ? { taskDefinitionArn: facts.taskDefinitionArn } : undefined
  return facts.deploymentId ? { deploymentId: facts.deploymentId } : undefined
}

/** The engine moves production traffic from one revision to the other (blue/green, canary, linear); a rolling update
 * replaces tasks instead, so its rollout is told in running tasks unless traffic shifts were seen anyway. */
export function movesTraffic(facts: DeploymentFacts): boolean {
  return facts.kind !== 'rolling'
}

/** The service deployment that runs an ECS-native strategy (blue/green, canary, linear), with its last look. A rolling
 * update has a service deployment too, but no strategy, traffic or hooks for it to report. */
export function strategyDeployment(facts: DeploymentFacts): { arn: string; look: ServiceDeploymentObservation | undefined } | undefined {
  if (facts.kind !== 'ecs-native' || !facts.serviceDeploymentArn) return undefined
  return { arn: facts.serviceDeploymentArn, look: facts.serviceDeployment }
}

/** The CodeDeploy deployment's id, under the output name the official deploy action gives it; '' for any other engine. */
export function codeDeployDeploymentId(facts: DeploymentFacts): string {
  return facts.kind === 'codedeploy' ? (facts.deploymentId ?? '') : ''
}

/** For a before/after canary analysis, in the server's time (the metrics are stamped by it): when the deployment
 * started and when it completed (its bake's start). Undefined when the facts do not say. */
export function bakeWindow(facts: DeploymentFacts): { deploymentStart: Date; bakeStart: Date } | undefined {
  const final = 'final' in facts ? facts.final : undefined
  return final?.createdAt && final.updatedAt ? { deploymentStart: final.createdAt, bakeStart: final.updatedAt } : undefined
}
