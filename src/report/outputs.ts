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
