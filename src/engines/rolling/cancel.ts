// After a cancelled run (the post step): one look at our rolling deployment, and on request the rollback.
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { revisionOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { mutate } from '../../aws/mutate.js'
import type { InFlight } from '../../state-helper.js'
import { observe } from '../../watch/service.js'
import type { AfterCancel } from '../contract.js'
import { rollbackConfiguration } from './run.js'

export async function afterCancelRolling(clients: Clients, state: InFlight, rollBack: boolean): Promise<AfterCancel> {
  const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: state.cluster, services: [state.service] }))
  const service = out.services?.[0]
  const deployments = (service?.deployments ?? []).map(observe)
  const ours = deployments.find((d) => d.id === state.deploymentId)
  const c = ours?.counts
  const where = ours ? `${ours.rolloutState ?? ours.status}, running ${c?.running}/${c?.desired}` : 'no longer on the service'
  const settled = !ours || ours.status !== 'PRIMARY' || ours.rolloutState === 'FAILED'
  if (!rollBack || settled) return { where, finished: settled || ours?.rolloutState === 'COMPLETED' }
  const update = new UpdateServiceCommand({
    cluster: state.cluster,
    service: state.service,
    taskDefinition: state.previousTaskDefinitionArn,
    ...(service?.deploymentConfiguration ? { deploymentConfiguration: rollbackConfiguration(service.deploymentConfiguration) } : {}),
  })
  const updated = await mutate('UpdateService', () => clients.ecs.send(update), clients.deadline?.hardStop ?? Date.now())
  const back = (updated.service?.deployments ?? []).find((d) => d.status === 'PRIMARY' && d.taskDefinition === state.previousTaskDefinitionArn)
  return { where, finished: false, rolledBack: `UpdateService to ${revisionOf(state.previousTaskDefinitionArn, '?')} (deployment ${back?.id ?? '?'})` }
}
