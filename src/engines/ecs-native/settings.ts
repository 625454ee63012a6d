// What an ECS-native deployment is asked to do: the strategy's settings and bake time put into the service's
// deploymentConfiguration, and the line that says what the bake is.
import type { DeploymentConfiguration } from '@aws-sdk/client-ecs'
import type { DeployPlan, NativeEngine } from '../../core/plan.js'
import { deploymentConfigurationFor } from '../service-config.js'

export type NativePlan = DeployPlan & { engine: NativeEngine }

/** ECS's bake in whole minutes: bake-time rounded up; with bake-time 0, the service's own bake time stays. */
export function bakeMinutes(bakeTimeMs: number, current: DeploymentConfiguration | undefined): number {
  return bakeTimeMs > 0 ? Math.ceil(bakeTimeMs / 60_000) : (current?.bakeTimeInMinutes ?? 0)
}

/**
 * The service's configuration with the strategy and its settings, the bake time, the circuit breaker and the
 * alarms. The other strategy's settings are dropped: ECS rejects canaryConfiguration on a LINEAR deployment.
 */
export function nativeConfiguration(plan: NativePlan): DeploymentConfiguration {
  const { linearConfiguration, canaryConfiguration, ...current } = plan.currentDeploymentConfiguration ?? {}
  const strategy = plan.engine.strategy
  return {
    ...deploymentConfigurationFor(current, plan.alarms, plan.rollback),
    ...(strategy === 'LINEAR' && linearConfiguration ? { linearConfiguration } : {}),
    ...(strategy === 'CANARY' && canaryConfiguration ? { canaryConfiguration } : {}),
    ...plan.engine.configuration,
    bakeTimeInMinutes: bakeMinutes(plan.bakeTimeMs, plan.currentDeploymentConfiguration),
  }
}

/** The line that says what the bake is and what ends it. */
export function bakeLine(minutes: number, plan: NativePlan): string {
  const given = plan.bakeTimeMs > 0 && plan.bakeTimeMs % 60_000 !== 0 ? ` (bake-time ${Math.round(plan.bakeTimeMs / 1000)} s rounded up to whole minutes)` : ''
  const alarms = plan.alarms.length > 0 ? `alarms ${plan.alarms.join(', ')}` : "the deployment's alarms"
  return minutes > 0
    ? `ECS bake time ${minutes} min${given}: after production traffic has moved, ECS keeps the previous revision running and watches ${alarms}; an alarm in ALARM rolls traffic back at once`
    : 'ECS bake time 0 min: the previous revision stops as soon as production traffic has moved'
}
