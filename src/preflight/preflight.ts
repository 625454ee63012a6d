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
import type { Engine } from '../core/plan.js'
import { chooseEngine } from '../engines/choose.js'
import type { Checked } from '../engines/contract.js'
import { engineFor, type CheckedEngine } from '../engines/index.js'
import type { Inputs, ServiceInputs } from '../inputs/context.js'
import { rendersContainer } from '../inputs/render.js'
import { InputProblem } from '../inputs/problem.js'
import { applyRender } from '../render/apply.js'
import { fromDescribed, readTaskDefinitionFile, RenderError, renderTaskDefinition, type Rendered } from '../render/task-definition.js'
import { readAlarms, type AlarmState } from '../watch/alarms.js'
import { analysisProblems } from './analysis-check.js'
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

/** What one check read, when it could, and what it found wrong. */
type Found<T> = { value?: T; problems: string[] }

/** The service and the engine chosen for it. */
type ServiceFound = Found<Service> & { engine?: Engine }

/** The image to render, and where a build pushes it. */
interface ImageFound {
  image: string
  push?: PushTarget
}

/** What the task definition checks found: the revision to register, what it replaces, and the registered one it is based on. */
interface TaskDefinitionFound {
  rendered?: Rendered
  previous?: Preflight['previousTaskDefinition']
  existing?: Preflight['existing']
  problems: string[]
  warnings: string[]
}

const NOTHING: Found<never> = { problems: [] }

export async function preflight(clients: Clients, inputs: ServiceInputs): Promise<Preflight> {
  // Checked before any call: a typo in a path must not wait for (or follow) an ECR login and a docker build.
  const build = inputs.build ? buildFileProblems(inputs.build) : []
  const region = await clients.ecs.config.region().catch(() => undefined)
  const inRegion = region ? ` in ${region}` : ''
  const [cluster, firing, file, image, images] = await Promise.all([
    checkCluster(clients, inputs.cluster, inRegion),
    checkAlarms(clients, inputs.alarms, inRegion),
    inputs.taskDefinitionFile ? loadFile(inputs.taskDefinitionFile) : NOTHING,
    inputs.image !== undefined ? checkImage(clients, inputs, inputs.image) : NOTHING,
    checkImages(clients, inputs),
  ])
  const service: ServiceFound = cluster.value !== undefined ? await checkService(clients, inputs, inRegion) : NOTHING
  const taskDefinition = await checkTaskDefinition(clients, inputs, {
    service: service.value,
    engine: service.engine,
    file: file.value,
    image: image.value,
    images: images.value,
    region,
  })
  const engine = await checkEngine(clients, inputs, service, taskDefinition.rendered?.taskDefinition, inRegion)
  // By subject, reported in this order whichever call answers first.
  const problems = [
    ...cluster.problems,
    ...service.problems,
    ...engine.problems,
    ...noTaskDefinition(service.value, inputs),
    ...analysisProblems(service.value, inputs),
    ...build,
    ...image.problems,
    ...images.problems,
    ...file.problems,
    ...taskDefinition.problems,
    ...firing.problems,
  ]
  const { rendered } = taskDefinition
  if (problems.length > 0 || !cluster.value || !service.value?.taskDefinition || !rendered || !engine.engine) {
    // Every path that leaves one of these unset has recorded why.
    throw new PreflightError(problems)
  }
  return {
    clusterArn: cluster.value,
    service: service.value,
    currentTaskDefinitionArn: service.value.taskDefinition,
    ...(taskDefinition.previous ? { previousTaskDefinition: taskDefinition.previous } : {}),
    taskDefinition: rendered.taskDefinition,
    containerName: rendered.containerName,
    ...(image.value ? { image: image.value.image } : {}),
    ...(image.value?.push ? { push: image.value.push } : {}),
    alarms: inputs.alarms,
    ...(taskDefinition.existing ? { existing: taskDefinition.existing } : {}),
    ...engineSays(engine.engine, service.value, firing.value ?? [], taskDefinition.warnings),
  }
}

/** The engine's own checks, once the task definition is rendered (or could not be). */
async function checkEngine(
  clients: Clients,
  inputs: ServiceInputs,
  service: ServiceFound,
  taskDefinition: RegisterTaskDefinitionCommandInput | undefined,
  inRegion: string,
): Promise<Checked<CheckedEngine>> {
  if (!service.value || !service.engine) return NOTHING
  const definition = engineFor(service.engine)
  const refused = inputs.approval && !definition.approval ? [approvalRefused(inputs, service.engine, definition.noApproval)] : []
  const checked = await definition.check(clients, { inputs, service: service.value, engine: service.engine, taskDefinition, inRegion })
  return { ...checked, problems: [...refused, ...checked.problems] }
}

/** `approval` on an engine that cannot pause: why, in its words. */
function approvalRefused(inputs: ServiceInputs, engine: { label: string }, why = 'it cannot pause for approval'): string {
  return `Input \`approval\` is \`${inputs.approval?.pauseAt}\`, but service \`${inputs.service}\` deploys by ${engine.label}: ${why}. Approval needs ECS blue/green, canary or linear (strategy blue-green, canary or linear).`
}

/** What the engine makes of alarms already in ALARM and of a deployment already under way. */
function engineSays(engine: CheckedEngine, service: Service, firing: string[], warnings: string[]): Pick<Preflight, 'engine' | 'alarmsFiring' | 'warnings' | 'inProgress'> {
  const definition = engineFor(engine)
  return {
    engine,
    alarmsFiring: firing,
    warnings: [...(firing.length > 0 ? [definition.firingAlarms(firingNames(firing))] : []), ...warnings],
    ...(definition.waitsForIdle ? inProgress(service) : {}),
  }
}

async function checkCluster(clients: Clients, name: string, inRegion: string): Promise<Found<string>> {
  try {
    const out = await clients.ecs.send(new DescribeClustersCommand({ clusters: [name] }))
    const cluster = out.clusters?.[0]
    if (!cluster?.clusterArn) {
      const reason = out.failures?.[0]?.reason
      return { problems: [`Cluster \`${name}\` was not found${inRegion}${reason && reason !== 'MISSING' ? ` (${reason})` : ''}.`] }
    }
    if (cluster.status !== 'ACTIVE') return { problems: [`Cluster \`${name}\` is ${cluster.status ?? 'in an unknown state'}: expected ACTIVE.`] }
    return { value: cluster.clusterArn, problems: [] }
  } catch (err) {
    return { problems: [callProblem('ECS DescribeClusters', err)] }
  }
}

/** The service, and the engine that deploys it. Its engine's own checks come after the task definition is rendered. */
async function checkService(clients: Clients, inputs: ServiceInputs, inRegion: string): Promise<ServiceFound> {
  let service: Service | undefined
  try {
    const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: inputs.cluster, services: [inputs.service], include: ['TAGS'] }))
    service = out.services?.[0]
    if (!service) {
      const reason = out.failures?.[0]?.reason
      return { problems: [`Service \`${inputs.service}\` was not found in cluster \`${inputs.cluster}\`${inRegion}${reason && reason !== 'MISSING' ? ` (${reason})` : ''}.`] }
    }
  } catch (err) {
    return { problems: [callProblem('ECS DescribeServices', err)] }
  }
  const problems: string[] = []
  if (service.status !== 'ACTIVE') {
    problems.push(`${serviceName(service, inputs)} is ${service.status ?? 'in an unknown state'}: expected ACTIVE (a DRAINING or INACTIVE service is being deleted).`)
  }
  const chosen = chooseEngine(inputs.strategy, service, inputs.codeDeploy, inputs.cluster)
  if ('problem' in chosen) problems.push(chosen.problem)
  problems.push(...codeDeployOnlyInputProblems(inputs.codeDeploy, service))
  return { value: service, ...('engine' in chosen ? { engine: chosen.engine } : {}), problems }
}

const serviceName = (service: Service, inputs: ServiceInputs): string => `Service \`${service.serviceName ?? inputs.service}\``

/** A service without a task definition has no revision to render from or to replace. */
function noTaskDefinition(service: Service | undefined, inputs: ServiceInputs): string[] {
  return service && !service.taskDefinition ? [`${serviceName(service, inputs)} has no task definition.`] : []
}

/**
 * The task definition to register: from the registered revision the inputs name, the file, or the service's own,
 * rendered with the image and checked (size, log groups). What it replaces is read too, for "what changed" only.
 */
async function checkTaskDefinition(
  clients: Clients,
  inputs: ServiceInputs,
  given: { service?: Service; engine?: Engine; file?: RegisterTaskDefinitionCommandInput; image?: ImageFound; images?: ResolvedImages; region?: string },
): Promise<TaskDefinitionFound> {
  const source = await sourceOf(clients, inputs, given)
  const previous = await previousOf(clients, inputs, given.service, source)
  const rendered = render(inputs, source, given.image, given.images)
  const checked = rendered.value ? await checkRendered(clients, rendered.value, given.region, source.where) : { problems: [], warnings: [] }
  return {
    ...(rendered.value ? { rendered: rendered.value } : {}),
    ...(previous ? { previous } : {}),
    ...(source.existing ? { existing: source.existing } : {}),
    problems: [...source.problems, ...rendered.problems, ...checked.problems],
    warnings: checked.warnings,
  }
}

/** What the deployment renders from, and how messages name it. */
interface Source {
  base?: RegisterTaskDefinitionCommandInput
  where: string
  existing?: Preflight['existing']
  problems: string[]
}

async function sourceOf(clients: Clients, inputs: ServiceInputs, given: { service?: Service; engine?: Engine; file?: RegisterTaskDefinitionCommandInput }): Promise<Source> {
  const { service, engine, file } = given
  const resolved = service?.taskDefinition ? await resolveTarget(clients, inputs, service, engine) : undefined
  const problems = resolved?.problems ?? []
  if (resolved?.target) {
    const existing = { ...resolved.target, asIs: resolved.asIs }
    return { base: fromDescribed(existing.taskDefinition, existing.tags), where: `task definition \`${revisionOf(existing.arn, '?')}\``, existing, problems }
  }
  if (!inputs.taskDefinitionFile && service?.taskDefinition) {
    const described = await describeTaskDefinition(clients, service.taskDefinition)
    return { base: described.value, where: `the service's task definition \`${revisionOf(service.taskDefinition, '?')}\``, problems: [...problems, ...described.problems] }
  }
  return { base: file, where: `task definition file \`${inputs.taskDefinitionFile}\``, problems }
}

/** The revision this deployment replaces, for "what changed" only: not reading it is no problem. Already read when it
 * is the base, or the revision named (a redeploy of the running one). */
async function previousOf(clients: Clients, inputs: ServiceInputs, service: Service | undefined, source: Source): Promise<Preflight['previousTaskDefinition']> {
  const { base, existing } = source
  if (base && !inputs.taskDefinitionFile && !existing) return base
  if (existing && existing.arn === service?.taskDefinition) return existing.taskDefinition
  if (!service?.taskDefinition) return undefined
  return clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition })).then(
    (o) => o.taskDefinition,
    () => undefined,
  )
}

function render(inputs: Inputs, { base, where }: Source, image: ImageFound | undefined, images: ResolvedImages | undefined): Found<Rendered> {
  // Without a usable image there is still a container to choose: the reference as given stands in for it.
  const renderImage = image?.image ?? (inputs.build ? undefined : inputs.image)
  if (!base || (renderImage === undefined && inputs.image !== undefined)) return { problems: [] }
  try {
    const rendered = renderTaskDefinition(base, { image: renderImage, containerName: inputs.containerName }, where)
    return { value: renderInputsInto(rendered, inputs, base, images, where), problems: [] }
  } catch (err) {
    if (!(err instanceof RenderError)) throw err
    return { problems: [...err.problems] }
  }
}

async function checkRendered(clients: Clients, rendered: Rendered, region: string | undefined, where: string): Promise<{ problems: string[]; warnings: string[] }> {
  const tooBig = sizeProblem(rendered.taskDefinition, where)
  const logGroups = await checkLogGroups(clients, rendered.taskDefinition, region, where)
  return { problems: [...(tooBig ? [tooBig] : []), ...logGroups.problems], warnings: logGroups.warnings }
}

async function describeTaskDefinition(clients: Clients, arn: string): Promise<Found<RegisterTaskDefinitionCommandInput>> {
  try {
    const out = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }))
    if (!out.taskDefinition) return { problems: [`ECS DescribeTaskDefinition returned no task definition for \`${arn}\`.`] }
    return { value: fromDescribed(out.taskDefinition, out.tags), problems: [] }
  } catch (err) {
    return { problems: [callProblem('ECS DescribeTaskDefinition', err)] }
  }
}

async function loadFile(path: string): Promise<Found<RegisterTaskDefinitionCommandInput>> {
  // Outside the workspace the file is not read at all.
  const outside = taskDefinitionPathProblems(path)
  if (outside.length > 0) return { problems: outside }
  try {
    return { value: await readTaskDefinitionFile(path), problems: [] }
  } catch (err) {
    if (!(err instanceof RenderError)) throw err
    return { problems: [...err.problems] }
  }
}

/**
 * Promotion: an ECR image resolves to its digest through DescribeImages (a missing one is a problem); any other
 * image is deployed as given. Building: `image` must name an existing ECR repository; the result is the first tag
 * to push, rendered so the container choice is checked now.
 */
async function checkImage(clients: Clients, inputs: ServiceInputs, text: string): Promise<Found<ImageFound>> {
  const ref = parseImageRef(text)
  const registry = await ecrRegistryOf(clients, ref, inputs.build !== undefined)
  if (inputs.build) {
    if (!registry.value) {
      // A registry that could not be asked is that problem alone.
      if (registry.problems.length > 0) return { problems: registry.problems }
      return {
        problems: [
          `Input \`image\` is \`${text}\`: when building, image names an ECR repository (\`web\`, or <account>.dkr.ecr.<region>.amazonaws.com/web), and ${ref.registry} is not an ECR registry.`,
        ],
      }
    }
    const missing = await repositoryProblems(clients, ref, registry.value)
    if (missing.length > 0) return { problems: missing }
    const tag = composeTags(text, registry.value.registry, process.env.GITHUB_SHA, inputs.build.tags).tags[0]
    return { value: { image: tag, push: registry.value }, problems: [] }
  }
  if (!registry.value) return { value: { image: text }, problems: registry.problems }
  try {
    const resolved = await resolveImage(await ecrClientIn(clients, registry.value.region), text, { ecrRegistries: [registry.value.registry] })
    return { value: { image: resolved.imageRef }, problems: [] }
  } catch (err) {
    return { problems: [err instanceof InputProblem ? err.sentence() : callProblem('ECR DescribeImages', err)] }
  }
}

/**
 * The ECR registry `ref` is in: a host that says ECR, else the caller's own registry when the host is it (or, when
 * building, when there is no host). No value: not ECR. Asking for the caller's registry may fail without
 * ECR permissions; that is a problem only when building.
 */
async function ecrRegistryOf(clients: Clients, ref: ImageRef, building: boolean): Promise<Found<PushTarget>> {
  const named = ref.registry ? parseEcrRegistry(ref.registry) : undefined
  if (ref.registry && named) return { value: { registry: ref.registry.toLowerCase(), registryId: named.accountId, region: named.region }, problems: [] }
  if (!ref.registry && !building) return { problems: [] }
  let own: string
  try {
    own = await accountRegistry(clients.ecr)
  } catch (err) {
    return { problems: building ? [callProblem('ECR GetAuthorizationToken', err)] : [] }
  }
  const ownNamed = parseEcrRegistry(own)
  if (ref.registry && ref.registry.toLowerCase() !== own.toLowerCase()) return { problems: [] }
  return { value: { registry: own, ...(ownNamed ? { registryId: ownNamed.accountId, region: ownNamed.region } : {}) }, problems: [] }
}

/** Pushing needs the repository (ECR does not create one on push). */
async function repositoryProblems(clients: Clients, ref: ImageRef, registry: PushTarget): Promise<string[]> {
  try {
    const ecr = await ecrClientIn(clients, registry.region)
    await ecr.send(new DescribeImagesCommand({ repositoryName: ref.repository, registryId: registry.registryId, maxResults: 1 }))
    return []
  } catch (err) {
    if (errorName(err) !== 'RepositoryNotFoundException') return [callProblem('ECR DescribeImages', err)]
    return [
      `Input \`image\`: there is no ECR repository \`${ref.repository}\` in ${registry.registry} to push to: ` +
        `create it (aws ecr create-repository --repository-name ${ref.repository}) or fix the name.`,
    ]
  }
}

/** The alarms already in ALARM; missing alarms are a problem. */
async function checkAlarms(clients: Clients, names: string[], inRegion: string): Promise<Found<string[]>> {
  let existing: Map<string, AlarmState>
  try {
    existing = await readAlarms(clients, direct, names)
  } catch (err) {
    return { problems: [callProblem('CloudWatch DescribeAlarms', err)] }
  }
  const missing = names.filter((a) => !existing.has(a))
  const problems =
    missing.length > 0
      ? [
          `Input \`alarms\`: ${missing.length === 1 ? 'alarm' : 'alarms'} ${missing.map((a) => `\`${a}\``).join(', ')} ` +
            `${missing.length === 1 ? 'does' : 'do'} not exist in CloudWatch${inRegion} (names are case-sensitive).`,
        ]
      : []
  return { value: names.filter((a) => existing.get(a)?.state === 'ALARM'), problems }
}

/** How the engine's warning about alarms already in ALARM begins. */
function firingNames(firing: string[]): string {
  return `${firing.length === 1 ? 'Alarm' : 'Alarms'} ${firing.join(', ')} ${firing.length === 1 ? 'is' : 'are'} in ALARM before the deployment starts`
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

/** `images`, each resolved to what is rendered (an ECR image by digest), by container. */
type ResolvedImages = { container: string; image: string }[]

/** `images`: each checked like `image` (an ECR image must exist, and is pinned by digest); never built. */
async function checkImages(clients: Clients, inputs: Inputs): Promise<Found<ResolvedImages>> {
  const images = inputs.render?.images ?? []
  if (images.length === 0) return { value: [], problems: [] }
  const promoted = { ...inputs, service: '', build: undefined }
  const found = await Promise.all(images.map((i) => checkImage(clients, promoted, i.image)))
  const problems = found.flatMap((f, n) => f.problems.map((p) => `Input \`images\`, container \`${images[n].container}\`: ${p}`))
  return { value: images.map((i, n) => ({ container: i.container, image: found[n].value?.image ?? i.image })), problems }
}

/**
 * The render inputs put into the rendered task definition: the container-level ones go to the container that gets
 * `image`. Without `image` or `container-name`, a task definition of several containers does not say which one that
 * is: a problem listing them.
 */
function renderInputsInto(rendered: Rendered, inputs: Inputs, base: RegisterTaskDefinitionCommandInput, images: ResolvedImages | undefined, where: string): Rendered {
  const render = inputs.render
  if (!render) return rendered
  const containers = (base.containerDefinitions ?? []).map((c) => `\`${c.name}\``)
  if (rendersContainer(render) && inputs.image === undefined && inputs.containerName === undefined && containers.length > 1) {
    throw new RenderError([
      `${where.charAt(0).toUpperCase()}${where.slice(1)} has ${containers.length} containers (${containers.join(', ')}): set \`container-name\` to the one that gets the environment, secrets, labels, command or log configuration.`,
    ])
  }
  if (inputs.image !== undefined && render.images.some((i) => i.container === rendered.containerName)) {
    throw new RenderError([
      `Inputs \`image\` and \`images\` both name container \`${rendered.containerName}\` (the one that gets \`image\`): give \`images\` the other containers only.`,
    ])
  }
  const taskDefinition = applyRender(rendered.taskDefinition, rendered.containerName, { ...render, images: images ?? [] }, where)
  return { ...rendered, taskDefinition }
}

/** What registering without deploying needs: the rendered task definition, and what it is compared with. */
export interface RegisterOnlyChecked {
  rendered: Rendered
  /** The revision named, or the family's latest for a file: "what changed" only. */
  previous?: RegisterTaskDefinitionCommandInput
  image?: string
  warnings: string[]
}

/** Register only (`service` empty): `task-definition` read (a file) or described (a revision), rendered and checked. */
export async function preflightRegisterOnly(clients: Clients, inputs: Inputs): Promise<RegisterOnlyChecked | { problems: string[] }> {
  const region = await clients.ecs.config.region().catch(() => undefined)
  const ref = inputs.taskDefinitionRef
  const [source, image, images] = await Promise.all([
    ref ? describeTaskDefinition(clients, ref) : loadFile(inputs.taskDefinitionFile ?? ''),
    inputs.image !== undefined ? checkImage(clients, { ...inputs, service: '' }, inputs.image) : NOTHING,
    checkImages(clients, inputs),
  ])
  const where = ref ? `task definition \`${ref}\`` : `task definition file \`${inputs.taskDefinitionFile}\``
  const rendered = source.value ? render(inputs, { base: source.value, where, problems: [] }, image.value, images.value) : NOTHING
  const checked = rendered.value ? await checkRendered(clients, rendered.value, region, where) : { problems: [], warnings: [] }
  const problems = [...image.problems, ...images.problems, ...source.problems, ...rendered.problems, ...checked.problems]
  if (problems.length > 0 || !rendered.value || !source.value) return { problems }
  const previous = ref ? source.value : (await describeTaskDefinition(clients, source.value.family ?? '')).value
  return { rendered: rendered.value, ...(previous ? { previous } : {}), ...(image.value ? { image: image.value.image } : {}), warnings: checked.warnings }
}
