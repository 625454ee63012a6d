// The deployment configuration an UpdateService sends, shared by the rolling and ECS-native engines.
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs'
import type { RollbackPolicy } from '../core/plan.js'

/** The service's configuration plus the circuit breaker (and alarms when given), rolling back unless `never`. */
export function deploymentConfigurationFor(current: DeploymentConfiguration | undefined, alarms: string[], rollback: RollbackPolicy): DeploymentConfiguration {
  const rollbackOn = rollback === 'on-failure'
  return {
    ...current,
    deploymentCircuitBreaker: { ...current?.deploymentCircuitBreaker, enable: true, rollback: rollbackOn },
    ...(alarms.length > 0 ? { alarms: { alarmNames: alarms, enable: true, rollback: rollbackOn } } : {}),
  }
}
