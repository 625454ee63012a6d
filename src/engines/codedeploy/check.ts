// Preflight for CODE_DEPLOY services, read-only (GetApplication, GetDeploymentGroup, GetDeploymentConfig): the
// application and deployment group exist and deploy this service, the configuration exists (a custom canary/linear
// one may be absent: the deployment creates it), the AppSpec is usable, and the group keeps the old task set long
// enough to bake and still roll back.
import {
  GetApplicationCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  type BlueGreenDeploymentConfiguration,
  type DeploymentConfigInfo,
  type DeploymentGroupInfo,
} from '@aws-sdk/client-codedeploy'
import type { RegisterTaskDefinitionCommandInput, Service } from '@aws-sdk/client-ecs'
import { nameOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { callProblem, errorName } from '../../aws/errors.js'
import type { CodeDeployConfig, CodeDeployEngine } from '../../core/plan.js'
import type { ServiceInputs } from '../../inputs/context.js'
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
  /** AppSpec hook → Lambda function (input `codedeploy-hooks`). */
  hooks?: Record<string, string>
  /** The group's blue/green configuration: `approval` sets its ready wait for one deployment, then puts it back. */
  blueGreen?: BlueGreenDeploymentConfiguration
  /** The deployment group's production listener: the canary analysis reads its load balancer's metrics. */
  prodListenerArn?: string
}

const PREDEFINED =
  'CodeDeployDefault.ECSAllAtOnce, CodeDeployDefault.ECSLinear10PercentEvery1Minutes, CodeDeployDefault.ECSLinear10PercentEvery3Minutes, CodeDeployDefault.ECSCanary10Percent5Minutes, CodeDeployDefault.ECSCanary10Percent15Minutes'

/** CodeDeploy's limit on alarms per deployment (overrideAlarmConfiguration). */
const MAX_ALARMS = 10

export async function checkCodeDeploy(
  clients: Clients,
  inputs: ServiceInputs,
  service: Service,
  engine: CodeDeployEngine,
  taskDefinition: RegisterTaskDefinitionCommandInput | undefined,
  inRegion = '',
): Promise<{ problems: string[]; checked?: CodeDeployChecked }> {
  const names: Names = {
    application: engine.application,
    group: engine.deploymentGroup,
    serviceName: service.serviceName ?? inputs.service,
    clusterName: nameOf(inputs.cluster, ':cluster/'),
    inRegion,
  }
  const [app, group, config, appSpec] = await Promise.all([
    getApplication(clients, names),
    getGroup(clients, names, inputs.bakeTimeMs),
    checkConfig(clients, engine.config, inRegion),
    loadAppSpec(inputs, service, taskDefinition),
  ])
  // By subject, reported in this order whichever call answers first.
  const problems = [
    ...app.problems,
    ...group.problems,
    // A group missing with its application is said once, by the application.
    ...(group.value === 'missing' && app.value !== 'missing' ? [groupMissing(names)] : []),
    ...config,
    ...appSpec.problems,
    ...inputProblems(inputs, engine),
  ]
  if (problems.length > 0 || !appSpec.value || !group.value || group.value === 'missing') return { problems }
  const blueGreen = group.value.blueGreenDeploymentConfiguration
  const prodListenerArn = group.value.loadBalancerInfo?.targetGroupPairInfoList?.[0]?.prodTrafficRoute?.listenerArns?.[0]
  return { problems, checked: { appSpec: appSpec.value, ...terminationWait(group.value), ...(blueGreen ? { blueGreen } : {}), ...(prodListenerArn ? { prodListenerArn } : {}) } }
}

/** What one check read, when it could, and what it found wrong. */
interface Checked<T> {
  value: T
  problems: string[]
}

/** What the problems name. */
interface Names {
  application: string
  group: string
  serviceName: string
  clusterName: string
  /** ` in us-east-1`, or empty. */
  inRegion: string
}

function defaults({ clusterName, serviceName }: Names): string {
  return `(the defaults are AppECS-<cluster>-<service> and DgpECS-<cluster>-<service>, here AppECS-${clusterName}-${serviceName} and DgpECS-${clusterName}-${serviceName}; inputs \`codedeploy-application\` and \`codedeploy-deployment-group\` name others)`
}

function groupMissing(names: Names): string {
  return `CodeDeploy deployment group \`${names.group}\` does not exist in application \`${names.application}\`${names.inRegion} ${defaults(names)}.`
}

async function getApplication(clients: Clients, names: Names): Promise<Checked<'exists' | 'missing' | 'unknown'>> {
  const { application } = names
  try {
    const out = await clients.codedeploy.send(new GetApplicationCommand({ applicationName: application }))
    const platform = out.application?.computePlatform
    if (platform && platform !== 'ECS')
      return { value: 'exists', problems: [`CodeDeploy application \`${application}\` is for the ${platform} compute platform: ECS services need an ECS application.`] }
    return { value: 'exists', problems: [] }
  } catch (err) {
    if (errorName(err) === 'ApplicationDoesNotExistException') {
      return {
        value: 'missing',
        problems: [
          `CodeDeploy application \`${application}\` does not exist${names.inRegion}, so deployment group \`${names.group}\` cannot deploy service \`${names.serviceName}\` ${defaults(names)}.`,
        ],
      }
    }
    return { value: 'unknown', problems: [callProblem('CodeDeploy GetApplication', err)] }
  }
}

/** 'missing' says nothing: whether it is worth saying depends on the application (see checkCodeDeploy). */
async function getGroup(clients: Clients, names: Names, bakeTimeMs: number): Promise<Checked<DeploymentGroupInfo | 'missing' | undefined>> {
  try {
    const out = await clients.codedeploy.send(new GetDeploymentGroupCommand({ applicationName: names.application, deploymentGroupName: names.group }))
    const info = out.deploymentGroupInfo
    return { value: info, problems: info ? groupProblems(info, names, bakeTimeMs) : [] }
  } catch (err) {
    if (errorName(err) === 'DeploymentGroupDoesNotExistException' || errorName(err) === 'ApplicationDoesNotExistException') return { value: 'missing', problems: [] }
    return { value: undefined, problems: [callProblem('CodeDeploy GetDeploymentGroup', err)] }
  }
}

function groupProblems(info: DeploymentGroupInfo, { application, group, serviceName, clusterName }: Names, bakeTimeMs: number): string[] {
  const problems: string[] = []
  const services = info.ecsServices ?? []
  if (!services.some((s) => s.serviceName === serviceName && s.clusterName !== undefined && nameOf(s.clusterName, ':cluster/') === clusterName)) {
    const deploys = services.map((s) => `${s.clusterName}/${s.serviceName}`).join(', ') || 'no ECS service'
    problems.push(
      `CodeDeploy deployment group \`${group}\` (application \`${application}\`) deploys ${deploys}, not ${clusterName}/${serviceName}: set \`codedeploy-deployment-group\` to the group of this service.`,
    )
  }
  const wait = terminationWait(info).terminationWaitMinutes
  if (bakeTimeMs > 0 && wait !== undefined && wait * 60_000 < bakeTimeMs) {
    problems.push(
      `CodeDeploy deployment group \`${group}\` deletes the old task set ${wait} minute${wait === 1 ? '' : 's'} after traffic has moved ` +
        `(terminationWaitTimeInMinutes ${wait}), but bake-time is ${formatDuration(bakeTimeMs)}: the bake needs the old task set to roll back to. ` +
        `Raise the group's termination wait to at least ${Math.ceil(bakeTimeMs / 60_000)} minutes or shorten bake-time.`,
    )
  }
  return problems
}

/** Only problems: nothing after preflight needs the configuration. */
async function checkConfig(clients: Clients, wanted: CodeDeployConfig, inRegion: string): Promise<string[]> {
  if (wanted.kind === 'group-default') return []
  try {
    const out = await clients.codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: wanted.name }))
    return out.deploymentConfigInfo ? configProblems(out.deploymentConfigInfo, wanted) : []
  } catch (err) {
    if (errorName(err) !== 'DeploymentConfigDoesNotExistException') return [callProblem('CodeDeploy GetDeploymentConfig', err)]
    // A custom configuration that is not there yet is created by the deployment.
    if (wanted.kind !== 'named') return []
    return [
      `CodeDeploy deployment configuration \`${wanted.name}\` does not exist${inRegion} (input \`deployment-config\`): name an existing one, such as ${PREDEFINED}, or use strategy canary/linear to have one created.`,
    ]
  }
}

function configProblems(info: DeploymentConfigInfo, wanted: Exclude<CodeDeployConfig, { kind: 'group-default' }>): string[] {
  if (info.computePlatform && info.computePlatform !== 'ECS') {
    return [`CodeDeploy deployment configuration \`${wanted.name}\` is for the ${info.computePlatform} compute platform, not ECS.`]
  }
  if (wanted.kind !== 'custom') return []
  const routing = info.trafficRoutingConfig
  const got =
    routing?.type === 'TimeBasedCanary'
      ? [routing.timeBasedCanary?.canaryPercentage, routing.timeBasedCanary?.canaryInterval]
      : routing?.type === 'TimeBasedLinear'
        ? [routing.timeBasedLinear?.linearPercentage, routing.timeBasedLinear?.linearInterval]
        : []
  if (routing?.type === wanted.type && got[0] === wanted.percent && got[1] === wanted.intervalMinutes) return []
  return [
    `CodeDeploy deployment configuration \`${wanted.name}\` exists but is not ${wanted.type} ${wanted.percent}% every ${wanted.intervalMinutes} min (it is ${routing?.type ?? 'unknown'} ${got[0] ?? '?'}% / ${got[1] ?? '?'} min): delete it so it is created again, or use deployment-config.`,
  ]
}

/** The AppSpec (from the file, or built from the service) and, when there is a new task definition, whether they agree. */
async function loadAppSpec(inputs: ServiceInputs, service: Service, taskDefinition: RegisterTaskDefinitionCommandInput | undefined): Promise<Checked<AppSpec | undefined>> {
  let appSpec: AppSpec
  if (!inputs.codeDeploy.appspecFile) {
    const built = appSpecFromService(service)
    if ('problem' in built) return { value: undefined, problems: [built.problem] }
    appSpec = built
  } else {
    try {
      appSpec = await readAppSpecFile(inputs.codeDeploy.appspecFile)
    } catch (err) {
      if (!(err instanceof AppSpecError)) throw err
      return { value: undefined, problems: [...err.problems] }
    }
  }
  return { value: appSpec, problems: taskDefinition ? checkAgainstTaskDefinition(appSpec, taskDefinition) : [] }
}

function inputProblems(inputs: ServiceInputs, engine: CodeDeployEngine): string[] {
  const problems: string[] = []
  if (inputs.alarms.length > MAX_ALARMS) {
    problems.push(`Input \`alarms\` names ${inputs.alarms.length} alarms: a CodeDeploy deployment watches at most ${MAX_ALARMS}.`)
  }
  if (engine.config.kind === 'custom' && !Number.isInteger(engine.config.percent)) {
    problems.push(
      `Input \`strategy\`: CodeDeploy shifts whole percents of traffic, not ${engine.config.percent}%: use a whole number such as ${Math.round(engine.config.percent) || 1}%.`,
    )
  }
  return problems
}

function terminationWait(info: DeploymentGroupInfo): Pick<CodeDeployChecked, 'terminationWaitMinutes'> {
  const terminate = info.blueGreenDeploymentConfiguration?.terminateBlueInstancesOnDeploymentSuccess
  if (terminate?.action === 'KEEP_ALIVE') return {}
  return { terminationWaitMinutes: terminate?.terminationWaitTimeInMinutes ?? 0 }
}
