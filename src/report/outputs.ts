// Step outputs, for later steps and for promotion/rollback jobs.
import * as core from '@actions/core'
import type { DeploymentFacts } from '../core/facts.js'
import { releaseJson, type ServiceResult } from '../core/release.js'
import type { Outcome } from '../core/timeline.js'

export function setOutputs(facts: DeploymentFacts, outcome: Outcome): void {
  core.setOutput('outcome', outcome)
  core.setOutput('task-definition-arn', facts.taskDefinitionArn ?? '')
  core.setOutput('previous-task-definition-arn', facts.previousTaskDefinitionArn ?? '')
  // A paused deployment is named by what `approve` and `reject` take (the service deployment ARN, CodeDeploy's id).
  core.setOutput('deployment-id', (outcome === 'awaiting-approval' ? facts.awaitingApproval?.id : undefined) ?? facts.deploymentId ?? '')
  core.setOutput('image', facts.image ?? '')
}

/** `approval`: the test listener's address (input `test-url`) for the reviewer's job. */
export function setTestUrlOutput(testUrl: string | undefined): void {
  core.setOutput('test-url', testUrl ?? '')
}

/** A release of several services: the release's outcome, and each service's in `services` (JSON). The single-service
 * outputs name one task definition and deployment, so they stay empty. */
export function setReleaseOutputs(results: ServiceResult[], outcome: Outcome, image: string | undefined): void {
  core.setOutput('outcome', outcome)
  core.setOutput('services', releaseJson(results))
  core.setOutput('task-definition-arn', '')
  core.setOutput('previous-task-definition-arn', '')
  core.setOutput('deployment-id', '')
  core.setOutput('image', image ?? '')
}

/** The environment's URL and the GitHub deployment record's id ('' when there is none). */
export function setRecordOutputs(environmentUrl: string | undefined, githubDeploymentId: number | undefined): void {
  core.setOutput('url', environmentUrl ?? '')
  core.setOutput('github-deployment-id', githubDeploymentId === undefined ? '' : String(githubDeploymentId))
}

/** A cancelled run: outcome `cancelled`; a single service's deployment as far as it got (a release's stay empty). */
export function setCancelledOutputs(state?: { deploymentId?: string; taskDefinitionArn?: string; previousTaskDefinitionArn: string }): void {
  if (state) {
    core.setOutput('deployment-id', state.deploymentId ?? '')
    core.setOutput('task-definition-arn', state.taskDefinitionArn ?? '')
    core.setOutput('previous-task-definition-arn', state.previousTaskDefinitionArn)
  }
  core.setOutput('outcome', 'cancelled')
}
