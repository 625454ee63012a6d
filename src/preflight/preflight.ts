// Before anything changes: read-only calls that check the cluster, the service, the image, the task definition to
// register and the alarms, and report every problem together, so one run tells the user everything to fix.
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs'
import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr'
import { revisionOf } from '../aws/arn.js'
import { createClients, type Clients } from '../aws/clients.js'
import { callProblem, errorName } from '../aws/errors.js'
import { composeTags } from '../build/build-image.js'
import { accountRegistry, parseEcrRegistry, parseImageRef, resolveImage, type ImageRef } from '../build/image-ref.js'
import type { Engine, NativeEngine, RollingEngine } from '../core/plan.js'
import { chooseEngine } from '../engines/choose.js'
import { checkCodeDeploy, type CheckedCodeDeployEngine } from '../engines/codedeploy/check.js'
import { checkNative } from '../engines/ecs-native/check.js'
import { checkRolling } from '../engines/rolling/check.js'
import type { Inputs } from '../inputs/context.js'
import { InputProblem } from '../inputs/problem.js'
import { fromDescribed, readTaskDefinitionFile, RenderError, renderTaskDefinition, type Rendered } from '../render/task-definition.js'
import { readAlarms, type AlarmState } from '../watch/alarms.js'
import { codeDeployOnlyInputProblems } from './codedeploy-inputs.js'
import { buildFileProblems, taskDefinitionPathProblems } from './file-checks.js'
import { checkLogGroups, sizeProblem } from './task-definition-checks.js'
import { direct } from '../watch/stopped-tasks.js'
import { resolveTarget, type ExistingTarget } from './rollback-target.js'

export class PreflightError extends Error {
  constructor(readonly problems: string[]) {
    super(`Preflight found ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}:\n${problems.map((p) => `- ${p}`).join('\n')}`)
    this.name = 'PreflightError'
  }
}

/** The engine with what its own checks found. */
export type CheckedEngine = RollingEngine | NativeEngine | CheckedCodeDeployEngine

export interface Preflight {
  clusterArn: string
  /** The service as DescribeServices (include TAGS) returned it. */
  service: Service
  currentTaskDefinitionArn: string
  /** The service's current task definition (what the deployment replaces), when it could be read. */
  previousTaskDefinition?: RegisterTaskDefinitionCommandInput | TaskDefinition
  /** Rendered: ready for RegisterTaskDefinition. */
  taskDefinition: RegisterTaskDefinitionCommandInput
  containerName: string
  /**
   * The image rendered into the task definition. An ECR image is pinned by digest (`repository@sha256:...`, which
   * also proves it exists); any other image is as given. When building: the first tag to push, until main renders
   * the pushed digest.
   */
  image?: string
  /** When building: the ECR registry to log in to and push to. */
  push?: PushTarget
  alarms: string[]
  /** Alarms already in ALARM before anything changed: reported, not refused (a hotfix during an incident must go out). */
  alarmsFiring: string[]
  /** Things worth saying that do not stop the run. */
  warnings: string[]
  /** How this deployment runs: rolling, ECS blue/green/canary/linear, or CodeDeploy with what its checks found. */
  engine: CheckedEngine
  /**
   * Set when another deployment is still under way: the service has more than one deployment, or its PRIMARY is
   * IN_PROGRESS. Starting ours on top would make ECS replace it mid-flight and blur which deployment failed, so main
   * waits for this one to settle first. `deploymentId` is the PRIMARY's.
   */
  inProgress?: { deploymentId: string; rolloutState?: string }
  /**
   * A registered revision (`rollback-to`, `task-definition` naming one, or an explicit redeploy): deployed as it is
   * when `asIs`, else `image` was put into a new revision of it. See ./rollback-target.ts.
   */
  existing?: ExistingTarget & { asIs: boolean }
}

/** An ECR registry: where a build is pushed, or where an image to deploy is looked up. */
export interface PushTarget {
  /** Registry host, as docker names it. */
  registry: string
  /** Account of a registry named `<account>.dkr.ecr.<region>.amazonaws.com`: the login asks for its token. */
  registryId?: string
  /** The registry's region when it is named; the login asks that region's ECR. */
  region?: string
}

export async function preflight(clients: Clients, inputs: Inputs): Promise<Preflight> {
  // Problems by subject, reported in this order whichever call answers first.
  const found = { cluster: [] as string[], service: [] as string[], build: [] as string[], image: [] as string[], taskDefinition: [] as string[], alarms: [] as string[] }
  // Checked before any call: a typo in a path must not wait for (or follow) an ECR login and a docker build.
  if (inputs.build) found.build.push(...buildFileProblems(inputs.build))
  const warnings: string[] = []
  const region = await clients.ecs.config.region().catch(() => undefined)
  const inRegion = region ? ` in ${region}` : ''
  const firing: string[] = []

  const [clusterArn, alarms, file, image] = await Promise.all([
    checkCluster(),
    checkAlarms(),
    inputs.taskDefinitionFile ? loadFile(inputs.taskDefinitionFile) : undefined,
    inputs.image !== undefined ? checkImage(inputs.image) : undefined,
  ])

  let engine: Engine | undefined
  const service = clusterArn !== undefined ? await checkService() : undefined
  const resolved = service?.taskDefinition ? await resolveTarget(clients, inputs, service, engine) : undefined
  found.taskDefinition.push(...(resolved?.problems ?? []))
  const existing = resolved?.target ? { ...resolved.target, asIs: resolved.asIs } : undefined
  let base: RegisterTaskDefinitionCommandInput | undefined = file
  let where = `task definition file \`${inputs.taskDefinitionFile}\``
  if (existing) {
    where = `task definition \`${revisionOf(existing.arn, '?')}\``
    base = fromDescribed(existing.taskDefinition, existing.tags)
  } else if (!inputs.taskDefinitionFile && service?.taskDefinition) {
    where = `the service's task definition \`${revisionOf(service.taskDefinition, '?')}\``
    base = await describeTaskDefinition(service.taskDefinition)
  }
  // The revision this deployment replaces, for "what changed" only: not reading it is no problem. Already read when it
  // is the base, or the revision named (a redeploy of the running one).
  const previous =
    base && !inputs.taskDefinitionFile && !existing
      ? base
      : existing && existing.arn === service?.taskDefinition
        ? existing.taskDefinition
        : service?.taskDefinition
          ? await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition })).then(
              (o) => o.taskDefinition,
              () => undefined,
            )
          : undefined
  let rendered: Rendered | undefined
  // Without a usable image there is still a container to choose: the reference as given stands in for it.
  const renderImage = image?.image ?? (inputs.build ? undefined : inputs.image)
  if (base && (renderImage !== undefined || inputs.image === undefined)) {
    try {
      rendered = renderTaskDefinition(base, { image: renderImage, containerName: inputs.containerName }, where)
    } catch (err) {
      if (!(err instanceof RenderError)) throw err
      found.taskDefinition.push(...err.problems)
    }
  }
  if (rendered) {
    const tooBig = sizeProblem(rendered.taskDefinition, where)
    if (tooBig) found.taskDefinition.push(tooBig)
    const logGroups = await checkLogGroups(clients, rendered.taskDefinition, region, where)
    found.taskDefinition.push(...logGroups.problems)
    warnings.push(...logGroups.warnings)
  }

  let checkedEngine: CheckedEngine | undefined = engine?.kind === 'codedeploy' ? undefined : engine
  if (engine?.kind === 'codedeploy' && service) {
    const checked = await checkCodeDeploy(clients, inputs, service, engine, rendered?.taskDefinition, inRegion)
    found.service.push(...checked.problems)
    if (checked.checked) checkedEngine = { ...engine, checked: checked.checked }
  }

  const problems = [...found.cluster, ...found.service, ...found.build, ...found.image, ...found.taskDefinition, ...found.alarms]
  if (problems.length > 0 || !clusterArn || !service?.taskDefinition || !rendered || !checkedEngine) {
    // Every path that leaves one of these unset has recorded why.
    throw new PreflightError(problems)
  }
  return {
    clusterArn,
    service,
    currentTaskDefinitionArn: service.taskDefinition,
    ...(previous ? { previousTaskDefinition: previous } : {}),
    taskDefinition: rendered.taskDefinition,
    containerName: rendered.containerName,
    ...(image ? { image: image.image } : {}),
    ...(image?.push ? { push: image.push } : {}),
    alarms,
    alarmsFiring: firing,
    warnings: [...(firing.length > 0 ? [alarmsFiringWarning(firing, checkedEngine)] : []), ...warnings],
    engine: checkedEngine,
    ...(existing ? { existing } : {}),
    // CodeDeploy refuses a second deployment in the group itself; ECS deployments say nothing about it.
    ...(checkedEngine.kind === 'codedeploy' ? {} : inProgress(service)),
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
      const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: inputs.cluster, services: [inputs.service], include: ['TAGS'] }))
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
    const chosen = chooseEngine(inputs.strategy, service, inputs.codeDeploy, inputs.cluster)
    if ('problem' in chosen) found.service.push(chosen.problem)
    else engine = chosen.engine
    found.service.push(...codeDeployOnlyInputProblems(inputs.codeDeploy, service))
    if (engine?.kind === 'ecs-native') found.service.push(...checkNative(service, engine, inputs.bakeTimeMs))
    if (engine?.kind === 'rolling') found.service.push(...checkRolling(service))
    if (engine?.kind === 'codedeploy' && inputs.desiredCount !== undefined) {
      found.service.push(
        `Input \`desired-count\` is \`${inputs.desiredCount}\`: service \`${inputs.service}\` is deployed by CodeDeploy, and this action does not change its desired count; set it with aws ecs update-service --desired-count, or leave desired-count empty.`,
      )
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
    // Outside the workspace the file is not read at all.
    const outside = taskDefinitionPathProblems(path)
    if (outside.length > 0) {
      found.taskDefinition.push(...outside)
      return undefined
    }
    try {
      return await readTaskDefinitionFile(path)
    } catch (err) {
      if (!(err instanceof RenderError)) throw err
      found.taskDefinition.push(...err.problems)
      return undefined
    }
  }

  /**
   * Promotion: an ECR image resolves to its digest through DescribeImages (a missing one is a problem); any other
   * image is deployed as given. Building: `image` must name an existing ECR repository; the result is the first tag
   * to push, rendered so the container choice is checked now.
   */
  async function checkImage(text: string): Promise<{ image: string; push?: PushTarget } | undefined> {
    const ref = parseImageRef(text)
    const registry = await ecrRegistryOf(ref)
    if (inputs.build) {
      if (!registry) {
        if (!found.image.length) {
          found.image.push(
            `Input \`image\` is \`${text}\`: when building, image names an ECR repository (\`web\`, or <account>.dkr.ecr.<region>.amazonaws.com/web), and ${ref.registry} is not an ECR registry.`,
          )
        }
        return undefined
      }
      if (!(await repositoryExists(ref, registry))) return undefined
      const tag = composeTags(text, registry.registry, process.env.GITHUB_SHA, inputs.build.tags).tags[0]
      return { image: tag, push: registry }
    }
    if (!registry) return { image: text }
    try {
      const resolved = await resolveImage(await ecrClientIn(clients, registry.region), text, { ecrRegistries: [registry.registry] })
      return { image: resolved.imageRef }
    } catch (err) {
      found.image.push(err instanceof InputProblem ? err.sentence() : callProblem('ECR DescribeImages', err))
      return undefined
    }
  }

  /**
   * The ECR registry `ref` is in: a host that says ECR, else the caller's own registry when the host is it (or, when
   * building, when there is no host). Undefined: not ECR. Asking for the caller's registry may fail without
   * ECR permissions; that only matters when building.
   */
  async function ecrRegistryOf(ref: ImageRef): Promise<PushTarget | undefined> {
    const named = ref.registry ? parseEcrRegistry(ref.registry) : undefined
    if (ref.registry && named) return { registry: ref.registry.toLowerCase(), registryId: named.accountId, region: named.region }
    if (!ref.registry && !inputs.build) return undefined
    let own: string
    try {
      own = await accountRegistry(clients.ecr)
    } catch (err) {
      if (inputs.build) found.image.push(callProblem('ECR GetAuthorizationToken', err))
      return undefined
    }
    const ownNamed = parseEcrRegistry(own)
    if (ref.registry && ref.registry.toLowerCase() !== own.toLowerCase()) return undefined
    return { registry: own, ...(ownNamed ? { registryId: ownNamed.accountId, region: ownNamed.region } : {}) }
  }

  /** Pushing needs the repository (ECR does not create one on push). */
  async function repositoryExists(ref: ImageRef, registry: PushTarget): Promise<boolean> {
    try {
      const ecr = await ecrClientIn(clients, registry.region)
      await ecr.send(new DescribeImagesCommand({ repositoryName: ref.repository, registryId: registry.registryId, maxResults: 1 }))
      return true
    } catch (err) {
      if (errorName(err) === 'RepositoryNotFoundException') {
        found.image.push(
          `Input \`image\`: there is no ECR repository \`${ref.repository}\` in ${registry.registry} to push to: ` +
            `create it (aws ecr create-repository --repository-name ${ref.repository}) or fix the name.`,
        )
      } else found.image.push(callProblem('ECR DescribeImages', err))
      return false
    }
  }

  async function checkAlarms(): Promise<string[]> {
    let existing: Map<string, AlarmState>
    try {
      existing = await readAlarms(clients, direct, inputs.alarms)
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
    firing.push(...inputs.alarms.filter((a) => existing.get(a)?.state === 'ALARM'))
    return inputs.alarms
  }
}

/**
 * What an alarm already in ALARM means for this deployment. ECS ignores a deployment's alarm configuration when an
 * alarm is in ALARM as the deployment starts; CodeDeploy stops a deployment whose alarm is in ALARM when it checks.
 */
function alarmsFiringWarning(firing: string[], engine: CheckedEngine): string {
  const names = `${firing.length === 1 ? 'Alarm' : 'Alarms'} ${firing.join(', ')} ${firing.length === 1 ? 'is' : 'are'} in ALARM before the deployment starts`
  if (engine.kind === 'codedeploy') {
    return `${names}: CodeDeploy stops a deployment whose alarm is in ALARM, so this one will be stopped and rolled back unless the alarm recovers first. To ship a fix during the incident, leave the firing alarm out of \`alarms\`.`
  }
  return `${names}: ECS ignores the deployment's alarms for a deployment that starts while one is in ALARM, so only the circuit breaker guards this rollout. The bake counts such an alarm only if it recovers and then fires again.`
}

/** The ECR client for a registry's region: the action's own, or a new one when the image's host names another. */
export async function ecrClientIn(clients: Clients, region: string | undefined): Promise<ECRClient> {
  const own = await clients.ecr.config.region().catch(() => undefined)
  return region === undefined || region === own ? clients.ecr : createClients({ region, deadline: clients.deadline }).ecr
}

function inProgress(service: Service): Pick<Preflight, 'inProgress'> {
  const deployments = service.deployments ?? []
  const primary = deployments.find((d) => d.status === 'PRIMARY')
  if (deployments.length <= 1 && primary?.rolloutState !== 'IN_PROGRESS') return {}
  const current = primary ?? deployments[0]
  return { inProgress: { deploymentId: current?.id ?? 'unknown', ...(current?.rolloutState ? { rolloutState: current.rolloutState } : {}) } }
}
