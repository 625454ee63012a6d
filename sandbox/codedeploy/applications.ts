// Applications and deployment groups (ECS compute platform): Create/Get, and the checks CodeDeploy makes of
// an ECS blue/green deployment group (one CODE_DEPLOY service, one target group pair, BLUE_GREEN with traffic control).
import type { JsonObject } from '../types.js'
import { DEFAULT_CONFIG, getEcsConfig } from './configs.js'
import type { AlarmConfiguration, Application, AutoRollback, Ctx, DeploymentGroup, TargetGroupPair } from './state.js'
import { cdError, newUuid, optionalName, optionalObj, requireName, toEpochSeconds } from './validate.js'

const NAME = /^[\w.+@=,-]{1,100}$/

export function getApplication(ctx: Ctx, name: string): Application {
  const app = ctx.state.applications.get(name)
  if (!app) throw cdError('ApplicationDoesNotExistException', `No application found for name: ${name}`)
  return app
}

export function getGroup(ctx: Ctx, application: string, name: string): DeploymentGroup {
  getApplication(ctx, application)
  const g = ctx.state.groups.get(`${application}/${name}`)
  if (!g) throw cdError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`)
  return g
}

export function createApplication(ctx: Ctx, input: JsonObject): JsonObject {
  const name = requireName(input, 'applicationName', 'ApplicationNameRequiredException')
  if (!NAME.test(name)) throw cdError('InvalidApplicationNameException', `The application name ${name} is not valid.`)
  if (ctx.state.applications.has(name)) throw cdError('ApplicationAlreadyExistsException', `${name} already exists in your account`)
  const platform = optionalName(input, 'computePlatform') ?? 'Server'
  if (platform !== 'ECS') {
    if (platform !== 'Server' && platform !== 'Lambda') throw cdError('InvalidComputePlatformException', `computePlatform must be Server, Lambda or ECS, got ${platform}.`)
    throw cdError('InvalidComputePlatformException', `The sandbox emulates CodeDeploy for the ECS compute platform only (got ${platform}).`)
  }
  const app: Application = { id: newUuid(), name, computePlatform: 'ECS', createTime: ctx.deps.clock.now() }
  ctx.state.applications.set(name, app)
  return { applicationId: app.id }
}

export function getApplicationOp(ctx: Ctx, input: JsonObject): JsonObject {
  const app = getApplication(ctx, requireName(input, 'applicationName', 'ApplicationNameRequiredException'))
  return {
    application: { applicationId: app.id, applicationName: app.name, createTime: toEpochSeconds(app.createTime), linkedToGitHub: false, computePlatform: app.computePlatform },
  }
}

export function listApplications(ctx: Ctx): JsonObject {
  return { applications: [...ctx.state.applications.keys()].sort() }
}

const ROLLBACK_EVENTS = new Set(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'])

export function parseAutoRollback(raw: JsonObject | undefined): AutoRollback | undefined {
  if (!raw) return undefined
  const events = raw.events ?? []
  if (!Array.isArray(events) || !events.every((e) => ROLLBACK_EVENTS.has(e as string))) {
    throw cdError('InvalidAutoRollbackConfigException', `autoRollbackConfiguration.events must be among ${[...ROLLBACK_EVENTS].join(', ')}.`)
  }
  const enabled = raw.enabled === true
  if (enabled && events.length === 0) throw cdError('InvalidAutoRollbackConfigException', 'Auto rollback is enabled but no events are given.')
  return { enabled, events: events as string[] }
}

export function parseAlarms(raw: JsonObject | undefined): AlarmConfiguration | undefined {
  if (!raw) return undefined
  const alarms = raw.alarms ?? []
  if (!Array.isArray(alarms) || !alarms.every((a) => typeof (a as JsonObject)?.name === 'string')) {
    throw cdError('InvalidAlarmConfigException', 'alarmConfiguration.alarms must be a list of {name}.')
  }
  if (alarms.length > 10) throw cdError('AlarmsLimitExceededException', 'The maximum number of alarms for a deployment group (10) was exceeded.')
  const enabled = raw.enabled === true
  if (enabled && alarms.length === 0) throw cdError('InvalidAlarmConfigException', 'The alarm configuration is enabled but has no alarms.')
  return { enabled, ignorePollAlarmFailure: raw.ignorePollAlarmFailure === true, alarms: (alarms as JsonObject[]).map((a) => ({ name: a.name as string })) }
}

function parsePair(raw: JsonObject | undefined): TargetGroupPair {
  const list = raw?.targetGroupPairInfoList
  if (!Array.isArray(list) || list.length !== 1) {
    throw cdError('InvalidTargetGroupPairException', 'An ECS deployment group needs loadBalancerInfo.targetGroupPairInfoList with exactly one target group pair.')
  }
  const pair = list[0] as JsonObject
  const groups = pair.targetGroups
  if (!Array.isArray(groups) || groups.length !== 2 || !groups.every((g) => typeof (g as JsonObject)?.name === 'string')) {
    throw cdError('InvalidTargetGroupPairException', 'A target group pair needs exactly two targetGroups, each with a name.')
  }
  const route = (r: unknown, key: string) => {
    if (r === undefined || r === null) return undefined
    const arns = (r as JsonObject).listenerArns
    if (!Array.isArray(arns) || arns.length !== 1 || typeof arns[0] !== 'string')
      throw cdError('InvalidTargetGroupPairException', `${key}.listenerArns must hold one listener ARN.`)
    return { listenerArns: arns as string[] }
  }
  const prod = route(pair.prodTrafficRoute, 'prodTrafficRoute')
  if (!prod) throw cdError('InvalidTargetGroupPairException', 'A target group pair needs a prodTrafficRoute.')
  const test = route(pair.testTrafficRoute, 'testTrafficRoute')
  return { targetGroups: (groups as JsonObject[]).map((g) => ({ name: g.name as string })), prodTrafficRoute: prod, ...(test ? { testTrafficRoute: test } : {}) }
}

function parseBlueGreen(raw: JsonObject | undefined): JsonObject {
  if (!raw) throw cdError('InvalidBlueGreenDeploymentConfigurationException', 'An ECS deployment group needs a blueGreenDeploymentConfiguration.')
  const term = (raw.terminateBlueInstancesOnDeploymentSuccess ?? {}) as JsonObject
  const ready = (raw.deploymentReadyOption ?? {}) as JsonObject
  const wait = term.terminationWaitTimeInMinutes ?? 0
  if (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > 2880) {
    throw cdError('InvalidBlueGreenDeploymentConfigurationException', 'terminationWaitTimeInMinutes must be from 0 to 2880.')
  }
  const actionOnTimeout = ready.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT'
  if (actionOnTimeout !== 'CONTINUE_DEPLOYMENT' && actionOnTimeout !== 'STOP_DEPLOYMENT') {
    throw cdError('InvalidBlueGreenDeploymentConfigurationException', 'deploymentReadyOption.actionOnTimeout must be CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT.')
  }
  return {
    terminateBlueInstancesOnDeploymentSuccess: { action: term.action ?? 'TERMINATE', terminationWaitTimeInMinutes: wait },
    deploymentReadyOption: { actionOnTimeout, waitTimeInMinutes: typeof ready.waitTimeInMinutes === 'number' ? ready.waitTimeInMinutes : 0 },
  }
}

export function createDeploymentGroup(ctx: Ctx, input: JsonObject): JsonObject {
  const appName = requireName(input, 'applicationName', 'ApplicationNameRequiredException')
  getApplication(ctx, appName)
  const name = requireName(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException')
  if (!NAME.test(name)) throw cdError('InvalidDeploymentGroupNameException', `The deployment group name ${name} is not valid.`)
  if (ctx.state.groups.has(`${appName}/${name}`)) {
    throw cdError('DeploymentGroupAlreadyExistsException', `A deployment group named ${name} already exists for the application ${appName}.`)
  }
  const serviceRoleArn = requireName(input, 'serviceRoleArn', 'RoleRequiredException')
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\//.test(serviceRoleArn)) throw cdError('InvalidRoleException', `The service role ${serviceRoleArn} is not an IAM role ARN.`)
  const configName = optionalName(input, 'deploymentConfigName') ?? DEFAULT_CONFIG
  getEcsConfig(ctx, configName)

  const style = optionalObj(input, 'deploymentStyle', 'InvalidDeploymentStyleException')
  if (style?.deploymentType !== 'BLUE_GREEN' || style.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
    throw cdError('InvalidDeploymentStyleException', 'An ECS deployment group must have deploymentStyle {deploymentType: BLUE_GREEN, deploymentOption: WITH_TRAFFIC_CONTROL}.')
  }
  const services = input.ecsServices
  if (!Array.isArray(services) || services.length !== 1) throw cdError('InvalidECSServiceException', 'An ECS deployment group needs exactly one entry in ecsServices.')
  const svc = services[0] as JsonObject
  if (typeof svc?.serviceName !== 'string' || typeof svc.clusterName !== 'string') {
    throw cdError('InvalidECSServiceException', 'ecsServices entries need serviceName and clusterName.')
  }
  const ecsService = { serviceName: svc.serviceName, clusterName: svc.clusterName }
  const view = ctx.deps.ecs.service(ecsService.clusterName, ecsService.serviceName)
  if (!view) throw cdError('InvalidECSServiceException', `The ECS service ${ecsService.serviceName} in cluster ${ecsService.clusterName} does not exist.`)
  if (view.controller !== 'CODE_DEPLOY') {
    throw cdError('InvalidECSServiceException', `Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller: ${ecsService.serviceName}.`)
  }
  for (const g of ctx.state.groups.values()) {
    if (g.ecsService.serviceName === ecsService.serviceName && g.ecsService.clusterName === ecsService.clusterName) {
      throw cdError(
        'ECSServiceMappingLimitExceededException',
        `The ECS service ${ecsService.clusterName}:${ecsService.serviceName} is already associated with deployment group ${g.name}.`,
      )
    }
  }
  const group: DeploymentGroup = {
    id: newUuid(),
    applicationName: appName,
    name,
    serviceRoleArn,
    deploymentConfigName: configName,
    ecsService,
    targetGroupPair: parsePair(optionalObj(input, 'loadBalancerInfo', 'InvalidLoadBalancerInfoException')),
    blueGreen: parseBlueGreen(optionalObj(input, 'blueGreenDeploymentConfiguration', 'InvalidBlueGreenDeploymentConfigurationException')),
    autoRollback: parseAutoRollback(optionalObj(input, 'autoRollbackConfiguration', 'InvalidAutoRollbackConfigException')) ?? { enabled: false, events: [] },
    alarms: parseAlarms(optionalObj(input, 'alarmConfiguration', 'InvalidAlarmConfigException')) ?? { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
  }
  ctx.state.groups.set(`${appName}/${name}`, group)
  return { deploymentGroupId: group.id }
}

function deploymentSummary(ctx: Ctx, id: string | undefined): JsonObject | undefined {
  const d = id === undefined ? undefined : ctx.state.deployments.get(id)
  if (!d) return undefined
  return {
    deploymentId: d.id,
    status: d.status,
    createTime: toEpochSeconds(d.createTime),
    ...(d.completeTime !== undefined ? { endTime: toEpochSeconds(d.completeTime) } : {}),
  }
}

export function getDeploymentGroup(ctx: Ctx, input: JsonObject): JsonObject {
  const appName = requireName(input, 'applicationName', 'ApplicationNameRequiredException')
  const g = getGroup(ctx, appName, requireName(input, 'deploymentGroupName', 'DeploymentGroupNameRequiredException'))
  const attempted = deploymentSummary(ctx, g.lastAttempted)
  const successful = deploymentSummary(ctx, g.lastSuccessful)
  return {
    deploymentGroupInfo: {
      applicationName: g.applicationName,
      deploymentGroupId: g.id,
      deploymentGroupName: g.name,
      deploymentConfigName: g.deploymentConfigName,
      ec2TagFilters: [],
      onPremisesInstanceTagFilters: [],
      autoScalingGroups: [],
      serviceRoleArn: g.serviceRoleArn,
      triggerConfigurations: [],
      alarmConfiguration: g.alarms,
      autoRollbackConfiguration: g.autoRollback,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: g.blueGreen,
      loadBalancerInfo: { targetGroupPairInfoList: [g.targetGroupPair] },
      ...(attempted ? { lastAttemptedDeployment: attempted } : {}),
      ...(successful ? { lastSuccessfulDeployment: successful } : {}),
      computePlatform: 'ECS',
      ecsServices: [g.ecsService],
      terminationHookEnabled: false,
    },
  }
}

export function listDeploymentGroups(ctx: Ctx, input: JsonObject): JsonObject {
  const appName = requireName(input, 'applicationName', 'ApplicationNameRequiredException')
  getApplication(ctx, appName)
  const names = [...ctx.state.groups.values()]
    .filter((g) => g.applicationName === appName)
    .map((g) => g.name)
    .sort()
  return { applicationName: appName, deploymentGroups: names }
}

/** What UpdateDeploymentGroup changes in the emulation: the blue/green configuration (ready wait, termination wait). */
const UPDATABLE = new Set(['applicationName', 'currentDeploymentGroupName', 'blueGreenDeploymentConfiguration'])

/**
 * UpdateDeploymentGroup. A deployment keeps the blue/green configuration it was created with (CreateDeployment takes
 * the group's), so a change applies to later deployments only. Other settings are not emulated yet.
 */
export function updateDeploymentGroup(ctx: Ctx, input: JsonObject): JsonObject {
  const appName = requireName(input, 'applicationName', 'ApplicationNameRequiredException')
  const g = getGroup(ctx, appName, requireName(input, 'currentDeploymentGroupName', 'DeploymentGroupNameRequiredException'))
  const other = Object.keys(input).filter((k) => !UPDATABLE.has(k))
  if (other.length > 0) throw cdError('InvalidInputException', `The sandbox emulates UpdateDeploymentGroup of blueGreenDeploymentConfiguration only, not ${other.join(', ')}.`)
  const blueGreen = optionalObj(input, 'blueGreenDeploymentConfiguration', 'InvalidBlueGreenDeploymentConfigurationException')
  if (blueGreen) g.blueGreen = parseBlueGreen(blueGreen)
  return { hooksNotCleanedUp: [] }
}
