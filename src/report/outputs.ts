// Step outputs, for later steps and for promotion/rollback jobs.
import type { DeploymentFacts } from '../core/facts.js'
import { releaseJson, type ServiceResult } from '../core/release.js'
import type { Outcome } from '../core/timeline.js'
import { setOutput } from './guard.js'

export function setOutputs(facts: DeploymentFacts, outcome: Outcome): void {
  setOutput('outcome', outcome)
  setOutput('task-definition-arn', facts.taskDefinitionArn ?? '')
  setOutput('previous-task-definition-arn', facts.previousTaskDefinitionArn ?? '')
  setOutput('deployment-id', facts.deploymentId ?? '')
  setOutput('image', facts.image ?? '')
}

/** A release of several services: the release's outcome, and each service's in `services` (JSON). The single-service
 * outputs name one task definition and deployment, so they stay empty. */
export function setReleaseOutputs(results: ServiceResult[], outcome: Outcome, image: string | undefined): void {
  setOutput('outcome', outcome)
  setOutput('services', releaseJson(results))
  setOutput('task-definition-arn', '')
  setOutput('previous-task-definition-arn', '')
  setOutput('deployment-id', '')
  setOutput('image', image ?? '')
}

/** The environment's URL and the GitHub deployment record's id ('' when there is none). */
export function setRecordOutputs(environmentUrl: string | undefined, githubDeploymentId: number | undefined): void {
  setOutput('url', environmentUrl ?? '')
  setOutput('github-deployment-id', githubDeploymentId === undefined ? '' : String(githubDeploymentId))
}

/** A cancelled run: outcome `cancelled`; a single service's deployment as far as it got (a release's stay empty). */
export function setCancelledOutputs(state?: { deploymentId?: string; taskDefinitionArn?: string; previousTaskDefinitionArn: string }): void {
  if (state) {
    setOutput('deployment-id', state.deploymentId ?? '')
    setOutput('task-definition-arn', state.taskDefinitionArn ?? '')
    setOutput('previous-task-definition-arn', state.previousTaskDefinitionArn)
  }
  setOutput('outcome', 'cancelled')
}
