// Orchestrates one run: inputs → preflight → (build and push the image) → (wait for a deployment already in
// progress) → the engine the service chose → outcome → diagnosis → reports. Nothing in ECS changes before preflight
// and the build have passed, and the run's deadline bounds every AWS call, so it always ends with an outcome. A
// `service` input naming several services runs as one release (./release.ts).
import * as core from '@actions/core'
import { revisionOf } from './aws/arn.js'
import { createClients } from './aws/clients.js'
import { exitOnCancel } from './cancelled.js'
import { Deadline, HARD_STOP_AFTER_TIMEOUT_MS } from './aws/deadline.js'
import type { DeploymentFacts } from './core/facts.js'
import { decideOutcome } from './core/outcome.js'
import { diffTaskDefinitions } from './core/task-definition-diff.js'
import { Timeline, type Outcome } from './core/timeline.js'
import { getInputs, InputError, type Inputs } from './inputs/context.js'
import { formatDuration } from './inputs/duration.js'
import { preflight, PreflightError, type Preflight } from './preflight/preflight.js'
import { deployRelease, type ReleaseFlight } from './release.js'
import { renderLine, renderTaskDefinition } from './render/task-definition.js'
import { annotate } from './report/annotations.js'
import { GitHubDeploymentRecord } from './report/github-deployment.js'
import { attachLogReporter, logChanges } from './report/log.js'
import { setOutputs, setRecordOutputs } from './report/outputs.js'
import { writeSummary } from './report/summary.js'
import { afterDeploy, buildIfAsked, planOf, runEngine, stopBeforeChange } from './steps.js'
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
  const release: ReleaseFlight = {}
  exitOnCancel({
    inputs,
    timeline,
    facts: () => flight.facts,
    previousTaskDefinitionArn: () => flight.previousTaskDefinitionArn,
    members: () => release.members,
    beforeExit: async (state, reason) => {
      record.finish('cancelled', reason, state.taskDefinitionArn)
      await record.settle(RECORD_SETTLE_MS)
    },
  })
  try {
    if (inputs.services.length > 1) await deployRelease(inputs, timeline, deadline, startedAt, record, release)
    else await deploy(inputs, timeline, deadline, startedAt, record, flight)
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
  const build = await buildIfAsked(clients, inputs, checked, timeline, hardStop, inputs.service)
  if (!build) return
  const image = build.image
  const taskDefinition = build.built
    ? renderTaskDefinition(checked.taskDefinition, { image, containerName: checked.containerName }, 'the task definition').taskDefinition
    : checked.taskDefinition
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

  const plan = planOf(inputs, checked, { image, taskDefinition, deadline, hardStop: hardStop.hardStop })
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
