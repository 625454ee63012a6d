// Inputs → one typed, validated object (docker/build-push-action's context.ts pattern).
// `getInputs` reads every input and reports every problem at once.
import * as core from '@actions/core'
import { composeTags, parseBuildArgs, type BuildArg } from '../build/build-image.js'
import { parseImageRef } from '../build/image-ref.js'
import type { RollbackPolicy } from '../core/plan.js'
import type { AnalysisSettings } from '../core/analysis.js'
import { analysisInputs } from './analysis.js'
import { formatDuration, parseDuration } from './duration.js'
import { InputProblem } from './problem.js'
import { renderInputs, rendersSomething, type RenderInputs } from './render.js'
import { parseStrategy, type Strategy } from './strategy.js'
import { oneOffInputs, type OneOffInputs } from './tasks.js'

/** What to build when `build-context` is set; `image` then names the ECR repository (and optionally the tag). */
export interface BuildInputs {
  context: string
  dockerfile?: string
  buildArgs: BuildArg[]
  target?: string
  platform?: string
  /** Extra tags besides the image's own (default: the commit SHA). */
  tags: string[]
}

export interface Inputs {
  cluster: string
  /** `service`: one name, or several deployed as one release (comma or newline separated). */
  services: string[]
  /**
   * Without `build`: the image reference to deploy (tag or digest); undefined keeps the task definition's images as
   * they are. With `build`: the ECR repository to push to (name or URI, optional tag).
   */
  image?: string
  /** Set when the action builds and pushes the image itself. */
  build?: BuildInputs
  /** Container that gets `image`; undefined = decided at render time (the only one, or the one whose repo matches). */
  containerName?: string
  /** Path to a task definition file (JSON or YAML); undefined = the service's live task definition. */
  taskDefinitionFile?: string
  /** `task-definition` naming a registered revision (ARN or `family:revision`): deployed as is, or with `image` put
   * into a new revision of it. */
  taskDefinitionRef?: string
  /** `rollback-to`: `previous`, or a registered revision (ARN or `family:revision`) deployed as is. */
  rollbackTo?: string
  /** `keep-revisions`: after a successful deployment, keep the family's newest N revisions; undefined keeps all. */
  keepRevisions?: number
  /** `desired-count`: UpdateService's desiredCount; undefined keeps the service's. */
  desiredCount?: number
  /** `force-new-deployment`: UpdateService's forceNewDeployment (also: an explicit redeploy without a new image). */
  forceNewDeployment?: boolean
  strategy: Strategy
  /** CodeDeploy services: settings for the CodeDeploy engine. */
  codeDeploy: CodeDeployInputs
  bakeTimeMs: number
  alarms: string[]
  timeoutMs: number
  rollback: RollbackPolicy
  /** After a cancelled run, whether the post step rolls back a deployment that had not finished its bake. */
  onCancel: 'leave' | 'rollback'
  /** Fail fast after this many new tasks failed the same way before the deployment ran its desired count; 0 = off. */
  maxTaskFailures: number
  wait: boolean
  /** The GitHub deployment record. */
  github: GitHubInputs
  /** `pre-deploy-command`, `post-deploy-command` and their settings (./tasks.ts). */
  oneOff?: OneOffInputs
  /** What the task definition gets besides `image` (./render.ts); getInputs always sets it. */
  render?: RenderInputs
  /** `propagate-tags`: UpdateService's propagateTags with the deployment; undefined keeps the service's. */
  propagateTags?: 'TASK_DEFINITION' | 'SERVICE' | 'NONE'
  /** `enable-ecs-managed-tags`: UpdateService's enableECSManagedTags with the deployment; undefined keeps the service's. */
  enableEcsManagedTags?: boolean
  /** `approval`: pause the deployment for a later run's `approve` or `reject`. */
  approval?: ApprovalInputs
  /** `test-url`: the test listener's address, for the reviewer. */
  testUrl?: string
  /** The canary analysis: `analysis` and its thresholds (absent: off). */
  analysis?: AnalysisSettings
}

/** The inputs as one service of the release sees them: what preflight, the plan and the engines are given. */
export interface ServiceInputs extends Inputs {
  service: string
}

export const forService = (inputs: Inputs, service: string): ServiceInputs => ({ ...inputs, service, services: [service] })

/** The GitHub deployment record's inputs. */
export interface GitHubInputs {
  /** `github-deployment`: false = no record. */
  deployment: boolean
  /** Empty outside GitHub Actions (the record is then skipped). */
  token?: string
  /** Default: the cluster's name. */
  environment: string
  environmentUrl?: string
}

/** The CodeDeploy engine's inputs (services whose deployment controller is CODE_DEPLOY). */
export interface CodeDeployInputs {
  /** Default `AppECS-<cluster>-<service>`. */
  application?: string
  /** Default `DgpECS-<cluster>-<service>`. */
  deploymentGroup?: string
  /** An existing deployment configuration (e.g. `CodeDeployDefault.ECSCanary10Percent5Minutes`), instead of `strategy`. */
  deploymentConfig?: string
  /** Path to an AppSpec file (YAML or JSON) the new task definition is put into; default: built from the service. */
  appspecFile?: string
  /** AppSpec hook → Lambda function, e.g. { AfterAllowTestTraffic: 'smoke-test' }. */
  hooks: Record<string, string>
}

/** The AppSpec hooks of an ECS deployment, in the order CodeDeploy runs them. */
export const APPSPEC_HOOKS = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'] as const

/** Every input problem at once, each naming the input, the value it got and what is accepted. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid inputs:\n${problems.map((p) => `- ${p}`).join('\n')}`)
    this.name = 'InputError'
  }
}

/** Three tasks failing the same way before any deployment ran its desired count is a crash loop, not bad luck, and it is
 * the circuit breaker's own minimum: on a small service nothing changes, on a large one it saves many launches. */
const DEFAULT_MAX_TASK_FAILURES = 3

/** GitHub stops a job after 6 hours, so nothing may wait longer. */
const MAX_TIMEOUT_MS = 6 * 60 * 60 * 1000
const DEFAULT_TIMEOUT = '30m'

// CodeDeploy names: letters, digits and . _ + = , @ -, up to 100 characters.
const CODEDEPLOY_NAME = /^[A-Za-z0-9._+=,@-]{1,100}$/
const LAMBDA_NAME = /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/
const ROLLBACK_POLICIES: readonly RollbackPolicy[] = ['on-failure', 'never']
// ECS names: up to 255 letters, digits, hyphens and underscores; an ARN is passed on as it is.
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/
const ALARM_NAME_MAX = 255
const ENVIRONMENT_NAME_MAX = 255

const DURATION_ACCEPTED = 'expected 0, a number of minutes, or a duration such as 90s, 10m, 1h'

// buildx stage names and `os/arch[/variant]` platforms, comma separated for a multi-platform image.
const BUILD_TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const PLATFORMS = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?(,[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?)*$/
const BUILD_ONLY_INPUTS = ['dockerfile', 'build-args', 'build-target', 'platform', 'tags']

/** How every group of inputs reads its values and reports its problems: one list, in the order the inputs are read. */
interface Reader {
  /** The raw value (`build-args` and `codedeploy-hooks` are line-based and read untrimmed). */
  read: (name: string) => string
  value: (name: string) => string
  bad: (name: string, got: string, expected: string) => void
  problems: string[]
}

function reader(read: (name: string) => string): Reader {
  const problems: string[] = []
  return {
    read,
    value: (name) => (read(name) ?? '').trim(),
    bad: (name, got, expected) => problems.push(`Input \`${name}\` is \`${got}\`: ${expected}.`),
    problems,
  }
}

export function getInputs(read: (name: string) => string = (name) => core.getInput(name), env: NodeJS.ProcessEnv = process.env): Inputs {
  const r = reader(read)
  const target = targetInputs(r)
  const images = imageInputs(r, env)
  const render = renderInputs(r, { image: images.image, containerName: images.containerName })
  const taskDefinition = taskDefinitionInputs(r, { image: images.image, build: images.build, renders: rendersSomething(render) })
  const strategy = strategyInputs(r)
  singleServiceInputs(r, target.services)
  const watch = watchInputs(r)
  const github = githubInputs(r, target.cluster)
  const oneOff = oneOffInputs(r, taskDefinition.rollbackTo)
  const tagging = serviceTagInputs(r)
  if (target.services.length === 0) registerOnlyInputs(r)
  const approval = approvalInputs(r, target.services.length, watch.wait)
  const analysis = analysisInputs(r, { rollback: watch.rollback, wait: watch.wait })
  if (r.problems.length > 0) throw new InputError(r.problems)
  return {
    ...target,
    ...images,
    ...taskDefinition,
    ...strategy,
    ...watch,
    github: withTestUrl(github, approval.testUrl),
    render,
    ...tagging,
    ...(oneOff ? { oneOff } : {}),
    ...approval,
    analysis,
  }
}

/** `cluster` and `service`. */
function targetInputs(r: Reader): Pick<Inputs, 'cluster' | 'services'> {
  const cluster = r.value('cluster')
  if (cluster === '') r.problems.push('Input `cluster` is empty: expected the name or ARN of the ECS cluster.')
  else if (!ECS_NAME.test(cluster) && !cluster.startsWith('arn:')) {
    r.bad('cluster', cluster, 'expected the name (letters, digits, - and _) or ARN of the ECS cluster')
  }
  const services = serviceNames(r)
  return { cluster, services }
}

/** `image`, the build inputs when `build-context` is set, and `container-name`. */
function imageInputs(r: Reader, env: NodeJS.ProcessEnv): Pick<Inputs, 'image' | 'build' | 'containerName'> {
  const image = r.value('image') || undefined
  const buildContext = r.value('build-context') || undefined
  let build: BuildInputs | undefined
  if (buildContext !== undefined) build = buildInputs(r, buildContext, image, env)
  else {
    for (const input of BUILD_ONLY_INPUTS.filter((i) => r.value(i) !== '')) {
      r.problems.push(
        `Input \`${input}\` is set but \`build-context\` is not: ${input} is only used when the action builds the image; set build-context (e.g. \`.\`) or remove ${input}.`,
      )
    }
    if (image !== undefined) checkImageRef(r, image)
  }
  const containerName = r.value('container-name') || undefined
  if (containerName !== undefined && !ECS_NAME.test(containerName)) {
    r.bad('container-name', containerName, 'expected a container name from the task definition (letters, digits, - and _)')
  }
  return { image, ...(build ? { build } : {}), containerName }
}

/** Without a build, `image` is deployed as given, so it must say which image: a tag or a digest. */
function checkImageRef(r: Reader, image: string): void {
  let reason: string | undefined
  try {
    const ref = parseImageRef(image)
    if (!ref.tag && !ref.digest) reason = 'it has neither a tag nor a digest'
  } catch (err) {
    if (!(err instanceof InputProblem)) throw err
    reason = err.reason
  }
  if (reason) {
    r.bad(
      'image',
      image,
      `expected a full image reference with a tag or digest, such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2 or …/web@sha256:<64 hex> (${reason})`,
    )
  }
}

function buildInputs(r: Reader, context: string, image: string | undefined, env: NodeJS.ProcessEnv): BuildInputs {
  const tags = r
    .value('tags')
    .split(/[,\n]/)
    .map((t) => t.trim())
    .filter((t) => t !== '')
  if (image === undefined) {
    r.problems.push(
      'Input `image` is empty but `build-context` is set: when building, image names the ECR repository to push to, such as `web`, `web:1.4.2` or 123456789012.dkr.ecr.us-east-1.amazonaws.com/web.',
    )
  } else {
    try {
      // The registry is known only after the ECR login; any host checks the reference and the tags.
      composeTags(image, 'registry.invalid', env.GITHUB_SHA, tags)
    } catch (err) {
      if (!(err instanceof InputProblem)) throw err
      r.problems.push(err.sentence())
    }
  }
  let buildArgs: BuildArg[] = []
  try {
    buildArgs = parseBuildArgs(r.read('build-args') ?? '')
  } catch (err) {
    if (!(err instanceof InputProblem)) throw err
    r.problems.push(err.sentence())
  }
  const target = r.value('build-target') || undefined
  if (target !== undefined && !BUILD_TARGET.test(target)) r.bad('build-target', target, 'expected the name of a stage in the Dockerfile (FROM … AS <name>)')
  const platform = r.value('platform') || undefined
  if (platform !== undefined && !PLATFORMS.test(platform)) r.bad('platform', platform, 'expected os/arch[/variant] such as linux/amd64 or linux/arm64, comma separated for several')
  return { context, dockerfile: r.value('dockerfile') || undefined, buildArgs, target, platform, tags }
}

/** `task-definition` (a file, or a registered revision), then `rollback-to`, `keep-revisions`, `desired-count` and `force-new-deployment`. */
function taskDefinitionInputs(
  r: Reader,
  given: { image?: string; build?: BuildInputs; renders: boolean },
): Pick<Inputs, 'taskDefinitionFile' | 'taskDefinitionRef'> & DeployExtras {
  const taskDefinitionText = r.value('task-definition') || undefined
  const taskDefinitionIsRef = taskDefinitionText !== undefined && isTaskDefinitionRef(taskDefinitionText)
  const taskDefinitionFile = taskDefinitionIsRef ? undefined : taskDefinitionText
  const taskDefinitionRef = taskDefinitionIsRef ? taskDefinitionText : undefined
  const deployExtras = deployExtraInputs(r, { ...given, taskDefinition: taskDefinitionText })
  return { taskDefinitionFile, ...(taskDefinitionRef ? { taskDefinitionRef } : {}), ...deployExtras }
}

/** `strategy`, then the CodeDeploy inputs (whose `deployment-config` rules out a `strategy`). */
function strategyInputs(r: Reader): Pick<Inputs, 'strategy' | 'codeDeploy'> {
  const strategyText = r.value('strategy') || 'auto'
  let strategy: Strategy = { kind: 'auto' }
  try {
    strategy = parseStrategy(strategyText)
  } catch (err) {
    r.bad('strategy', strategyText, (err as Error).message)
  }
  return { strategy, codeDeploy: codeDeployInputs(r, strategy, strategyText) }
}

function codeDeployInputs(r: Reader, strategy: Strategy, strategyText: string): CodeDeployInputs {
  const deploymentConfig = codeDeployName(r, 'deployment-config')
  if (deploymentConfig !== undefined && strategy.kind !== 'auto') {
    r.problems.push(
      `Input \`deployment-config\` is \`${deploymentConfig}\` and \`strategy\` is \`${strategyText}\`: give one of them (deployment-config names an existing CodeDeploy configuration; strategy describes the traffic shift).`,
    )
  }
  const hooks = codeDeployHooks(r)
  return {
    application: codeDeployName(r, 'codedeploy-application'),
    deploymentGroup: codeDeployName(r, 'codedeploy-deployment-group'),
    deploymentConfig,
    appspecFile: r.value('appspec') || undefined,
    hooks,
  }
}

function codeDeployName(r: Reader, input: string): string | undefined {
  const got = r.value(input) || undefined
  if (got !== undefined && !CODEDEPLOY_NAME.test(got)) r.bad(input, got, 'expected a CodeDeploy name (letters, digits and . _ + = , @ -, at most 100 characters)')
  return got
}

/** `codedeploy-hooks`: one HOOK=LAMBDA a line; blank lines and `#` comments are skipped. */
function codeDeployHooks(r: Reader): Record<string, string> {
  const hooks: Record<string, string> = {}
  for (const [i, line] of (r.read('codedeploy-hooks') ?? '').split('\n').entries()) {
    const text = line.trim()
    if (text === '' || text.startsWith('#')) continue
    const at = text.indexOf('=')
    const hook = at > 0 ? text.slice(0, at).trim() : ''
    const fn = at > 0 ? text.slice(at + 1).trim() : ''
    if (!(APPSPEC_HOOKS as readonly string[]).includes(hook) || !LAMBDA_NAME.test(fn)) {
      r.bad('codedeploy-hooks', text, `line ${i + 1}: expected HOOK=LAMBDA with HOOK one of ${APPSPEC_HOOKS.join(', ')} and LAMBDA a function name or ARN`)
    } else hooks[hook] = fn
  }
  return hooks
}

/** A release (several services) rules out the inputs that belong to one service. */
function singleServiceInputs(r: Reader, services: string[]): void {
  if (services.length <= 1) return
  // Each of these names one service's task definition, revision or CodeDeploy setup; a release renders each service's own.
  const perService: [string, string][] = [
    ['task-definition', 'each service deploys its own live task definition with `image`'],
    ['rollback-to', 'roll back a release by deploying its previous image to the same services'],
    ['codedeploy-application', 'each CODE_DEPLOY service uses its default application AppECS-<cluster>-<service>'],
    ['codedeploy-deployment-group', 'each CODE_DEPLOY service uses its default deployment group DgpECS-<cluster>-<service>'],
    ['appspec', "each CODE_DEPLOY service's AppSpec is built from the service"],
  ]
  for (const [input, instead] of perService) {
    if (r.value(input) !== '') {
      r.problems.push(
        `Input \`${input}\` is \`${r.value(input)}\` but \`service\` names ${services.length} services: ${input} belongs to one service (${instead}); deploy that service in a step of its own.`,
      )
    }
  }
}

type WatchInputs = Pick<Inputs, 'bakeTimeMs' | 'alarms' | 'timeoutMs' | 'rollback' | 'onCancel' | 'maxTaskFailures' | 'wait'>

/** How the deployment is watched and ended: bake time, timeout, alarms, rollback, on-cancel, max-task-failures, wait. */
function watchInputs(r: Reader): WatchInputs {
  const { bakeTimeMs, timeoutMs } = timingInputs(r)
  const alarms = alarmInputs(r)
  const { rollback, onCancel, maxTaskFailures } = failureInputs(r)
  const wait = flag(r.value('wait') || 'true', 'wait', r.bad)
  if (wait === false && bakeTimeMs > 0) {
    // With wait false the action returns before the deployment completes, so there is nothing to bake.
    r.problems.push(`Input \`bake-time\` is \`${r.value('bake-time')}\` but \`wait\` is \`false\`: a bake time needs the action to wait; set wait to true or bake-time to 0.`)
  }
  return { bakeTimeMs, alarms, timeoutMs, rollback, onCancel, maxTaskFailures, wait: wait === true }
}

/** `bake-time` and `timeout`, and that the bake fits in the timeout. */
function timingInputs(r: Reader): Pick<Inputs, 'bakeTimeMs' | 'timeoutMs'> {
  const beforeDurations = r.problems.length
  const bakeTimeMs = duration(r, 'bake-time', '0', true)
  const timeoutMs = duration(r, 'timeout', DEFAULT_TIMEOUT, false)
  if (r.problems.length === beforeDurations && bakeTimeMs > 0 && bakeTimeMs >= timeoutMs) {
    // The bake runs after the deployment and inside the timeout: a release would be rolled back for its own bake.
    const raised = bakeTimeMs + 30 * 60_000
    const timeoutText = r.value('timeout') ? `\`${r.value('timeout')}\`` : `\`${DEFAULT_TIMEOUT}\` (the default)`
    r.problems.push(
      `Input \`bake-time\` is \`${r.value('bake-time')}\` and \`timeout\` is ${timeoutText}: the deployment and then the bake must both end within timeout, so bake-time must be shorter than timeout; ` +
        `raise timeout${raised <= MAX_TIMEOUT_MS ? ` (such as ${formatDuration(raised)})` : ''} or shorten bake-time.`,
    )
  }
  return { bakeTimeMs, timeoutMs }
}

/** A duration input in milliseconds; the fallback's after a problem. */
function duration(r: Reader, input: string, fallback: string, allowZero: boolean): number {
  const got = r.value(input) || fallback
  let ms: number
  try {
    ms = parseDuration(got)
  } catch {
    r.bad(input, got, allowZero ? DURATION_ACCEPTED : `${DURATION_ACCEPTED.replace('0, ', '')}, greater than 0`)
    return parseDuration(fallback)
  }
  if (ms > MAX_TIMEOUT_MS || (ms === 0 && !allowZero)) {
    r.bad(input, got, `expected ${allowZero ? '' : 'more than 0 and '}at most 6h (GitHub stops a job after 6 hours), such as ${fallback === '0' ? '10m' : fallback}`)
    return parseDuration(fallback)
  }
  return ms
}

/** `alarms`: CloudWatch alarm names separated by commas or newlines, each once. */
function alarmInputs(r: Reader): string[] {
  const alarms = [
    ...new Set(
      r
        .value('alarms')
        .split(/[,\n]/)
        .map((a) => a.trim())
        .filter((a) => a !== ''),
    ),
  ]
  for (const alarm of alarms) {
    if (alarm.length > ALARM_NAME_MAX) r.bad('alarms', alarm, `expected CloudWatch alarm names of at most ${ALARM_NAME_MAX} characters, separated by commas or newlines`)
  }
  return alarms
}

/** What happens when the deployment fails or the run is cancelled: `rollback`, `on-cancel` and `max-task-failures`. */
function failureInputs(r: Reader): Pick<Inputs, 'rollback' | 'onCancel' | 'maxTaskFailures'> {
  const rollbackText = r.value('rollback').toLowerCase() || 'on-failure'
  const rollback = (ROLLBACK_POLICIES as readonly string[]).includes(rollbackText) ? (rollbackText as RollbackPolicy) : 'on-failure'
  if (rollback !== rollbackText) r.bad('rollback', rollbackText, `expected ${ROLLBACK_POLICIES.join(' or ')}`)
  const onCancelText = r.value('on-cancel').toLowerCase() || 'leave'
  const onCancel = onCancelText === 'rollback' ? 'rollback' : 'leave'
  if (onCancel !== onCancelText) r.bad('on-cancel', onCancelText, 'expected leave or rollback')
  const maxTaskFailuresText = r.value('max-task-failures')
  let maxTaskFailures = DEFAULT_MAX_TASK_FAILURES
  if (maxTaskFailuresText !== '') {
    if (/^\d+$/.test(maxTaskFailuresText) && Number(maxTaskFailuresText) <= 200) maxTaskFailures = Number(maxTaskFailuresText)
    else r.bad('max-task-failures', maxTaskFailuresText, 'expected a whole number of failed tasks from 0 to 200 (0 leaves it to the circuit breaker)')
  }
  return { rollback, onCancel, maxTaskFailures }
}

/** The GitHub deployment record: `github-deployment`, `github-token`, `environment` and `environment-url`. */
function githubInputs(r: Reader, cluster: string): GitHubInputs {
  const deployment = flag(r.value('github-deployment') || 'true', 'github-deployment', r.bad) === true
  // The cluster tells staging from production in a promotion workflow: the environment is its name by default.
  const environment = r.value('environment') || cluster.slice(cluster.lastIndexOf('/') + 1)
  if (environment.length > ENVIRONMENT_NAME_MAX || [...environment].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)) {
    r.bad('environment', environment, `expected a GitHub environment name of at most ${ENVIRONMENT_NAME_MAX} characters on one line, such as production`)
  }
  const environmentUrl = r.value('environment-url') || undefined
  if (environmentUrl !== undefined && !/^https?:\/\/[^\s/$.?#][^\s]*$/i.test(environmentUrl)) {
    r.bad('environment-url', environmentUrl, 'expected an http(s) URL such as https://staging.example.com')
  }
  return { deployment, token: r.value('github-token') || undefined, environment, environmentUrl }
}

/** A true/false input: the YAML 1.2 core booleans, as core.getBooleanInput accepts them; undefined (a problem) otherwise. */
function flag(text: string, input: string, bad: (name: string, got: string, expected: string) => void): boolean | undefined {
  if (['true', 'True', 'TRUE'].includes(text)) return true
  if (['false', 'False', 'FALSE'].includes(text)) return false
  bad(input, text, 'expected true or false')
  return undefined
}

/** `task-definition` names a registered revision rather than a file: a task definition ARN, or `family:revision`. */
function isTaskDefinitionRef(text: string): boolean {
  return TASK_DEFINITION_ARN.test(text) || FAMILY_REVISION.test(text)
}
const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/
const FAMILY_REVISION = /^[A-Za-z0-9_-]{1,255}:\d+$/

type DeployExtras = Pick<Inputs, 'rollbackTo' | 'keepRevisions' | 'desiredCount' | 'forceNewDeployment'>

/** `rollback-to`, `keep-revisions`, `desired-count` and `force-new-deployment`, and what they rule out together. */
function deployExtraInputs(r: Reader, given: { image?: string; build?: BuildInputs; taskDefinition?: string; renders: boolean }): DeployExtras {
  const { value, bad, problems } = r
  const extras: DeployExtras = {}
  const rollbackTo = value('rollback-to') || undefined
  if (rollbackTo !== undefined) {
    if (rollbackTo !== 'previous' && !isTaskDefinitionRef(rollbackTo)) {
      bad('rollback-to', rollbackTo, 'expected `previous`, a task definition ARN, or `family:revision` such as web:5')
    }
    const clashing = (['image', 'build-context', 'task-definition'] as const).filter((n) => value(n) !== '')
    if (clashing.length > 0) {
      problems.push(
        `Input \`rollback-to\` is \`${rollbackTo}\` and ${clashing.map((n) => `\`${n}\``).join(', ')} ${clashing.length === 1 ? 'is' : 'are'} set: a rollback deploys a registered revision as it is; leave ${clashing.join(', ')} empty (a workflow that rolls back should not pass them).`,
      )
    }
    extras.rollbackTo = rollbackTo
  }
  const keep = value('keep-revisions')
  if (keep !== '') {
    if (/^\d+$/.test(keep) && Number(keep) >= 1 && Number(keep) <= 1000) extras.keepRevisions = Number(keep)
    else bad('keep-revisions', keep, 'expected a whole number of revisions to keep, from 1 to 1000 (leave it empty to keep all)')
  }
  const desired = value('desired-count')
  if (desired !== '') {
    if (/^\d+$/.test(desired) && Number(desired) <= 5000) extras.desiredCount = Number(desired)
    else bad('desired-count', desired, "expected a whole number of tasks from 0 to 5000 (leave it empty to keep the service's)")
  }
  const force = flag(value('force-new-deployment') || 'false', 'force-new-deployment', bad) === true
  if (force) extras.forceNewDeployment = true
  // Nothing to deploy: most often `image` came from another job's output, and the runner drops a job output that
  // contains a masked value (an ECR image's registry holds the account id, which is masked when it is a secret).
  if (rollbackTo === undefined && given.image === undefined && given.build === undefined && given.taskDefinition === undefined && !force && !given.renders) {
    problems.push(
      'Input `image` is empty, and neither `build-context`, `task-definition` nor `rollback-to` is set: there is nothing new to deploy. ' +
        "If `image` comes from another job's output, that output was most likely dropped: the runner drops a job output that contains a masked value, such as an ECR image whose registry holds a masked account id. " +
        'Fix: pass the image without the secret (e.g. only the repository and digest, `web@sha256:…`, with the registry rebuilt from a non-secret variable in the deploying job), or unmask the account id. ' +
        'To redeploy the running task definition on purpose, set `force-new-deployment: true`.',
    )
  }
  return extras
}

/** A release deploys at most this many services: DescribeServices answers for 10 at a time, so one look sees them all. */
const MAX_SERVICES = 10

/** `service`: one name or ARN, or several separated by commas or newlines. */
function serviceNames(r: Reader): string[] {
  const { bad } = r
  const text = r.value('service')
  const names = text
    .split(/[,\n]/)
    .map((n) => n.trim())
    .filter((n) => n !== '')
  // No service: register only (registerOnlyInputs).
  if (names.length === 0) return []
  const invalid = names.filter((n) => !ECS_NAME.test(n) && !n.startsWith('arn:'))
  if (invalid.length > 0)
    bad(
      'service',
      text,
      `expected the name (letters, digits, - and _) or ARN of the ECS service, or several separated by commas or newlines (not ${invalid.map((n) => `\`${n}\``).join(', ')})`,
    )
  const short = names.map((n) => n.slice(n.lastIndexOf('/') + 1))
  const twice = [...new Set(short.filter((n, i) => short.indexOf(n) !== i))]
  if (twice.length > 0) bad('service', text, `expected each service once (${twice.join(', ')} named twice)`)
  if (names.length > MAX_SERVICES) bad('service', text, `expected at most ${MAX_SERVICES} services in one release (got ${names.length}); split them into several steps`)
  return names
}

/** Inputs that mean something only to a service's deployment: refused when `service` is empty (register only). */
const SERVICE_ONLY_INPUTS = [
  'rollback-to',
  'desired-count',
  'alarms',
  'appspec',
  'codedeploy-hooks',
  'codedeploy-application',
  'codedeploy-deployment-group',
  'deployment-config',
  'propagate-tags',
  'enable-ecs-managed-tags',
  'environment-url',
]

/** `service` empty: the action registers `task-definition` (rendered) and stops, so that input is required. */
function registerOnlyInputs(r: Reader): void {
  if (r.value('task-definition') === '') {
    r.problems.push(
      'Input `service` is empty and so is `task-definition`: expected the name or ARN of the ECS service (or several, separated by commas or newlines), or, to register a task definition without deploying it, `task-definition` (a file or a registered revision).',
    )
  }
  if (r.value('build-context') !== '') {
    r.problems.push(
      'Input `build-context` is set but `service` is empty: registering without deploying takes `image` (or `images`) already pushed; build in a step that deploys, or push the image first.',
    )
  }
  const force = r.value('force-new-deployment')
  // action.yml's defaults of these two are set whether the workflow gives them or not.
  const set = [
    ...SERVICE_ONLY_INPUTS.filter((i) => r.value(i) !== ''),
    ...(force !== '' && force.toLowerCase() !== 'false' ? ['force-new-deployment'] : []),
    ...(!['', '0'].includes(r.value('bake-time')) ? ['bake-time'] : []),
  ]
  for (const input of set) {
    r.problems.push(
      `Input \`${input}\` is \`${r.value(input)}\` but \`service\` is empty: with no service the action only registers the task definition; set service, or remove ${input}.`,
    )
  }
}

const PROPAGATE_TAGS = ['TASK_DEFINITION', 'SERVICE', 'NONE'] as const

/** `propagate-tags` and `enable-ecs-managed-tags`, sent with the deployment's UpdateService. */
function serviceTagInputs(r: Reader): Pick<Inputs, 'propagateTags' | 'enableEcsManagedTags'> {
  const tags: Pick<Inputs, 'propagateTags' | 'enableEcsManagedTags'> = {}
  const propagate = r.value('propagate-tags')
  if ((PROPAGATE_TAGS as readonly string[]).includes(propagate)) tags.propagateTags = propagate as Inputs['propagateTags']
  else if (propagate !== '') r.bad('propagate-tags', propagate, `expected ${PROPAGATE_TAGS.join(', ')} (leave it empty to keep the service's)`)
  const managed = r.value('enable-ecs-managed-tags')
  if (managed !== '') {
    const on = flag(managed, 'enable-ecs-managed-tags', r.bad)
    if (on !== undefined) tags.enableEcsManagedTags = on
  }
  return tags
}

/** `approval: test-traffic` and its timeout. */
export interface ApprovalInputs {
  pauseAt: 'test-traffic'
  /** Whole minutes (approval-timeout rounded up): the pause's timeout, after which the deployment rolls back. */
  timeoutMinutes: number
}

/** ECS's longest lifecycle hook timeout (timeoutConfiguration.timeoutInMinutes), 14 days. */
const MAX_APPROVAL_MINUTES = 20_160
const DEFAULT_APPROVAL_TIMEOUT = '1h'
const HTTP_URL = /^https?:\/\/[^\s/$.?#][^\s]*$/i

/** `approval`, `approval-timeout` and `test-url`. */
function approvalInputs(r: Reader, services: number, wait: boolean | undefined): Pick<Inputs, 'approval' | 'testUrl'> {
  const testUrl = testUrlInput(r)
  const text = r.value('approval')
  if (text === '' || text === 'none') {
    if (r.value('approval-timeout') !== '')
      r.problems.push(
        `Input \`approval-timeout\` is \`${r.value('approval-timeout')}\` but \`approval\` is not set: set approval to test-traffic, or leave approval-timeout empty.`,
      )
    return testUrl ? { testUrl } : {}
  }
  if (text !== 'test-traffic') r.bad('approval', text, 'expected test-traffic (pause after test traffic moved, before any production traffic) or none')
  if (services > 1) r.bad('approval', text, 'expected one service: a release of several services cannot pause for one approval; deploy the service in a step of its own')
  if (!wait) r.bad('approval', text, 'expected wait to be true: the run returns once the deployment waits for approval, so it must watch until then')
  const timeoutText = r.value('approval-timeout') || DEFAULT_APPROVAL_TIMEOUT
  let minutes = 60
  try {
    minutes = Math.ceil(parseDuration(timeoutText) / 60_000)
    if (minutes < 1 || minutes > MAX_APPROVAL_MINUTES) throw new RangeError('out of range')
  } catch {
    r.bad('approval-timeout', timeoutText, `${DURATION_ACCEPTED.replace('0, ', '')}, from 1m to ${MAX_APPROVAL_MINUTES / 60}h (ECS's longest lifecycle hook timeout)`)
  }
  return { approval: { pauseAt: 'test-traffic', timeoutMinutes: minutes }, ...(testUrl ? { testUrl } : {}) }
}

function testUrlInput(r: Reader): string | undefined {
  const testUrl = r.value('test-url') || undefined
  if (testUrl !== undefined && !HTTP_URL.test(testUrl)) r.bad('test-url', testUrl, "expected the test listener's http(s) URL, such as https://test.example.com:8443")
  return testUrl
}

/** The test listener is what the reviewer opens: the record's environment URL unless `environment-url` is set. */
const withTestUrl = (github: GitHubInputs, testUrl: string | undefined): GitHubInputs => (testUrl && !github.environmentUrl ? { ...github, environmentUrl: testUrl } : github)

/** A run that answers a paused deployment (`approve` or `reject`) instead of deploying. */
export interface VerbInputs {
  verb: 'approve' | 'reject'
  /** The service deployment ARN or CodeDeploy deployment id the first run's `deployment-id` output gave. */
  id: string
  cluster: string
  service: string
  timeoutMs: number
  /** CodeDeploy: the bake after production traffic moved (ECS bakes native deployments itself), and its alarms. */
  bakeTimeMs: number
  alarms: string[]
  /** CODE_DEPLOY services: the application and group, when not the defaults. */
  codeDeploy: Pick<CodeDeployInputs, 'application' | 'deploymentGroup' | 'hooks'>
  github: GitHubInputs
  testUrl?: string
}

// ECS service deployment ARNs and CodeDeploy deployment ids (`d-` and 9 characters).
const SERVICE_DEPLOYMENT_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/
const CODEDEPLOY_ID = /^d-[A-Z0-9]{9}$/

/** The verb this run is, when `approve` or `reject` is set. */
export function verbOf(read: (name: string) => string = (name) => core.getInput(name)): 'approve' | 'reject' | undefined {
  return read('reject').trim() !== '' ? 'reject' : read('approve').trim() !== '' ? 'approve' : undefined
}

/** The inputs of an `approve` or `reject` run: the deployment, its service, the timeout and the GitHub record. */
export function getVerbInputs(read: (name: string) => string = (name) => core.getInput(name)): VerbInputs {
  const r = reader(read)
  const { cluster, services } = targetInputs(r)
  if (services.length > 1) r.bad('service', r.value('service'), 'expected the one service whose deployment is approved or rejected')
  const [approve, reject] = [r.value('approve'), r.value('reject')]
  if (approve !== '' && reject !== '') r.problems.push(`Inputs \`approve\` and \`reject\` are both set (\`${approve}\`, \`${reject}\`): a run either approves or rejects; set one.`)
  const verb = reject !== '' ? 'reject' : 'approve'
  const id = reject || approve
  if (!SERVICE_DEPLOYMENT_ARN.test(id) && !CODEDEPLOY_ID.test(id)) {
    r.bad(
      verb,
      id,
      'expected the `deployment-id` output of the run that paused: an ECS service deployment ARN (arn:aws:ecs:…:service-deployment/…) or a CodeDeploy deployment id (d-…)',
    )
  }
  for (const input of ['image', 'build-context', 'task-definition', 'rollback-to', 'approval']) {
    if (r.value(input) !== '') r.problems.push(`Input \`${input}\` is set with \`${verb}\`: a run that ${verb}s deploys nothing new; leave ${input} empty.`)
  }
  const { bakeTimeMs, timeoutMs } = timingInputs(r)
  const alarms = alarmInputs(r)
  const codeDeploy = { application: codeDeployName(r, 'codedeploy-application'), deploymentGroup: codeDeployName(r, 'codedeploy-deployment-group'), hooks: {} }
  const github = githubInputs(r, cluster)
  const testUrl = testUrlInput(r)
  if (r.problems.length > 0) throw new InputError(r.problems)
  return { verb, id, cluster, service: services[0], timeoutMs, bakeTimeMs, alarms, codeDeploy, github: withTestUrl(github, testUrl), ...(testUrl ? { testUrl } : {}) }
}
