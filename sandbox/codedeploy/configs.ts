// Deployment configs: the predefined ECS ones and CreateDeploymentConfig / GetDeploymentConfig.
import type { JsonObject } from '../types.js'
import type { Ctx, DeploymentConfig, TrafficRouting } from './state.js'
import { cdError, newUuid, optionalName, optionalObj, requireName, toEpochSeconds } from './validate.js'

const PREDEFINED: [string, TrafficRouting][] = [
  ['CodeDeployDefault.ECSAllAtOnce', { type: 'AllAtOnce' }],
  ['CodeDeployDefault.ECSLinear10PercentEvery1Minutes', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 10, linearInterval: 1 } }],
  ['CodeDeployDefault.ECSLinear10PercentEvery3Minutes', { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 10, linearInterval: 3 } }],
  ['CodeDeployDefault.ECSCanary10Percent5Minutes', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } }],
  ['CodeDeployDefault.ECSCanary10Percent15Minutes', { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 15 } }],
]

export const DEFAULT_CONFIG = 'CodeDeployDefault.ECSAllAtOnce'

export function predefinedConfigs(atMs: number): Map<string, DeploymentConfig> {
  return new Map(PREDEFINED.map(([name, trafficRoutingConfig]) => [name, { id: newUuid(), name, computePlatform: 'ECS', trafficRoutingConfig, createTime: atMs }]))
}

/** An ECS deployment config by name: DeploymentConfigDoesNotExistException, or InvalidDeploymentConfigNameException for another platform's. */
export function getEcsConfig(ctx: Ctx, name: string): DeploymentConfig {
  const c = ctx.state.configs.get(name)
  if (!c) throw cdError('DeploymentConfigDoesNotExistException', `The deployment configuration ${name} does not exist with the IAM user or Amazon Web Services account.`)
  if (c.computePlatform !== 'ECS') throw cdError('InvalidDeploymentConfigNameException', `The deployment configuration ${name} is not for the ECS compute platform.`)
  return c
}

function percent(o: JsonObject, key: string): number {
  const v = o[key]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 99) {
    throw cdError('InvalidTrafficRoutingConfigurationException', `${key} must be an integer from 1 to 99.`)
  }
  return v
}

function minutes(o: JsonObject, key: string): number {
  const v = o[key]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2880) {
    throw cdError('InvalidTrafficRoutingConfigurationException', `${key} must be a number of minutes from 1 to 2880.`)
  }
  return v
}

function parseRouting(raw: JsonObject | undefined): TrafficRouting {
  const type = String(raw?.type ?? 'AllAtOnce')
  switch (type) {
    case 'AllAtOnce':
      return { type: 'AllAtOnce' }
    case 'TimeBasedCanary': {
      const c = optionalObj(raw!, 'timeBasedCanary', 'InvalidTrafficRoutingConfigurationException')
      if (!c) throw cdError('InvalidTrafficRoutingConfigurationException', 'timeBasedCanary is required for the TimeBasedCanary type.')
      return { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: percent(c, 'canaryPercentage'), canaryInterval: minutes(c, 'canaryInterval') } }
    }
    case 'TimeBasedLinear': {
      const l = optionalObj(raw!, 'timeBasedLinear', 'InvalidTrafficRoutingConfigurationException')
      if (!l) throw cdError('InvalidTrafficRoutingConfigurationException', 'timeBasedLinear is required for the TimeBasedLinear type.')
      return { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: percent(l, 'linearPercentage'), linearInterval: minutes(l, 'linearInterval') } }
    }
  }
  throw cdError('InvalidTrafficRoutingConfigurationException', `trafficRoutingConfig.type must be AllAtOnce, TimeBasedCanary or TimeBasedLinear, got ${String(type)}.`)
}

export function createDeploymentConfig(ctx: Ctx, input: JsonObject): JsonObject {
  const name = requireName(input, 'deploymentConfigName', 'DeploymentConfigNameRequiredException')
  if (ctx.state.configs.has(name)) throw cdError('DeploymentConfigAlreadyExistsException', `A deployment configuration with the name ${name} already exists.`)
  if (name.startsWith('CodeDeployDefault.')) throw cdError('InvalidDeploymentConfigNameException', 'Deployment configuration names cannot start with CodeDeployDefault.')
  const platform = optionalName(input, 'computePlatform') ?? 'Server'
  if (platform !== 'ECS') {
    if (platform === 'Server' || platform === 'Lambda') {
      throw cdError('InvalidComputePlatformException', `The sandbox emulates CodeDeploy for the ECS compute platform only (got ${platform}).`)
    }
    throw cdError('InvalidComputePlatformException', `computePlatform must be Server, Lambda or ECS, got ${platform}.`)
  }
  if (input.minimumHealthyHosts !== undefined) {
    throw cdError('InvalidMinimumHealthyHostValueException', 'minimumHealthyHosts is not valid for the ECS compute platform.')
  }
  const config: DeploymentConfig = {
    id: newUuid(),
    name,
    computePlatform: 'ECS',
    trafficRoutingConfig: parseRouting(optionalObj(input, 'trafficRoutingConfig', 'InvalidTrafficRoutingConfigurationException')),
    createTime: ctx.deps.clock.now(),
  }
  ctx.state.configs.set(name, config)
  return { deploymentConfigId: config.id }
}

export function getDeploymentConfig(ctx: Ctx, input: JsonObject): JsonObject {
  const name = requireName(input, 'deploymentConfigName', 'DeploymentConfigNameRequiredException')
  const c = ctx.state.configs.get(name)
  if (!c) throw cdError('DeploymentConfigDoesNotExistException', `The deployment configuration ${name} does not exist with the IAM user or Amazon Web Services account.`)
  return {
    deploymentConfigInfo: {
      deploymentConfigId: c.id,
      deploymentConfigName: c.name,
      createTime: toEpochSeconds(c.createTime),
      computePlatform: c.computePlatform,
      trafficRoutingConfig: c.trafficRoutingConfig,
    },
  }
}
