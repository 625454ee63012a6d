// After a cancelled run (the post step): one look at our CodeDeploy deployment, and on request the rollback.
import { GetDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy'
import type { Clients } from '../../aws/clients.js'
import { mutate } from '../../aws/mutate.js'
import type { InFlight } from '../../state-helper.js'
import type { AfterCancel } from '../contract.js'
import { TERMINAL } from './watch.js'

export async function afterCancelCodeDeploy(clients: Clients, state: InFlight, rollBack: boolean): Promise<AfterCancel> {
  if (!state.deploymentId) return { where: 'not started', finished: true }
  const { deploymentInfo: info } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: state.deploymentId }))
  const where = info?.status ?? 'not found'
  const ended = TERMINAL.has(info?.status ?? '')
  if (!rollBack || ended) return { where, finished: ended }
  const stop = new StopDeploymentCommand({ deploymentId: state.deploymentId, autoRollbackEnabled: true })
  await mutate('StopDeployment', () => clients.codedeploy.send(stop), clients.deadline?.hardStop ?? Date.now())
  return { where, finished: false, rolledBack: 'StopDeployment with automatic rollback' }
}
