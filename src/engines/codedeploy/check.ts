// Preflight for CODE_DEPLOY services, read-only (GetApplication, GetDeploymentGroup, GetDeploymentConfig): the
// application and deployment group exist and deploy this service, the configuration exists (a custom canary/linear
// one may be absent: the deployment creates it), the AppSpec is usable, and the group keeps the old task set long
// enough to bake and still roll back.
import { GetApplicationCommand, GetDeploymentConfigCommand, GetDeploymentGroupCommand, type DeploymentConfigInfo, type DeploymentGroupInfo } from '@aws-sdk/client-codedeploy'
import type { RegisterTaskDefinitionCommandInput, Service } from '@aws-sdk/client-ecs'
import { nameOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { callProblem, errorName } from '../../aws/errors.js'
import type { CodeDeployEngine } from '../../core/plan.js'
import type { Inputs } from '../../inputs/context.js'
import { formatDuration } from '../../inputs/duration.js'
import { AppSpecError, appSpecFromService, checkAgainstTaskDefinition, readAppSpecFile, type AppSpec } from './appspec.js'

/** The CodeDeploy engine once its preflight passed: what it needs to run is there, by type. */
export type CheckedCodeDeployEngine = CodeDeployEngine & { checked: CodeDeployChecked }

/** What the CodeDeploy engine needs from preflight. */
export interface CodeDeployChecked {
  /** With the task definition still a placeholder. */
  appSpec: AppSpec
  /** Minutes CodeDeploy keeps the old (blue) task set once traffic has moved; undefined when it keeps it (KEEP_ALIVE). */
  terminationWaitMinutes?: number
}

const PREDEFINED =
  'CodeDeployDefault.ECSAllAtOnce, CodeDeployDefault.ECSLinear10PercentEvery1Minutes, CodeDeployDefault.ECSLinear10PercentEvery3Minutes, CodeDeployDefault.ECSCanary10Percent5Minutes, CodeDeployDefault.ECSCanary10Percent15Minutes'

/** CodeDeploy's limit on alarms per deployment (overrideAlarmConfiguration). */
const MAX_ALARMS = 10

export async function checkCodeDeploy(
  clients: Clients,
  inputs: Inputs,
  service: Service,
  engine: CodeDeployEngine,
  taskDefinition: RegisterTaskDefinitionCommandInput | undefined,
  inRegion = '',
): Promise<{ problems: string[]; checked?: CodeDeployChecked }> {
  // By subject, reported in this order whichever call answers first.
  const found = { application: [] as string[], group: [] as string[], config: [] as string[], appSpec: [] as string[], inputs: [] as string[] }
  const { application, deploymentGroup: group } = engine
  const serviceName = service.serviceName ?? inputs.service
  const clusterName = nameOf(inputs.cluster, ':cluster/')
  const defaults = `(the defaults are AppECS-<cluster>-<service> and DgpECS-<cluster>-<service>, here AppECS-${clusterName}-${serviceName} and DgpECS-${clusterName}-${serviceName}; inputs \`codedeploy-application\` and \`codedeploy-deployment-group\` name others)`

  const [app, groupInfo, config, appSpec] = await Promise.all([getApplication(), getGroup(), getConfig(), loadAppSpec()])
  if (app === 'missing') {
    found.application.push(
      `CodeDeploy application \`${application}\` does not exist${inRegion}, so deployment group \`${group}\` cannot deploy service \`${serviceName}\` ${defaults}.`,
    )
  } else if (groupInfo === 'missing') {
    found.group.push(`CodeDeploy deployment group \`${group}\` does not exist in application \`${application}\`${inRegion} ${defaults}.`)
  }
  if (groupInfo && groupInfo !== 'missing') checkGroup(groupInfo)
  if (config && config !== 'missing') checkConfig(config)
  if (appSpec && taskDefinition) found.appSpec.push(...checkAgainstTaskDefinition(appSpec, taskDefinition))
  if (inputs.alarms.length > MAX_ALARMS) {
    found.inputs.push(`Input \`alarms\` names ${inputs.alarms.length} alarms: a CodeDeploy deployment watches at most ${MAX_ALARMS}.`)
  }
  if (engine.config.kind === 'custom' && !Number.isInteger(engine.config.percent)) {
    found.inputs.push(
      `Input \`strategy\`: CodeDeploy shifts whole percents of traffic, not ${engine.config.percent}%: use a whole number such as ${Math.round(engine.config.percent) || 1}%.`,
    )
  }

  const problems = [...found.application, ...found.group, ...found.config, ...found.appSpec, ...found.inputs]
  if (problems.length > 0 || !appSpec || !groupInfo || groupInfo === 'missing') return { problems }
  return { problems, checked: { appSpec, ...terminationWait(groupInfo) } }

  async function getApplication(): Promise<'missing' | undefined | true> {
    try {
      const out = await clients.codedeploy.send(new GetApplicationCommand({ applicationName: application }))
      const platform = out.application?.computePlatform
      if (platform && platform !== 'ECS')
        found.application.push(`CodeDeploy application \`${application}\` is for the ${platform} compute platform: ECS services need an ECS application.`)
      return true
    } catch (err) {
      if (errorName(err) === 'ApplicationDoesNotExistException') return 'missing'
      found.application.push(callProblem('CodeDeploy GetApplication', err))
      return undefined
    }
  }

  async function getGroup(): Promise<DeploymentGroupInfo | 'missing' | undefined> {
    try {
      const out = await clients.codedeploy.send(new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group }))
      return out.deploymentGroupInfo
    } catch (err) {
      if (errorName(err) === 'DeploymentGroupDoesNotExistException' || errorName(err) === 'ApplicationDoesNotExistException') return 'missing'
      found.group.push(callProblem('CodeDeploy GetDeploymentGroup', err))
      return undefined
    }
  }

  async function getConfig(): Promise<DeploymentConfigInfo | 'missing' | undefined> {
    const wanted = engine.config
    if (wanted.kind === 'group-default') return undefined
    try {
      const out = await clients.codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: wanted.name }))
      return out.deploymentConfigInfo
    } catch (err) {
      if (errorName(err) !== 'DeploymentConfigDoesNotExistException') {
        found.config.push(callProblem('CodeDeploy GetDeploymentConfig', err))
        return undefined
      }
      // A custom configuration that is not there yet is created by the deployment.
      if (wanted.kind === 'named') {
        found.config.push(
          `CodeDeploy deployment configuration \`${wanted.name}\` does not exist${inRegion} (input \`deployment-config\`): name an existing one, such as ${PREDEFINED}, or use strategy canary/linear to have one created.`,
        )
      }
      return 'missing'
    }
  }

  async function loadAppSpec(): Promise<AppSpec | undefined> {
    if (!inputs.codeDeploy.appspecFile) {
      const built = appSpecFromService(service)
      if ('problem' in built) {
        found.appSpec.push(built.problem)
        return undefined
      }
      return built
    }
    try {
      return await readAppSpecFile(inputs.codeDeploy.appspecFile)
    } catch (err) {
      if (!(err instanceof AppSpecError)) throw err
      found.appSpec.push(...err.problems)
      return undefined
    }
  }

  function checkGroup(info: DeploymentGroupInfo): void {
    const services = info.ecsServices ?? []
    if (!services.some((s) => s.serviceName === serviceName && s.clusterName !== undefined && nameOf(s.clusterName, ':cluster/') === clusterName)) {
      const deploys = services.map((s) => `${s.clusterName}/${s.serviceName}`).join(', ') || 'no ECS service'
      found.group.push(
        `CodeDeploy deployment group \`${group}\` (application \`${application}\`) deploys ${deploys}, not ${clusterName}/${serviceName}: set \`codedeploy-deployment-group\` to the group of this service.`,
      )
    }
    const wait = terminationWait(info).terminationWaitMinutes
    if (inputs.bakeTimeMs > 0 && wait !== undefined && wait * 60_000 < inputs.bakeTimeMs) {
      found.group.push(
        `CodeDeploy deployment group \`${group}\` deletes the old task set ${wait} minute${wait === 1 ? '' : 's'} after traffic has moved ` +
          `(terminationWaitTimeInMinutes ${wait}), but bake-time is ${formatDuration(inputs.bakeTimeMs)}: the bake needs the old task set to roll back to. ` +
          `Raise the group's termination wait to at least ${Math.ceil(inputs.bakeTimeMs / 60_000)} minutes or shorten bake-time.`,
      )
    }
  }

  function checkConfig(info: DeploymentConfigInfo): void {
    const wanted = engine.config
    if (wanted.kind === 'group-default') return
    if (info.computePlatform && info.computePlatform !== 'ECS') {
      found.config.push(`CodeDeploy deployment configuration \`${wanted.name}\` is for the ${info.computePlatform} compute platform, not ECS.`)
      return
    }
    if (wanted.kind !== 'custom') return
    const routing = info.trafficRoutingConfig
    const got =
      routing?.type === 'TimeBasedCanary'
        ? [routing.timeBasedCanary?.canaryPercentage, routing.timeBasedCanary?.canaryInterval]
        : routing?.type === 'TimeBasedLinear'
          ? [routing.timeBasedLinear?.linearPercentage, routing.timeBasedLinear?.linearInterval]
          : []
    if (routing?.type !== wanted.type || got[0] !== wanted.percent || got[1] !== wanted.intervalMinutes) {
      found.config.push(
        `CodeDeploy deployment configuration \`${wanted.name}\` exists but is not ${wanted.type} ${wanted.percent}% every ${wanted.intervalMinutes} min (it is ${routing?.type ?? 'unknown'} ${got[0] ?? '?'}% / ${got[1] ?? '?'} min): delete it so it is created again, or use deployment-config.`,
      )
    }
  }
}

function terminationWait(info: DeploymentGroupInfo): Pick<CodeDeployChecked, 'terminationWaitMinutes'> {
  const terminate = info.blueGreenDeploymentConfiguration?.terminateBlueInstancesOnDeploymentSuccess
  if (terminate?.action === 'KEEP_ALIVE') return {}
  return { terminationWaitMinutes: terminate?.terminationWaitTimeInMinutes ?? 0 }
}
