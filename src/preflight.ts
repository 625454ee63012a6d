// Before anything changes: read-only calls that check the cluster, the service, the task definition to register and
// the alarms, and report every problem together, so one run tells the user everything to fix.
import { DescribeAlarmsCommand, type DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch'
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service,
} from '@aws-sdk/client-ecs'
import type { Clients } from './aws-clients.js'
import type { Inputs } from './context.js'
import { fromDescribed, readTaskDefinitionFile, RenderError, renderTaskDefinition, type Rendered } from './render.js'

export class PreflightError extends Error {
  constructor(readonly problems: string[]) {
    super(`Preflight found ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}:\n${problems.map((p) => `- ${p}`).join('\n')}`)
    this.name = 'PreflightError'
  }
}

export interface Preflight {
  clusterArn: string
  /** The service as DescribeServices (include TAGS) returned it. */
  service: Service
  currentTaskDefinitionArn: string
  /** Rendered: ready for RegisterTaskDefinition. */
  taskDefinition: RegisterTaskDefinitionCommandInput
  containerName: string
  image?: string
  alarms: string[]
  /**
   * Set when another deployment is still under way: the service has more than one deployment, or its PRIMARY is
   * IN_PROGRESS. Starting ours on top would make ECS replace it mid-flight and blur which deployment failed, so main
   * waits for this one to settle first. `deploymentId` is the PRIMARY's.
   */
  inProgress?: { deploymentId: string; rolloutState?: string }
}

// The deployment controllers and service strategies other than these arrive with later strategies.
const SUPPORTED_CONTROLLER = 'ECS'
const SUPPORTED_SERVICE_STRATEGY = 'ROLLING'
// DescribeAlarms takes at most 100 names per call.
const ALARM_BATCH = 100

/** A failed AWS call as one problem line: which call, what AWS said, and what usually fixes it. */
function callProblem(call: string, err: unknown): string {
  const name = (err as { name?: string }).name ?? 'Error'
  // Network failures arrive wrapped ("AWS SDK error wrapper for Error: connect ECONNREFUSED …").
  const message = ((err as { message?: string }).message ?? String(err)).replace(/^AWS SDK error wrapper for /, '').replace(/\.$/, '')
  let hint = ''
  if (name === 'CredentialsProviderError' || ['UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredTokenException', 'ExpiredToken'].includes(name)) {
    hint = ' Check the AWS credentials (for example aws-actions/configure-aws-credentials before this step).'
  } else if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    hint = ` The role needs permission for ${call}.`
  }
  return `${call} failed: ${message.startsWith(`${name}:`) ? message : `${name}: ${message}`}.${hint}`
}

export async function preflight(clients: Clients, inputs: Inputs): Promise<Preflight> {
  // Problems by subject, reported in this order whichever call answers first.
  const found = { cluster: [] as string[], service: [] as string[], taskDefinition: [] as string[], alarms: [] as string[] }
  const region = await clients.ecs.config.region().catch(() => undefined)
  const inRegion = region ? ` in ${region}` : ''

  const [clusterArn, alarms, file] = await Promise.all([
    checkCluster(),
    checkAlarms(),
    inputs.taskDefinitionFile ? loadFile(inputs.taskDefinitionFile) : undefined,
  ])

  const service = clusterArn !== undefined ? await checkService() : undefined
  let base: RegisterTaskDefinitionCommandInput | undefined = file
  let where = `task definition file \`${inputs.taskDefinitionFile}\``
  if (!inputs.taskDefinitionFile && service?.taskDefinition) {
    where = `the service's task definition \`${service.taskDefinition.split('/').pop()}\``
    base = await describeTaskDefinition(service.taskDefinition)
  }
  let rendered: Rendered | undefined
  if (base) {
    try {
      rendered = renderTaskDefinition(base, { image: inputs.image, containerName: inputs.containerName }, where)
    } catch (err) {
      if (!(err instanceof RenderError)) throw err
      found.taskDefinition.push(...err.problems)
    }
  }

  const problems = [...found.cluster, ...found.service, ...found.taskDefinition, ...found.alarms]
  if (problems.length > 0 || !clusterArn || !service?.taskDefinition || !rendered) {
    // Every path that leaves one of these unset has recorded why.
    throw new PreflightError(problems)
  }
  return {
    clusterArn,
    service,
    currentTaskDefinitionArn: service.taskDefinition,
    taskDefinition: rendered.taskDefinition,
    containerName: rendered.containerName,
    ...(inputs.image !== undefined ? { image: inputs.image } : {}),
    alarms,
    ...inProgress(service),
  }

  async function checkCluster(): Promise<string | undefined> {
    try {
      const out = await clients.ecs.send(new DescribeClustersCommand({ clusters: [inputs.cluster] }))
      const cluster = out.clusters?.[0]
      if (!cluster?.clusterArn) {
        const reason = out.failures?.[0]?.reason
        found.cluster.push(`Cluster \`${inputs.cluster}\` was not found${inRegion}${reason && reason !== 'MISSING' ? ` (${reason})` : ''}.`)
        return undefined
      }
      if (cluster.status !== 'ACTIVE') {
        found.cluster.push(`Cluster \`${inputs.cluster}\` is ${cluster.status ?? 'in an unknown state'}: expected ACTIVE.`)
        return undefined
      }
      return cluster.clusterArn
    } catch (err) {
      found.cluster.push(callProblem('ECS DescribeClusters', err))
      return undefined
    }
  }

  async function checkService(): Promise<Service | undefined> {
    let service: Service | undefined
    try {
      const out = await clients.ecs.send(
        new DescribeServicesCommand({ cluster: inputs.cluster, services: [inputs.service], include: ['TAGS'] }),
      )
      service = out.services?.[0]
      if (!service) {
        const reason = out.failures?.[0]?.reason
        found.service.push(`Service \`${inputs.service}\` was not found in cluster \`${inputs.cluster}\`${inRegion}${reason && reason !== 'MISSING' ? ` (${reason})` : ''}.`)
        return undefined
      }
    } catch (err) {
      found.service.push(callProblem('ECS DescribeServices', err))
      return undefined
    }
    const name = `Service \`${service.serviceName ?? inputs.service}\``
    if (service.status !== 'ACTIVE') {
      found.service.push(`${name} is ${service.status ?? 'in an unknown state'}: expected ACTIVE (a DRAINING or INACTIVE service is being deleted).`)
    }
    const controller = service.deploymentController?.type ?? SUPPORTED_CONTROLLER
    if (controller !== SUPPORTED_CONTROLLER) {
      found.service.push(
        `${name} uses the ${controller} deployment controller: ecs-safe-deploy deploys services with the ECS controller ` +
          `(strategy auto or rolling); support for ${controller} services arrives with a later release.`,
      )
    } else {
      // The deploy keeps the service's deploymentConfiguration, so a non-ROLLING service strategy would make ECS run
      // that strategy even for `rolling`; refuse it until those strategies are supported.
      const serviceStrategy = service.deploymentConfiguration?.strategy ?? SUPPORTED_SERVICE_STRATEGY
      if (serviceStrategy !== SUPPORTED_SERVICE_STRATEGY) {
        found.service.push(
          `${name} is set up for ECS ${serviceStrategy} deployments (deploymentConfiguration.strategy), and strategy ` +
            `\`${inputs.strategy}\` would deploy it that way: ${serviceStrategy} deployments arrive with a later release; ` +
            `until then ecs-safe-deploy deploys services whose strategy is ROLLING.`,
        )
      }
    }
    if (!service.taskDefinition) found.service.push(`${name} has no task definition.`)
    return service
  }

  async function describeTaskDefinition(arn: string): Promise<RegisterTaskDefinitionCommandInput | undefined> {
    try {
      const out = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }))
      if (!out.taskDefinition) {
        found.taskDefinition.push(`ECS DescribeTaskDefinition returned no task definition for \`${arn}\`.`)
        return undefined
      }
      return fromDescribed(out.taskDefinition, out.tags)
    } catch (err) {
      found.taskDefinition.push(callProblem('ECS DescribeTaskDefinition', err))
      return undefined
    }
  }

  async function loadFile(path: string): Promise<RegisterTaskDefinitionCommandInput | undefined> {
    try {
      return await readTaskDefinitionFile(path)
    } catch (err) {
      if (!(err instanceof RenderError)) throw err
      found.taskDefinition.push(...err.problems)
      return undefined
    }
  }

  async function checkAlarms(): Promise<string[]> {
    const existing = new Set<string>()
    try {
      for (let i = 0; i < inputs.alarms.length; i += ALARM_BATCH) {
        const AlarmNames = inputs.alarms.slice(i, i + ALARM_BATCH)
        let NextToken: string | undefined
        do {
          const out: DescribeAlarmsCommandOutput = await clients.cloudwatch.send(
            new DescribeAlarmsCommand({ AlarmNames, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100, NextToken }),
          )
          for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
            if (alarm.AlarmName) existing.add(alarm.AlarmName)
          }
          NextToken = out.NextToken
        } while (NextToken)
      }
    } catch (err) {
      found.alarms.push(callProblem('CloudWatch DescribeAlarms', err))
      return inputs.alarms
    }
    const missing = inputs.alarms.filter((a) => !existing.has(a))
    if (missing.length > 0) {
      found.alarms.push(
        `Input \`alarms\`: ${missing.length === 1 ? 'alarm' : 'alarms'} ${missing.map((a) => `\`${a}\``).join(', ')} ` +
          `${missing.length === 1 ? 'does' : 'do'} not exist in CloudWatch${inRegion} (names are case-sensitive).`,
      )
    }
    return inputs.alarms
  }
}

function inProgress(service: Service): Pick<Preflight, 'inProgress'> {
  const deployments = service.deployments ?? []
  const primary = deployments.find((d) => d.status === 'PRIMARY')
  if (deployments.length <= 1 && primary?.rolloutState !== 'IN_PROGRESS') return {}
  const current = primary ?? deployments[0]
  return { inProgress: { deploymentId: current?.id ?? 'unknown', ...(current?.rolloutState ? { rolloutState: current.rolloutState } : {}) } }
}
