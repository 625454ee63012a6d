// Orchestrates one run: inputs → preflight → (build and push the image) → (wait for a deployment already in
// progress) → rolling deployment → outcome → reports. Nothing in ECS changes before preflight and the build have
// passed.
import * as core from '@actions/core'
import { createClients, type Clients } from './aws-clients.js'
import { buildAndPush, type BuiltImage } from './build-image.js'
import { getInputs, InputError, type BuildInputs, type CodeDeployInputs, type Inputs } from './context.js'
import { diagnose } from './diagnose.js'
import { formatDuration } from './duration.js'
import { runCodeDeploy } from './deploy-codedeploy.js'
import { runNative } from './deploy-native.js'
import { runRolling, type RollingPlan } from './deploy-rolling.js'
import type { Engine } from './engine.js'
import type { DeploymentFacts } from './facts.js'
import { decideOutcome } from './outcome.js'
import { revisionOf } from './register.js'
import type { CodeDeployChecked } from './preflight-codedeploy.js'
import { ecrClientIn, preflight, PreflightError, type PushTarget } from './preflight.js'
import { loginToEcr, logoutFromEcr } from './ecr-login.js'
import { renderTaskDefinition } from './render.js'
import { annotate } from './report/annotations.js'
import { attachLogReporter } from './report/log.js'
import { setOutputs } from './report/outputs.js'
import { writeProblemsSummary, writeSummary } from './report/summary.js'
import { Timeline } from './timeline.js'
import { waitForIdle } from './watch.js'

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

  const clients = createClients()
  timeline.emit({ type: 'phase', at: new Date(), phase: 'preflight', detail: `${inputs.cluster}/${inputs.service}` })
  let checked
  try {
    checked = await preflight(clients, inputs)
  } catch (error) {
    if (!(error instanceof PreflightError)) throw error
    return stopBeforeChange(inputs.cluster, inputs.service, 'preflight failed', error.problems)
  }

  let image = checked.image
  let taskDefinition = checked.taskDefinition
  if (inputs.build && checked.push && image) {
    let built: BuiltImage
    timeline.emit({ type: 'phase', at: new Date(), phase: 'build', detail: `${inputs.build.context} → ${image}` })
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
  timeline.emit({
    type: 'phase',
    at: new Date(),
    phase: 'render',
    detail: `${revisionOf(checked.currentTaskDefinitionArn, '?')}: container ${checked.containerName}${image ? ` ← ${image}` : ' (image unchanged)'}`,
  })

  if (checked.inProgress) {
    try {
      await waitForIdle(clients, inputs.cluster, inputs.service, deadline, timeline)
    } catch (error) {
      core.setOutput('outcome', 'timed-out')
      core.setFailed((error as Error).message)
      return
    }
  }

  const plan: RollingPlan = {
    cluster: inputs.cluster,
    service: inputs.service,
    taskDefinition,
    previousTaskDefinitionArn: checked.currentTaskDefinitionArn,
    alarms: checked.alarms,
    rollback: inputs.rollback,
    bakeTimeMs: inputs.bakeTimeMs,
    deadline,
    wait: inputs.wait,
    currentDeploymentConfiguration: checked.service.deploymentConfiguration,
    image,
  }
  const facts = await deploy(clients, checked.engine, plan, timeline, { inputs: inputs.codeDeploy, checked: checked.codeDeploy })
  const decision = decideOutcome(facts)
  const cause = decision.outcome === 'succeeded' || decision.outcome === 'started' ? undefined : await diagnose(clients, facts, timeline)
  timeline.emit({ type: 'phase', at: new Date(), phase: 'done', detail: `after ${formatDuration(Date.now() - startedAt)}` })
  timeline.emit({ type: 'outcome', at: new Date(), ...decision, cause })

  setOutputs(facts, decision.outcome)
  annotate(decision, facts, timeline, cause)
  await writeSummary({ facts, decision, timeline, cause })
  if (decision.outcome !== 'succeeded' && decision.outcome !== 'started') core.setFailed(decision.reason)
}

/** The engine the service and `strategy` chose does the deployment; each returns what it observed. */
async function deploy(
  clients: Clients,
  engine: Engine,
  plan: RollingPlan,
  timeline: Timeline,
  codeDeploy: { inputs: CodeDeployInputs; checked?: CodeDeployChecked },
): Promise<DeploymentFacts> {
  switch (engine.kind) {
    case 'rolling':
      return runRolling(clients, plan, timeline)
    case 'ecs-native':
      return runNative(clients, { ...plan, engine }, timeline)
    case 'codedeploy':
      if (!codeDeploy.checked) throw new Error('The CodeDeploy engine runs only after its preflight checks passed.')
      return runCodeDeploy(clients, { ...plan, engine, codeDeploy: codeDeploy.inputs, appSpec: codeDeploy.checked.appSpec }, timeline)
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

/** Bad inputs or a failed preflight: report every problem; nothing in AWS was touched. */
async function stopBeforeChange(cluster: string, service: string, title: string, problems: string[]): Promise<void> {
  for (const problem of problems.slice(0, 10)) core.error(problem, { title: `ecs-safe-deploy: ${title}` })
  core.setOutput('outcome', 'failed')
  await writeProblemsSummary(cluster || '?', service || '?', title, problems)
  core.setFailed(`${title[0].toUpperCase()}${title.slice(1)}; nothing was changed:\n${problems.map((p) => `- ${p}`).join('\n')}`)
}
