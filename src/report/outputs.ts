// Step outputs, for later steps and for promotion/rollback jobs.
import * as core from '@actions/core'
import type { DeploymentFacts } from '../core/facts.js'
import type { Outcome } from '../core/timeline.js'

export function setOutputs(facts: DeploymentFacts, outcome: Outcome): void {
  core.setOutput('outcome', outcome)
  core.setOutput('task-definition-arn', facts.taskDefinitionArn ?? '')
  core.setOutput('previous-task-definition-arn', facts.previousTaskDefinitionArn ?? '')
  core.setOutput('deployment-id', facts.deploymentId ?? '')
  core.setOutput('image', facts.image ?? '')
}

/** The environment's URL and the GitHub deployment record's id ('' when there is none). */
export function setRecordOutputs(environmentUrl: string | undefined, githubDeploymentId: number | undefined): void {
  core.setOutput('url', environmentUrl ?? '')
  core.setOutput('github-deployment-id', githubDeploymentId === undefined ? '' : String(githubDeploymentId))
}
