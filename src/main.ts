// Orchestrates one run: inputs → preflight → (build and push the image) → (wait for a deployment already in
// progress) → the engine the service chose → outcome → diagnosis → reports. Nothing in ECS changes before preflight
// and the build have passed, and the run's deadline bounds every AWS call, so it always ends with an outcome.
import * as core from '@actions/core'
import { revisionOf } from './aws/arn.js'
import { createClients, type Clients } from './aws/clients.js'
import { exitOnCancel } from './cancelled.js'
import { Deadline, HARD_STOP_AFTER_TIMEOUT_MS } from './aws/deadline.js'
import { buildAndPush, type BuiltImage } from './build/build-image.js'
import { loginToEcr, logoutFromEcr } from './build/ecr-login.js'
import type { DeploymentFacts } from './core/facts.js'
import { decideOutcome } from './core/outcome.js'
import { diffTaskDefinitions } from './core/task-definition-diff.js'
import type { DeployPlan } from './core/plan.js'
import { Timeline, type Outcome } from './core/timeline.js'
import { runCodeDeploy } from './engines/codedeploy/run.js'
import { runNative } from './engines/ecs-native/run.js'
import { pruneRevisions, prunedLine } from './engines/deregister.js'
import type { EngineOptions } from './engines/register.js'
import { runRolling } from './engines/rolling/run.js'
import { getInputs, InputError, type BuildInputs, type Inputs } from './inputs/context.js'
import { formatDuration } from './inputs/duration.js'
import { ecrClientIn, preflight, PreflightError, type Preflight, type PushTarget } from './preflight/preflight.js'
import { rollbackLine } from './preflight/rollback-line.js'
import { renderLine, renderTaskDefinition } from './render/task-definition.js'
import { annotate, annotateProblems, failStep } from './report/annotations.js'
import { GitHubDeploymentRecord } from './report/github-deployment.js'
import { attachLogReporter, logChanges } from './report/log.js'
import { setOutputs, setRecordOutputs } from './report/outputs.js'
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
  // The GitHub deployment record is sent in the background; the run waits for it at the end, for a bounded time.
  const record = new GitHubDeploymentRecord(inputs.github)
  const flight: Flight = {}
  exitOnCancel({
    inputs,
    timeline,
    facts: () => flight.facts,
    previousTaskDefinitionArn: () => flight.previousTaskDefinitionArn,
    beforeExit: async (state, reason) => {
      record.finish('cancelled', reason, state.taskDefinitionArn)
      await record.settle(RECORD_SETTLE_MS)
    },
  })
  try {
    await deploy(inputs, timeline, deadline, startedAt, record, flight)
  } catch (error) {
    record.fail(error instanceof Error ? error.message : String(error))
    throw error
  } finally {
    deadline.clear()
    await record.settle(RECORD_SETTLE_MS)
    setRecordOutputs(inputs.github.environmentUrl, record.deploymentId)
  }
}

/** How long the end of a run waits for GitHub to take the deployment record's last calls. */
const RECORD_SETTLE_MS = 10_000

/** What a cancel needs to know of the run so far. */
interface Flight {
  facts?: DeploymentFacts
  previousTaskDefinitionArn?: string
}

async function deploy(inputs: Inputs, timeline: Timeline, hardStop: Deadline, startedAt: number, record: GitHubDeploymentRecord, flight: Flight): Promise<void> {
  const clients = createClients({ deadline: hardStop })
  timeline.emit({ type: 'phase', at: new Date(), phase: 'preflight', detail: `${inputs.cluster}/${inputs.service}` })
  let checked: Preflight
  try {
    checked = await preflight(clients, inputs)
  } catch (error) {
    if (!(error instanceof PreflightError)) throw error
    return stopBeforeChange(inputs.cluster, inputs.service, 'preflight failed', error.problems)
  }

  flight.previousTaskDefinitionArn = checked.currentTaskDefinitionArn
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
    detail: checked.existing?.asIs
      ? checked.existing.why
      : `${checked.existing ? `${checked.existing.why} ` : ''}${renderLine({ file: inputs.taskDefinitionFile, currentTaskDefinitionArn: checked.existing?.arn ?? checked.currentTaskDefinitionArn }, checked.containerName, image)}`,
  })
  // What changes, before anything does (secret values never shown).
  const changes = checked.previousTaskDefinition ? diffTaskDefinitions(checked.previousTaskDefinition, taskDefinition) : undefined
  if (changes) logChanges(changes, revisionOf(checked.currentTaskDefinitionArn, 'the current revision'))

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
    ...(checked.existing?.asIs ? { existingTaskDefinition: checked.existing.taskDefinition } : {}),
    ...(inputs.desiredCount !== undefined ? { desiredCount: inputs.desiredCount } : {}),
    ...(inputs.forceNewDeployment ? { forceNewDeployment: true } : {}),
    previousTaskDefinitionArn: checked.currentTaskDefinitionArn,
    alarms: checked.alarms,
    alarmsFiringAtStart: checked.alarmsFiring,
    maxTaskFailures: inputs.maxTaskFailures,
    rollback: inputs.rollback,
    bakeTimeMs: inputs.bakeTimeMs,
    deadline,
    hardStop: hardStop.hardStop,
    wait: inputs.wait,
    currentDeploymentConfiguration: checked.service.deploymentConfiguration,
    image,
  }
  // The record starts once the deployment does, so its payload names it (what a later rollback needs).
  let recordStarted = false
  const startRecord = (): void => {
    const live = flight.facts
    if (recordStarted || !live?.deploymentId) return
    recordStarted = true
    record.start(timeline, {
      cluster: inputs.cluster,
      service: inputs.service,
      engine: checked.engine.kind,
      previousTaskDefinitionArn: checked.currentTaskDefinitionArn,
      image: live.image,
      taskDefinitionArn: live.taskDefinitionArn,
      deploymentId: live.deploymentId,
    })
  }
  timeline.subscribe(startRecord)
  const facts = await runEngine(clients, checked.engine, plan, inputs, timeline, { poller, onFacts: (live) => (flight.facts = live) })
  startRecord()
  const decision = decideOutcome(facts)
  const cause = decision.outcome === 'succeeded' || decision.outcome === 'started' ? undefined : await diagnose(clients, facts, timeline)
  timeline.emit({ type: 'phase', at: new Date(), phase: 'done', detail: `after ${formatDuration(Date.now() - startedAt)}` })
  timeline.emit({ type: 'outcome', at: new Date(), ...decision, cause })
  record.finish(decision.outcome, decision.reason, facts.taskDefinitionArn)

  setOutputs(facts, decision.outcome)
  annotate(decision, facts, timeline, cause)
  // annotate() wrote the one titled error of a failed run and set the exit code: no second, untitled error.
  await writeSummary({ facts, decision, timeline, cause, changes })
  await afterDeploy(clients, inputs, checked, facts, decision.outcome)
}

/** What a run says and does after the summary: the rollback in one line, then `keep-revisions`. */
async function afterDeploy(clients: Clients, inputs: Inputs, checked: Preflight, facts: DeploymentFacts, outcome: Outcome): Promise<void> {
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
    .addRaw(lines.map((l) => `<p>${l.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`).join('\n'), true)
    .write()
    .catch(() => undefined)
}

/** The engine preflight chose runs the deployment; each returns what it observed, tagged with its kind. */
function runEngine(clients: Clients, engine: Preflight['engine'], plan: DeployPlan, inputs: Inputs, timeline: Timeline, options: EngineOptions): Promise<DeploymentFacts> {
  switch (engine.kind) {
    case 'rolling':
      return runRolling(clients, plan, timeline, options)
    case 'ecs-native':
      return runNative(clients, { ...plan, engine }, timeline, options)
    case 'codedeploy':
      return runCodeDeploy(clients, { ...plan, engine, codeDeploy: inputs.codeDeploy, appSpec: engine.checked.appSpec }, timeline, options)
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
  failStep()
}

/** Bad inputs, a failed preflight, or a deployment in progress that never ended: report every problem; nothing in
 * AWS was changed. */
async function stopBeforeChange(cluster: string, service: string, title: string, problems: string[], outcome: Outcome = 'failed'): Promise<void> {
  // One titled error per problem, on the file (and line) when it is in one; the step fails with no further error.
  annotateProblems(`ecs-safe-deploy: ${title}`, problems)
  core.setOutput('outcome', outcome)
  await writeProblemsSummary(cluster || '?', service || '?', title, problems)
}
