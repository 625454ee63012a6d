// Step outputs, for later steps and for promotion/rollback jobs.
import type { DeploymentFacts } from '../core/facts.js'
import { codeDeployDeploymentId } from '../core/facts-view.js'
import type { OneOffTask } from '../core/one-off.js'
import { releaseJson, type ServiceResult } from '../core/release.js'
import type { Outcome } from '../core/timeline.js'
import { setOutput } from './guard.js'

export function setOutputs(facts: DeploymentFacts, outcome: Outcome): void {
  setOutput('outcome', outcome)
  setOutput('task-definition-arn', facts.taskDefinitionArn ?? '')
  setOutput('previous-task-definition-arn', facts.previousTaskDefinitionArn ?? '')
  // A paused deployment is named by what `approve` and `reject` take (the service deployment ARN, CodeDeploy's id).
  setOutput('deployment-id', (outcome === 'awaiting-approval' ? facts.awaitingApproval?.id : undefined) ?? facts.deploymentId ?? '')
  setOutput('codedeploy-deployment-id', codeDeployDeploymentId(facts))
  setOutput('image', facts.image ?? '')
  setOneOffOutputs(facts.oneOffTasks ?? [])
}

/** `pre-deploy-task-arn`, `pre-deploy-exit-code`, `post-deploy-task-arn`, `post-deploy-exit-code` ('' when not run). */
function setOneOffOutputs(tasks: OneOffTask[]): void {
  const pre = tasks.find((t) => t.when === 'pre-deploy')
  const post = tasks.find((t) => t.when === 'post-deploy')
  const code = (task?: OneOffTask) => (task?.exitCode === undefined ? '' : String(task.exitCode))
  setOutput('pre-deploy-task-arn', pre?.taskArn ?? '')
  setOutput('pre-deploy-exit-code', code(pre))
  setOutput('post-deploy-task-arn', post?.taskArn ?? '')
  setOutput('post-deploy-exit-code', code(post))
}

/** `approval`: the test listener's address (input `test-url`) for the reviewer's job. */
export function setTestUrlOutput(testUrl: string | undefined): void {
  setOutput('test-url', testUrl ?? '')
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

/** Register only (`service` empty): outcome `registered`, the revision and its image; no deployment. */
export function setRegisteredOutputs(taskDefinitionArn: string, image: string | undefined): void {
  setOutput('outcome', 'registered')
  setOutput('task-definition-arn', taskDefinitionArn)
  setOutput('image', image ?? '')
}
