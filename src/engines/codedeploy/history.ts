// CodeDeploy's deployment history of a CODE_DEPLOY service, for `rollback-to: previous`: ListDeployments (Succeeded)
// → GetDeployment. GetDeployment returns only the AppSpec's sha256, not its text, so the task definition is read from
// the description this engine gives every deployment it creates (`ecs-safe-deploy: <service> → <family:revision>`);
// deployments made otherwise are skipped and said so.
import { GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy'
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import type { Clients } from '../../aws/clients.js'
import type { History } from '../../core/history.js'

const HISTORY_PAGES = 3
const CODEDEPLOY_LOOKS = 25

/** `ecs-safe-deploy: web → web:5`, the description the CodeDeploy engine gives its deployments. */
const OUR_DESCRIPTION = /^ecs-safe-deploy: (\S+) → ([A-Za-z0-9_-]+:\d+)$/

/** CodeDeploy's succeeded deployments of the group, with the task definition each deployed when it can be known. */
export async function codeDeployHistory(clients: Clients, application: string, deploymentGroup: string, service: string): Promise<History> {
  const ids: string[] = []
  let nextToken: string | undefined
  for (let page = 0; page < HISTORY_PAGES && ids.length < CODEDEPLOY_LOOKS; page++) {
    const out = await clients.codedeploy.send(
      new ListDeploymentsCommand({ applicationName: application, deploymentGroupName: deploymentGroup, includeOnlyStatuses: ['Succeeded'], nextToken }),
    )
    ids.push(...(out.deployments ?? []))
    nextToken = out.nextToken
    if (!nextToken) break
  }
  const history: History = { completed: [], rolledBack: new Set(), notes: [] }
  let unreadable = 0
  const arnOf = new Map<string, string>()
  for (const id of ids.slice(0, CODEDEPLOY_LOOKS)) {
    const info = (await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo
    if (!info || info.status !== 'Succeeded') continue
    // A rollback deployment goes back to a revision an earlier deployment completed; it may carry the description of
    // the deployment it rolled back, which names the revision it did not deploy.
    if (info.creator === 'codeDeployRollback' || info.rollbackInfo?.rollbackTriggeringDeploymentId) continue
    const ours = OUR_DESCRIPTION.exec(info.description ?? '')
    if (!ours || ours[1] !== service) {
      unreadable++
      continue
    }
    let arn = arnOf.get(ours[2])
    if (!arn) {
      const td = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ours[2] }))).taskDefinition
      arn = td?.taskDefinitionArn ?? ours[2]
      arnOf.set(ours[2], arn)
    }
    history.completed.push({ taskDefinitionArn: arn, at: info.completeTime ?? info.createTime ?? new Date(0), id })
  }
  if (unreadable > 0) {
    history.notes.push(
      `${unreadable} succeeded CodeDeploy ${unreadable === 1 ? 'deployment was' : 'deployments were'} not made by this action and left out: GetDeployment returns only the AppSpec's sha256, not the task definition it names`,
    )
  }
  return history
}
