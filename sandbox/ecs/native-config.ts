// deploymentConfiguration for ECS-native blue/green, linear and canary deployments: bakeTimeInMinutes,
// linearConfiguration, canaryConfiguration and lifecycleHooks with ECS's ranges and defaults, the load balancer
// advancedConfiguration these strategies need, and how DescribeServices echoes them.
import type { JsonObject } from '../types.js'
import { HOOK_STAGES, type HookStage, type LifecycleHookConfig, type NativeStrategy } from './native-model.js'
import type { DeploymentConfiguration } from './state.js'
import { clientError, invalidParameter, optionalArray, optionalEnum, optionalInt, optionalObject, optionalString } from './validate.js'

const NATIVE: readonly string[] = ['BLUE_GREEN', 'LINEAR', 'CANARY']
export const isNativeStrategy = (strategy: string): strategy is NativeStrategy => NATIVE.includes(strategy)

const MAX_BAKE_MINUTES = 1440
const MAX_HOOK_TIMEOUT_MINUTES = 20160

/** A double in [min, max] that is a multiple of 0.1 (ECS's percent fields). */
function optionalPercent(input: JsonObject, name: string, min: number, max: number): number | undefined {
  const v = input[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v)) throw clientError(`${name} must be a number.`)
  if (v < min || v > max) throw invalidParameter(`${name} must be between ${min.toFixed(1)} and ${max.toFixed(1)}, got ${v}.`)
  if (Math.abs(v * 10 - Math.round(v * 10)) > 1e-9) throw invalidParameter(`${name} must be a multiple of 0.1, got ${v}.`)
  return Math.round(v * 10) / 10
}

/**
 * The native-strategy members of a request's deploymentConfiguration, applied to `out` (already holding the
 * rolling members and the strategy). Members not given keep their value, as UpdateService does.
 */
export function parseNativeConfiguration(raw: JsonObject, out: DeploymentConfiguration): void {
  const bake = optionalInt(raw, 'bakeTimeInMinutes', 0, MAX_BAKE_MINUTES)
  if (bake !== undefined) out.bakeTimeInMinutes = bake
  const linear = optionalObject(raw, 'linearConfiguration')
  if (linear) {
    out.linearConfiguration = {
      stepPercent: optionalPercent(linear, 'stepPercent', 3, 100) ?? 10,
      stepBakeTimeInMinutes: optionalInt(linear, 'stepBakeTimeInMinutes', 0, MAX_BAKE_MINUTES) ?? 6,
    }
  }
  const canary = optionalObject(raw, 'canaryConfiguration')
  if (canary) {
    out.canaryConfiguration = {
      canaryPercent: optionalPercent(canary, 'canaryPercent', 0.1, 100) ?? 5,
      canaryBakeTimeInMinutes: optionalInt(canary, 'canaryBakeTimeInMinutes', 0, MAX_BAKE_MINUTES) ?? 10,
    }
  }
  const hooks = optionalArray(raw, 'lifecycleHooks')
  if (hooks !== undefined) out.lifecycleHooks = hooks.map((h, i) => parseHook(h, i))

  if (linear && out.strategy !== 'LINEAR') throw invalidParameter('linearConfiguration is only valid when the deployment strategy is LINEAR.')
  if (canary && out.strategy !== 'CANARY') throw invalidParameter('canaryConfiguration is only valid when the deployment strategy is CANARY.')
  if (!isNativeStrategy(out.strategy)) {
    if (out.lifecycleHooks?.length) {
      throw invalidParameter('lifecycleHooks are only supported with the BLUE_GREEN, LINEAR and CANARY deployment strategies.')
    }
    return
  }
  if (out.strategy === 'BLUE_GREEN' && out.bakeTimeInMinutes === undefined) {
    throw invalidParameter('bakeTimeInMinutes must be specified when the deployment strategy is BLUE_GREEN.')
  }
  if (out.strategy === 'LINEAR') out.linearConfiguration ??= { stepPercent: 10, stepBakeTimeInMinutes: 6 }
  if (out.strategy === 'CANARY') out.canaryConfiguration ??= { canaryPercent: 5, canaryBakeTimeInMinutes: 10 }
}

function parseHook(raw: unknown, i: number): LifecycleHookConfig {
  const at = `lifecycleHooks[${i}]`
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw clientError(`${at} must be an object.`)
  const h = raw as JsonObject
  const targetType = optionalEnum(h, 'targetType', ['AWS_LAMBDA', 'PAUSE'] as const) ?? 'AWS_LAMBDA'
  const hookTargetArn = optionalString(h, 'hookTargetArn')
  const roleArn = optionalString(h, 'roleArn')
  const stages = optionalArray(h, 'lifecycleStages')
  if (!stages || stages.length === 0) throw invalidParameter(`${at}.lifecycleStages must be specified.`)
  const lifecycleStages = stages.map((st) => {
    if (typeof st !== 'string' || !(HOOK_STAGES as readonly string[]).includes(st)) {
      throw invalidParameter(`${at}.lifecycleStages '${String(st)}' is not valid. Valid values: ${HOOK_STAGES.join(', ')}.`)
    }
    return st as HookStage
  })
  if (targetType === 'AWS_LAMBDA') {
    if (!hookTargetArn) throw invalidParameter(`${at}.hookTargetArn must be specified for an AWS_LAMBDA lifecycle hook.`)
    if (!/^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/.test(hookTargetArn)) {
      throw invalidParameter(`${at}.hookTargetArn must be a Lambda function ARN, got ${hookTargetArn}.`)
    }
    if (!roleArn) throw invalidParameter(`${at}.roleArn must be specified for an AWS_LAMBDA lifecycle hook.`)
  } else {
    if (hookTargetArn !== undefined) throw invalidParameter(`${at}.hookTargetArn is not valid for a PAUSE lifecycle hook.`)
    const banned = lifecycleStages.filter((st) => st === 'TEST_TRAFFIC_SHIFT' || st === 'PRODUCTION_TRAFFIC_SHIFT')
    if (banned.length > 0) {
      throw invalidParameter(`${at}: PAUSE lifecycle hooks cannot be configured at ${banned.join(' or ')}; only AWS_LAMBDA hooks can.`)
    }
  }
  const timeout = optionalObject(h, 'timeoutConfiguration') ?? {}
  return {
    targetType,
    ...(hookTargetArn !== undefined ? { hookTargetArn } : {}),
    ...(roleArn !== undefined ? { roleArn } : {}),
    lifecycleStages,
    ...(h.hookDetails !== undefined ? { hookDetails: h.hookDetails } : {}),
    timeoutConfiguration: {
      timeoutInMinutes: optionalInt(timeout, 'timeoutInMinutes', 1, MAX_HOOK_TIMEOUT_MINUTES) ?? 1440,
      action: optionalEnum(timeout, 'action', ['ROLLBACK', 'CONTINUE'] as const) ?? 'ROLLBACK',
    },
    wire: h,
  }
}

/**
 * BLUE_GREEN, LINEAR and CANARY shift traffic between two target groups behind a listener rule: the service
 * needs a load balancer whose advancedConfiguration names them.
 */
export function checkNativeLoadBalancers(config: DeploymentConfiguration, loadBalancers: JsonObject[]): void {
  if (!isNativeStrategy(config.strategy)) return
  const needs = `The ${config.strategy} deployment strategy requires a load balancer with advancedConfiguration (alternateTargetGroupArn, productionListenerRule and roleArn)`
  if (loadBalancers.length === 0) throw invalidParameter(`${needs}: loadBalancers is empty.`)
  loadBalancers.forEach((lb, i) => {
    if (typeof lb.targetGroupArn !== 'string') throw invalidParameter(`${needs}: loadBalancers[${i}].targetGroupArn is missing.`)
    const adv = lb.advancedConfiguration as JsonObject | undefined
    if (typeof adv !== 'object' || adv === null) throw invalidParameter(`${needs}: loadBalancers[${i}].advancedConfiguration is missing.`)
    const missing = ['alternateTargetGroupArn', 'productionListenerRule', 'roleArn'].filter((k) => typeof adv[k] !== 'string' || adv[k] === '')
    if (missing.length > 0) {
      throw invalidParameter(`${needs}: loadBalancers[${i}].advancedConfiguration is missing ${missing.join(', ')}.`)
    }
    if (adv.alternateTargetGroupArn === lb.targetGroupArn) {
      throw invalidParameter(`loadBalancers[${i}].advancedConfiguration.alternateTargetGroupArn must differ from targetGroupArn.`)
    }
  })
}

/** The native members of deploymentConfiguration as DescribeServices and DescribeServiceDeployments return them. */
export function nativeConfigWire(c: DeploymentConfiguration): JsonObject {
  return {
    ...(c.bakeTimeInMinutes !== undefined ? { bakeTimeInMinutes: c.bakeTimeInMinutes } : {}),
    ...(c.linearConfiguration ? { linearConfiguration: c.linearConfiguration } : {}),
    ...(c.canaryConfiguration ? { canaryConfiguration: c.canaryConfiguration } : {}),
    ...(c.lifecycleHooks?.length ? { lifecycleHooks: c.lifecycleHooks.map((h) => h.wire) } : {}),
  }
}
