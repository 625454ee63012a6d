// Step outputs, for later steps and for promotion/rollback jobs.
import * as core from '@actions/core'
import type { DeploymentFacts } from '../core/facts.js'
import { codeDeployDeploymentId } from '../core/facts-view.js'
import type { OneOffTask } from '../core/one-off.js'
import { releaseJson, type ServiceResult } from '../core/release.js'
import type { Outcome } from '../core/timeline.js'

export function setOutputs(facts: DeploymentFacts, outcome: Outcome): void {
  core.setOutput('outcome', outcome)
  core.setOutput('task-definition-arn', facts.taskDefinitionArn ?? '')
  core.setOutput('previous-task-definition-arn', facts.previousTaskDefinitionArn ?? '')
  // A paused deployment is named by what `approve` and `reject` take (the service deployment ARN, CodeDeploy's id).
  core.setOutput('deployment-id', (outcome === 'awaiting-approval' ? facts.awaitingApproval?.id : undefined) ?? facts.deploymentId ?? '')
  core.setOutput('codedeploy-deployment-id', codeDeployDeploymentId(facts))
  core.setOutput('image', facts.image ?? '')
  setOneOffOutputs(facts.oneOffTasks ?? [])
}

/** `pre-deploy-task-arn`, `pre-deploy-exit-code`, `post-deploy-task-arn`, `post-deploy-exit-code` ('' when not run). */
function setOneOffOutputs(tasks: OneOffTask[]): void {
  const pre = tasks.find((t) => t.when === 'pre-deploy')
  const post = tasks.find((t) => t.when === 'post-deploy')
  const code = (task?: OneOffTask) => (task?.exitCode === undefined ? '' : String(task.exitCode))
  core.setOutput('pre-deploy-task-arn', pre?.taskArn ?? '')
  core.setOutput('pre-deploy-exit-code', code(pre))
  core.setOutput('post-deploy-task-arn', post?.taskArn ?? '')
  core.setOutput('post-deploy-exit-code', code(post))
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

/** Register only (`service` empty): outcome `registered`, the revision and its image; no deployment. */
export function setRegisteredOutputs(taskDefinitionArn: string, image: string | undefined): void {
  core.setOutput('outcome', 'registered')
  core.setOutput('task-definition-arn', taskDefinitionArn)
  core.setOutput('image', image ?? '')
}
