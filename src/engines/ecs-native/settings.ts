// What an ECS-native deployment is asked to do: the strategy's settings and bake time put into the service's
// deploymentConfiguration, and the line that says what the bake is.
import type { DeploymentConfiguration, DeploymentLifecycleHook } from '@aws-sdk/client-ecs'
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
    ...approvalHooks(current.lifecycleHooks, plan.approval),
  }
}

/** What marks the PAUSE hook this action adds for `approval` (its `hookDetails`): the user's hooks are never touched. */
const APPROVAL_MARK = { addedBy: 'ecs-safe-deploy', for: 'approval' }
/** Where the approval pauses: test traffic is on the new revision, production traffic is not. */
export const APPROVAL_STAGE = 'POST_TEST_TRAFFIC_SHIFT'

export const isApprovalHook = (hook: DeploymentLifecycleHook): boolean => {
  const details = hook.hookDetails as Record<string, unknown> | undefined
  return hook.targetType === 'PAUSE' && details?.addedBy === APPROVAL_MARK.addedBy && details.for === APPROVAL_MARK.for
}

/**
 * The service's lifecycle hooks without the approval hook an earlier run added (hooks persist in the service's
 * configuration), plus this run's when it asks for approval; unchanged (no key) when there is nothing to change.
 */
function approvalHooks(hooks: DeploymentLifecycleHook[] | undefined, approval: NativePlan['approval']): Pick<DeploymentConfiguration, 'lifecycleHooks'> {
  const own = (hooks ?? []).filter((h) => !isApprovalHook(h))
  if (!approval) return own.length === (hooks ?? []).length ? {} : { lifecycleHooks: own }
  const pause: DeploymentLifecycleHook = {
    targetType: 'PAUSE',
    lifecycleStages: [APPROVAL_STAGE],
    hookDetails: APPROVAL_MARK,
    timeoutConfiguration: { timeoutInMinutes: approval.timeoutMinutes, action: 'ROLLBACK' },
  }
  return { lifecycleHooks: [...own, pause] }
}

/** The line that says what the bake is and what ends it. */
export function bakeLine(minutes: number, plan: NativePlan): string {
  const given = plan.bakeTimeMs > 0 && plan.bakeTimeMs % 60_000 !== 0 ? ` (bake-time ${Math.round(plan.bakeTimeMs / 1000)} s rounded up to whole minutes)` : ''
  const alarms = plan.alarms.length > 0 ? `alarms ${plan.alarms.join(', ')}` : "the deployment's alarms"
  return minutes > 0
    ? `ECS bake time ${minutes} min${given}: after production traffic has moved, ECS keeps the previous revision running and watches ${alarms}; an alarm in ALARM rolls traffic back at once`
    : 'ECS bake time 0 min: the previous revision stops as soon as production traffic has moved'
}
