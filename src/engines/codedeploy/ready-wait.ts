// `approval` on CodeDeploy: the ready wait (deploymentReadyOption STOP_DEPLOYMENT, waitTimeInMinutes the approval
// timeout) lives in the deployment group, and a deployment takes the group's blue/green configuration when it is
// created. So the group gets the ready wait for the one CreateDeployment and its own configuration back right after:
// the group is left as it was, and a later deployment made without `approval` is not held.
import { UpdateDeploymentGroupCommand, type BlueGreenDeploymentConfiguration } from '@aws-sdk/client-codedeploy'
import type { Clients } from '../../aws/clients.js'
import { errorText } from '../../aws/errors.js'
import type { CodeDeployFacts } from '../../core/facts.js'
import type { CodeDeployEngine, DeployPlan } from '../../core/plan.js'
import type { Timeline } from '../../core/timeline.js'
import { sendMutating } from '../mutating.js'

/** What the ready wait needs of the plan: the group, its own blue/green configuration, and the approval. */
type ReadyWaitPlan = Pick<DeployPlan, 'approval'> & { engine: Pick<CodeDeployEngine, 'application' | 'deploymentGroup'>; blueGreen?: BlueGreenDeploymentConfiguration }

async function setGroup(clients: Clients, plan: ReadyWaitPlan, blueGreen: BlueGreenDeploymentConfiguration, timeline: Timeline): Promise<void> {
  const update = new UpdateDeploymentGroupCommand({
    applicationName: plan.engine.application,
    currentDeploymentGroupName: plan.engine.deploymentGroup,
    blueGreenDeploymentConfiguration: blueGreen,
  })
  await sendMutating(timeline, 'UpdateDeploymentGroup', () => clients.codedeploy.send(update), clients.deadline?.hardStop ?? Date.now())
}

/** Runs `create` (CreateDeployment) with the group's ready wait set for approval; false (`facts.error` says why) when
 * it could not be set. */
export async function withReadyWait(clients: Clients, plan: ReadyWaitPlan, facts: CodeDeployFacts, timeline: Timeline, create: () => Promise<boolean>): Promise<boolean> {
  const own = plan.blueGreen ?? {}
  const group = `${plan.engine.application}/${plan.engine.deploymentGroup}`
  const minutes = plan.approval?.timeoutMinutes ?? 60
  try {
    await setGroup(clients, plan, { ...own, deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: minutes } }, timeline)
  } catch (error) {
    facts.error = `UpdateDeploymentGroup ${group} (the ready wait for approval): ${errorText(error)}`
    return false
  }
  try {
    return await create()
  } finally {
    await setGroup(clients, plan, own, timeline).catch((error: unknown) =>
      timeline.emit({
        type: 'warning',
        at: new Date(),
        message: `UpdateDeploymentGroup ${group}: putting back the group's own ready wait failed (${errorText(error)}); later deployments of this group wait for ContinueDeployment until it is set back.`,
      }),
    )
  }
}
