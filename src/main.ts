// Orchestrates one run: inputs → preflight → (build and push the image) → (wait for a deployment already in
// progress) → the engine the service chose → outcome → diagnosis → reports. Nothing in ECS changes before preflight
// and the build have passed, and the run's deadline bounds every AWS call, so it always ends with an outcome.
import * as core from '@actions/core'
import { revisionOf } from './aws/arn.js'
import { createClients, type Clients } from './aws/clients.js'
import { Deadline, HARD_STOP_AFTER_TIMEOUT_MS } from './aws/deadline.js'
import { buildAndPush, type BuiltImage } from './build/build-image.js'
import { loginToEcr, logoutFromEcr } from './build/ecr-login.js'
import type { DeploymentFacts } from './core/facts.js'
import { decideOutcome } from './core/outcome.js'
import type { DeployPlan } from './core/plan.js'
import { Timeline, type Outcome } from './core/timeline.js'
import { runCodeDeploy } from './engines/codedeploy/run.js'
import { runNative } from './engines/ecs-native/run.js'
import { runRolling } from './engines/rolling/run.js'
import { getInputs, InputError, type BuildInputs, type Inputs } from './inputs/context.js'
import { formatDuration } from './inputs/duration.js'
import { ecrClientIn, preflight, PreflightError, type Preflight, type PushTarget } from './preflight/preflight.js'
import { renderTaskDefinition } from './render/task-definition.js'
import { annotate } from './report/annotations.js'
import { attachLogReporter } from './report/log.js'
import { setOutputs } from './report/outputs.js'
import { writeProblemsSummary, writeSummary } from './report/summary.js'
import { diagnose } from './watch/diagnose.js'
import { StillBusyError, waitForIdle } from './watch/idle.js'
import { Poller } from './watch/poller.js'

export async function run(): Promise<void> {
  const startedAt = Date.now()
  const timeline = new Timeline()
  attachLogReporter(timeline, startedAt)

  let inputs: Inputs
  try {
    inputs = getInputs()
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return stopBeforeChange(core.getInput('cluster'), core.getInput('service'), 'invalid inputs', error.problems)
  }

  // Preflight is bounded like the deployment: it cannot outlast `timeout` plus the hard stop's margin.
  const deadline = new Deadline()
  deadline.stopAt(startedAt + inputs.timeoutMs + HARD_STOP_AFTER_TIMEOUT_MS)
  try {
    await deploy(inputs, timeline, deadline, startedAt)
  } finally {
    deadline.clear()
  }
}

async function deploy(inputs: Inputs, timeline: Timeline, hardStop: Deadline, startedAt: number): Promise<void> {
  const clients = createClients({ deadline: hardStop })
  timeline.emit({ type: 'phase', at: new Date(), phase: 'preflight', detail: `${inputs.cluster}/${inputs.service}` })
  let checked: Preflight
  try {
    checked = await preflight(clients, inputs)
  } catch (error) {
    if (!(error instanceof PreflightError)) throw error
    return stopBeforeChange(inputs.cluster, inputs.service, 'preflight failed', error.problems)
  }

  for (const message of checked.warnings) timeline.emit({ type: 'warning', at: new Date(), message })
  let image = checked.image
  let taskDefinition = checked.taskDefinition
  if (inputs.build && checked.push && image) {
    let built: BuiltImage
    timeline.emit({ type: 'phase', at: new Date(), phase: 'build', detail: `${inputs.build.context} → ${image}` })
    // A build is not bounded by the deployment's timeout; its calls are bounded again once it is done.
    hardStop.clear()
    try {
      built = await buildImage(clients, inputs.build, checked.push, image)
    } catch (error) {
      return stopAfterFailedBuild(inputs.cluster, inputs.service, error as Error)
    }
    image = built.imageRef
    taskDefinition = renderTaskDefinition(taskDefinition, { image, containerName: checked.containerName }, 'the task definition').taskDefinition
  }
  // The timeout is for the deployment and bake; a build before them does not eat into it.
  const deadline = Date.now() + inputs.timeoutMs
  hardStop.stopAt(deadline + HARD_STOP_AFTER_TIMEOUT_MS)
  const poller = new Poller()
  timeline.emit({
    type: 'phase',
    at: new Date(),
    phase: 'render',
    detail: `${revisionOf(checked.currentTaskDefinitionArn, '?')}: container ${checked.containerName}${image ? ` ← ${image}` : ' (image unchanged)'}`,
  })

  if (checked.inProgress) {
    try {
      await waitForIdle(clients, inputs.cluster, inputs.service, deadline, timeline, poller)
    } catch (error) {
      const outcome: Outcome = error instanceof StillBusyError ? 'timed-out' : 'failed'
      return stopBeforeChange(inputs.cluster, inputs.service, 'a deployment already in progress did not end', [(error as Error).message], outcome)
    }
  }

  const plan: DeployPlan = {
    cluster: inputs.cluster,
    service: inputs.service,
    taskDefinition,
    previousTaskDefinitionArn: checked.currentTaskDefinitionArn,
    alarms: checked.alarms,
    alarmsFiringAtStart: checked.alarmsFiring,
    rollback: inputs.rollback,
    bakeTimeMs: inputs.bakeTimeMs,
    deadline,
    hardStop: hardStop.hardStop,
    wait: inputs.wait,
    currentDeploymentConfiguration: checked.service.deploymentConfiguration,
    image,
  }
  const facts = await runEngine(clients, checked.engine, plan, inputs, timeline, poller)
  const decision = decideOutcome(facts)
  const cause = decision.outcome === 'succeeded' || decision.outcome === 'started' ? undefined : await diagnose(clients, facts, timeline)
  timeline.emit({ type: 'phase', at: new Date(), phase: 'done', detail: `after ${formatDuration(Date.now() - startedAt)}` })
  timeline.emit({ type: 'outcome', at: new Date(), ...decision, cause })

  setOutputs(facts, decision.outcome)
  annotate(decision, facts, timeline, cause)
  await writeSummary({ facts, decision, timeline, cause })
  if (decision.outcome !== 'succeeded' && decision.outcome !== 'started') core.setFailed(decision.reason)
}

/** The engine preflight chose runs the deployment; each returns what it observed, tagged with its kind. */
function runEngine(clients: Clients, engine: Preflight['engine'], plan: DeployPlan, inputs: Inputs, timeline: Timeline, poller: Poller): Promise<DeploymentFacts> {
  switch (engine.kind) {
    case 'rolling':
      return runRolling(clients, plan, timeline, { poller })
    case 'ecs-native':
      return runNative(clients, { ...plan, engine }, timeline, { poller })
    case 'codedeploy':
      return runCodeDeploy(clients, { ...plan, engine, codeDeploy: inputs.codeDeploy, appSpec: engine.checked.appSpec }, timeline, { poller })
  }
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

// Lines of the build's output that go into the job summary (the annotation has all the error holds).
const SUMMARY_BUILD_LINES = 15

/** The build or push failed: one annotation with docker's last lines, the same in the summary; ECS is untouched. */
async function stopAfterFailedBuild(cluster: string, service: string, error: Error): Promise<void> {
  const title = 'image build or push failed'
  const [headline, ...lines] = error.message.split('\n')
  core.error(error.message, { title: `ecs-safe-deploy: ${title}` })
  core.setOutput('outcome', 'failed')
  await writeProblemsSummary(cluster, service, title, [headline, ...lines.slice(-SUMMARY_BUILD_LINES)])
  core.setFailed(`Image build or push failed; nothing in ECS was changed: ${headline}`)
}

/** Bad inputs, a failed preflight, or a deployment in progress that never ended: report every problem; nothing in
 * AWS was changed. */
async function stopBeforeChange(cluster: string, service: string, title: string, problems: string[], outcome: Outcome = 'failed'): Promise<void> {
  for (const problem of problems.slice(0, 10)) core.error(problem, { title: `ecs-safe-deploy: ${title}` })
  core.setOutput('outcome', outcome)
  await writeProblemsSummary(cluster || '?', service || '?', title, problems)
  core.setFailed(`${title[0].toUpperCase()}${title.slice(1)}; nothing was changed:\n${problems.map((p) => `- ${p}`).join('\n')}`)
}
