// Steps of a run besides the engines: the plan an engine is given, the build, and what is said and done after the
// summary (the rollback line, `keep-revisions`).
import * as core from '@actions/core'
import type { Clients } from './aws/clients.js'
import { buildAndPush, type BuiltImage } from './build/build-image.js'
import { loginToEcr, logoutFromEcr } from './build/ecr-login.js'
import { nativeTargets, serviceTargetGroup } from './core/analysis.js'
import type { DeploymentFacts } from './core/facts.js'
import type { DeployPlan } from './core/plan.js'
import { halt, type Halt } from './core/halt.js'
import type { ServiceRun } from './core/release.js'
import type { Outcome, Timeline } from './core/timeline.js'
import type { Deadline } from './aws/deadline.js'
import { buildErrorText } from './build/docker.js'
import { pruneRevisions, prunedLine } from './engines/deregister.js'
import type { BuildInputs, Inputs, ServiceInputs } from './inputs/context.js'
import { ecrClientIn, type Preflight, type PushTarget } from './preflight/preflight.js'
import { rollbackLine } from './preflight/rollback-line.js'
import { writeSummaryBuffer } from './report/guard.js'
import { escapeHtml } from './report/summary.js'

/** One service of the run as it goes: what preflight found, its plan, and what its engine and rollback did. */
export interface Member extends ServiceRun {
  inputs: ServiceInputs
  checked: Preflight
  plan?: DeployPlan
}

/** What the engine is asked to do for one service, from the inputs and what preflight found. */
export function planOf(
  inputs: ServiceInputs,
  checked: Preflight,
  at: { image?: string; taskDefinition: DeployPlan['taskDefinition']; deadline: number; hardStop?: number },
): DeployPlan {
  return {
    cluster: inputs.cluster,
    service: inputs.service,
    taskDefinition: at.taskDefinition,
    ...(checked.existing?.asIs ? { existingTaskDefinition: checked.existing.taskDefinition } : {}),
    ...(inputs.desiredCount !== undefined ? { desiredCount: inputs.desiredCount } : {}),
    ...(inputs.forceNewDeployment ? { forceNewDeployment: true } : {}),
    ...(inputs.propagateTags !== undefined ? { propagateTags: inputs.propagateTags } : {}),
    ...(inputs.enableEcsManagedTags !== undefined ? { enableEcsManagedTags: inputs.enableEcsManagedTags } : {}),
    previousTaskDefinitionArn: checked.currentTaskDefinitionArn,
    alarms: checked.alarms,
    alarmsFiringAtStart: checked.alarmsFiring,
    maxTaskFailures: inputs.maxTaskFailures,
    rollback: inputs.rollback,
    bakeTimeMs: inputs.bakeTimeMs,
    deadline: at.deadline,
    hardStop: at.hardStop,
    wait: inputs.wait,
    currentDeploymentConfiguration: checked.service.deploymentConfiguration,
    image: at.image,
    ...(inputs.approval ? { approval: { timeoutMinutes: inputs.approval.timeoutMinutes } } : {}),
    ...(inputs.analysis
      ? { analysis: { ...inputs.analysis, targets: nativeTargets(checked.service.loadBalancers), bakeTargetGroup: serviceTargetGroup(checked.service.loadBalancers) } }
      : {}),
  }
}

/** What a run says and does after the summary: the rollback in one line, then `keep-revisions`. */
export async function afterDeploy(clients: Clients, inputs: ServiceInputs, checked: Preflight, facts: DeploymentFacts, outcome: Outcome): Promise<void> {
  const lines: string[] = []
  const rollback = checked.existing?.rollback
  if (rollback) {
    const line = rollbackLine(rollback, outcome)
    if (outcome === 'succeeded') core.notice(line, { title: 'ecs-safe-deploy: rollback' })
    else core.info(line)
    lines.push(line)
  }
  if (inputs.keepRevisions !== undefined && outcome === 'succeeded' && facts.taskDefinitionArn) {
    const protect = [checked.currentTaskDefinitionArn, checked.existing?.arn].filter((arn): arn is string => !!arn)
    const pruned = await pruneRevisions(clients, facts.taskDefinitionArn, inputs.keepRevisions, protect)
    const line = prunedLine(pruned, inputs.keepRevisions)
    for (const retried of pruned.retried) core.info(retried)
    core.info(line)
    lines.push(line)
    for (const problem of pruned.problems) {
      core.warning(`${problem} (the deployment itself succeeded)`, { title: 'ecs-safe-deploy: keep-revisions' })
      lines.push(problem)
    }
  } else if (inputs.keepRevisions !== undefined) {
    const line = `keep-revisions ${inputs.keepRevisions}: nothing deregistered, as the deployment did not succeed (outcome ${outcome}).`
    core.info(line)
    lines.push(line)
  }
  if (lines.length === 0) return
  core.summary.addRaw(lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n'), true)
  await writeSummaryBuffer()
}

/**
 * Logs in to the ECR registry, builds and pushes every tag, and logs out again at once (the post step cleans up a
 * login this run could not end). `image` is the first tag to push (`registry/repository:tag`).
 */
async function buildImage(clients: Clients, build: BuildInputs, target: PushTarget, image: string): Promise<BuiltImage> {
  const login = await loginToEcr(await ecrClientIn(clients, target.region), target.registryId ? [target.registryId] : undefined)
  try {
    return await buildAndPush({
      docker: login.docker,
      image,
      registry: login.registry,
      context: build.context,
      dockerfile: build.dockerfile,
      buildArgs: build.buildArgs,
      target: build.target,
      platform: build.platform,
      tags: build.tags,
    })
  } finally {
    await logoutFromEcr(login)
  }
}

/**
 * Builds and pushes the image when the inputs ask for it: the image to deploy (the pushed digest; preflight's image
 * when nothing is built), or the halt of a build that failed (ECS untouched).
 */
export async function buildIfAsked(
  clients: Clients,
  inputs: Inputs,
  checked: Preflight,
  timeline: Timeline,
  hardStop: Deadline,
): Promise<{ image?: string; built: boolean } | Halt> {
  const image = checked.image
  if (!inputs.build || !checked.push || !image) return { image, built: false }
  timeline.emit({ type: 'phase', at: new Date(), phase: 'build', detail: `${inputs.build.context} → ${image}` })
  // A build is not bounded by the deployment's timeout; its calls are bounded again once it is done.
  hardStop.clear()
  try {
    return { image: (await buildImage(clients, inputs.build, checked.push, image)).imageRef, built: true }
  } catch (error) {
    const message = buildErrorText(error)
    const [headline, ...lines] = message.split('\n')
    // One annotation with all the error holds; the summary with docker's last lines.
    return halt('image build or push failed', [message], { located: false, summary: [headline, ...lines.slice(-SUMMARY_BUILD_LINES)] })
  }
}

// Lines of the build's output that go into the job summary (the annotation has all the error holds).
const SUMMARY_BUILD_LINES = 15
