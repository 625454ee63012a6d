// UpdateService as the rolling and ECS-native engines send it: the deployment configuration, and a lost answer
// told apart from a call that did not apply.
import { DescribeServicesCommand, UpdateServiceCommand, type DeploymentConfiguration, type Service, type UpdateServiceCommandInput } from '@aws-sdk/client-ecs'
import type { Clients } from '../aws/clients.js'
import { errorText, isThrottling, isTransient } from '../aws/errors.js'
import type { DeploymentObservation } from '../core/facts.js'
import type { DeployPlan, RollbackPolicy } from '../core/plan.js'
import type { Timeline } from '../core/timeline.js'
import { observe } from '../watch/service.js'
import { sendMutating } from './mutating.js'

/** The service's configuration plus the circuit breaker (and alarms when given), rolling back unless `never`. */
export function deploymentConfigurationFor(current: DeploymentConfiguration | undefined, alarms: string[], rollback: RollbackPolicy): DeploymentConfiguration {
  const rollbackOn = rollback === 'on-failure'
  return {
    ...current,
    deploymentCircuitBreaker: { ...current?.deploymentCircuitBreaker, enable: true, rollback: rollbackOn },
    ...(alarms.length > 0 ? { alarms: { alarmNames: alarms, enable: true, rollback: rollbackOn } } : {}),
  }
}

/** The deployment's UpdateService: the task definition, the configuration, and `desired-count` and
 * `force-new-deployment` (which a rollback does not take). */
export function deploymentUpdate(plan: DeployPlan, taskDefinition: string, deploymentConfiguration: DeploymentConfiguration) {
  return {
    cluster: plan.cluster,
    service: plan.service,
    taskDefinition,
    deploymentConfiguration,
    ...(plan.desiredCount !== undefined ? { desiredCount: plan.desiredCount } : {}),
    ...(plan.forceNewDeployment ? { forceNewDeployment: true } : {}),
    ...(plan.propagateTags !== undefined ? { propagateTags: plan.propagateTags } : {}),
    ...(plan.enableEcsManagedTags !== undefined ? { enableECSManagedTags: plan.enableEcsManagedTags } : {}),
  }
}

/**
 * UpdateService to `taskDefinition`. When the answer is lost (the SDK's retries end in a dropped connection or no
 * answer), AWS may still have applied it: the service then runs a deployment of that task definition, which is ours.
 * A throttled UpdateService is sent again until `until` (epoch ms).
 */
export async function updateService(
  clients: Clients,
  input: UpdateServiceCommandInput & { cluster: string; service: string; taskDefinition: string },
  timeline: Timeline,
  until: number,
): Promise<Service | undefined> {
  try {
    return (await sendMutating(timeline, 'UpdateService', () => clients.ecs.send(new UpdateServiceCommand(input)), until)).service
  } catch (error) {
    if (!isTransient(error) || isThrottling(error)) throw error
    const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: input.cluster, services: [input.service] })).catch(() => undefined)
    const service = out?.services?.[0]
    const applied = (service?.deployments ?? []).some((d) => d.status === 'PRIMARY' && d.taskDefinition === input.taskDefinition)
    if (!applied) throw error
    timeline.emit({ type: 'warning', at: new Date(), message: `UpdateService's answer was lost (${errorText(error)}), but ECS applied it: following its deployment.` })
    return service
  }
}

/** The deployment an UpdateService created for `taskDefinitionArn`: the PRIMARY one that runs it. */
export function deploymentFor(service: Service | undefined, taskDefinitionArn: string): DeploymentObservation | undefined {
  const mine = (service?.deployments ?? []).filter((d) => d.taskDefinition === taskDefinitionArn)
  const found = mine.find((d) => d.status === 'PRIMARY') ?? mine[0]
  return found ? observe(found) : undefined
}

/** Alarms already in ALARM as an ECS deployment starts, in words (ECS ignores the deployment's alarms then). */
export function ecsFiringAlarms(names: string): string {
  return `${names}: ECS ignores the deployment's alarms for a deployment that starts while one is in ALARM, so only the circuit breaker guards this rollout. The bake counts such an alarm only if it recovers and then fires again.`
}

/** Who looks after an ECS deployment this run no longer watches. */
export const ECS_GUARD = "ECS's circuit breaker and the deployment alarms"
