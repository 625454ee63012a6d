// After a cancelled run (the post step): one look at our CodeDeploy deployment, and on request the rollback.
import { GetDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy'
import type { Clients } from '../../aws/clients.js'
import type { InFlight } from '../../state-helper.js'
import type { AfterCancel } from '../contract.js'
import { TERMINAL } from './watch.js'

export async function afterCancelCodeDeploy(clients: Clients, state: InFlight, rollBack: boolean): Promise<AfterCancel> {
  if (!state.deploymentId) return { where: 'not started', finished: true }
  const { deploymentInfo: info } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: state.deploymentId }))
  const where = info?.status ?? 'not found'
  const ended = TERMINAL.has(info?.status ?? '')
  if (!rollBack || ended) return { where, finished: ended }
  await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId: state.deploymentId, autoRollbackEnabled: true }))
  return { where, finished: false, rolledBack: 'StopDeployment with automatic rollback' }
}
