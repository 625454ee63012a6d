// The steps of a run that one service and a release of several share: the plan an engine is given, the engine that
// runs it, the build, what is said after the summary, and the two ways a run stops before anything changed.
import * as core from '@actions/core'
import type { Clients } from './aws/clients.js'
import { buildAndPush, type BuiltImage } from './build/build-image.js'
import { loginToEcr, logoutFromEcr } from './build/ecr-login.js'
import type { DeploymentFacts } from './core/facts.js'
import type { DeployPlan } from './core/plan.js'
import type { Outcome, Timeline } from './core/timeline.js'
import type { Deadline } from './aws/deadline.js'
import { runCodeDeploy } from './engines/codedeploy/run.js'
import { pruneRevisions, prunedLine } from './engines/deregister.js'
import { runNative } from './engines/ecs-native/run.js'
import type { EngineOptions } from './engines/register.js'
import { runRolling } from './engines/rolling/run.js'
import type { BuildInputs, Inputs } from './inputs/context.js'
import { ecrClientIn, type Preflight, type PushTarget } from './preflight/preflight.js'
import { rollbackLine } from './preflight/rollback-line.js'
import { annotateProblems, failStep } from './report/annotations.js'
import { escapeHtml, writeProblemsSummary } from './report/summary.js'
import type { Poller } from './watch/poller.js'

/** What the engine is asked to do for one service, from the inputs and what preflight found. */
export function planOf(inputs: Inputs, checked: Preflight, at: { image?: string; taskDefinition: DeployPlan['taskDefinition']; deadline: number; hardStop?: number }): DeployPlan {
  return {
    cluster: inputs.cluster,
    service: inputs.service,
    taskDefinition: at.taskDefinition,
    ...(checked.existing?.asIs ? { existingTaskDefinition: checked.existing.taskDefinition } : {}),
    ...(inputs.desiredCount !== undefined ? { desiredCount: inputs.desiredCount } : {}),
    ...(inputs.forceNewDeployment ? { forceNewDeployment: true } : {}),
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
  }
}

/** What a run says and does after the summary: the rollback in one line, then `keep-revisions`. */
export async function afterDeploy(clients: Clients, inputs: Inputs, checked: Preflight, facts: DeploymentFacts, outcome: Outcome): Promise<void> {
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
  await core.summary
    .addRaw(lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n'), true)
    .write()
    .catch(() => undefined)
}

/**
 * The engine preflight chose runs the deployment; each returns what it observed, tagged with its kind. Each run counts
 * its own throttling and unanswered calls (its facts), though a release runs several at once on the one poller.
 */
export function runEngine(
  clients: Clients,
  engine: Preflight['engine'],
  plan: DeployPlan,
  inputs: Inputs,
  timeline: Timeline,
  options: EngineOptions & { poller: Poller },
): Promise<DeploymentFacts> {
  return options.poller.counting(async () => {
    switch (engine.kind) {
      case 'rolling':
        return runRolling(clients, plan, timeline, options)
      case 'ecs-native':
        return runNative(clients, { ...plan, engine }, timeline, options)
      case 'codedeploy':
        return runCodeDeploy(clients, { ...plan, engine, codeDeploy: inputs.codeDeploy, appSpec: engine.checked.appSpec }, timeline, options)
    }
  })
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
 * when nothing is built), or undefined when the build failed and the run stopped with it (ECS untouched).
 */
export async function buildIfAsked(
  clients: Clients,
  inputs: Inputs,
  checked: Preflight,
  timeline: Timeline,
  hardStop: Deadline,
  service: string,
): Promise<{ image?: string; built: boolean } | undefined> {
  const image = checked.image
  if (!inputs.build || !checked.push || !image) return { image, built: false }
  timeline.emit({ type: 'phase', at: new Date(), phase: 'build', detail: `${inputs.build.context} → ${image}` })
  // A build is not bounded by the deployment's timeout; its calls are bounded again once it is done.
  hardStop.clear()
  try {
    return { image: (await buildImage(clients, inputs.build, checked.push, image)).imageRef, built: true }
  } catch (error) {
    await stopAfterFailedBuild(inputs.cluster, service, error as Error)
    return undefined
  }
}

// Lines of the build's output that go into the job summary (the annotation has all the error holds).
const SUMMARY_BUILD_LINES = 15

/** The build or push failed: one annotation with docker's last lines, the same in the summary; ECS is untouched. */
async function stopAfterFailedBuild(cluster: string, service: string, error: Error): Promise<void> {
  const title = 'image build or push failed'
  const [headline, ...lines] = error.message.split('\n')
  core.error(error.message, { title: `ecs-safe-deploy: ${title}` })
  core.setOutput('outcome', 'failed')
  await writeProblemsSummary(cluster, service, title, [headline, ...lines.slice(-SUMMARY_BUILD_LINES)])
  failStep()
}

/** Bad inputs, a failed preflight, or a deployment in progress that never ended: report every problem; nothing in
 * AWS was changed. */
export async function stopBeforeChange(cluster: string, service: string, title: string, problems: string[], outcome: Outcome = 'failed'): Promise<void> {
  // One titled error per problem, on the file (and line) when it is in one; the step fails with no further error.
  annotateProblems(`ecs-safe-deploy: ${title}`, problems)
  core.setOutput('outcome', outcome)
  await writeProblemsSummary(cluster || '?', service || '?', title, problems)
}
