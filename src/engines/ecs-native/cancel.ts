// After a cancelled run (the post step): one look at our ECS-native service deployment, and on request the rollback.
import { DescribeServiceDeploymentsCommand, StopServiceDeploymentCommand } from '@aws-sdk/client-ecs'
import type { Clients } from '../../aws/clients.js'
import { mutate } from '../../aws/mutate.js'
import type { InFlight } from '../../state-helper.js'
import type { AfterCancel } from '../contract.js'

const RUNNING = new Set(['PENDING', 'IN_PROGRESS'])

export async function afterCancelNative(clients: Clients, state: InFlight, rollBack: boolean): Promise<AfterCancel> {
  const arn = state.serviceDeploymentArn
  if (!arn) return { where: 'not started', finished: true }
  const out = await clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))
  const sd = out.serviceDeployments?.[0]
  const where = `${sd?.status ?? 'not found'}${sd?.lifecycleStage ? ` at ${sd.lifecycleStage}` : ''}`
  const running = RUNNING.has(sd?.status ?? '')
  if (!rollBack || !running) return { where, finished: !running }
  const stop = new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' })
  await mutate('StopServiceDeployment', () => clients.ecs.send(stop), clients.deadline?.hardStop ?? Date.now())
  return { where, finished: false, rolledBack: 'StopServiceDeployment(ROLLBACK)' }
}
