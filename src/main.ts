// The main step: the inputs, the run's hard stop, the GitHub deployment record and the cancel path, around the one
// orchestrator (./release.ts). Bad inputs stop the run here, before any AWS call.
import * as core from '@actions/core'
import { Deadline, HARD_STOP_AFTER_TIMEOUT_MS } from './aws/deadline.js'
import { errorText } from './aws/errors.js'
import { halt } from './core/halt.js'
import { Timeline } from './core/timeline.js'
import { exitOnCancel } from './cancelled.js'
import { answerDeployment } from './approve.js'
import { getInputs, getVerbInputs, InputError, verbOf, type Inputs, type VerbInputs } from './inputs/context.js'
import { registerOnly } from './register-only.js'
import { deployRelease, type Run } from './release.js'
import { GitHubDeploymentRecord } from './report/github-deployment.js'
import { reportHalt } from './report/halt.js'
import { attachLogReporter } from './report/log.js'
import { setRecordOutputs, setTestUrlOutput } from './report/outputs.js'

/** How long the end of a run waits for GitHub to take the deployment record's last calls. */
const RECORD_SETTLE_MS = 10_000

export async function run(): Promise<void> {
  const startedAt = Date.now()
  const timeline = new Timeline()
  attachLogReporter(timeline, startedAt)
  // `approve` and `reject` answer a deployment an earlier run paused: verbs of their own, before the deploy path.
  if (verbOf()) return runVerb(startedAt, timeline)
  let inputs: Inputs
  try {
    inputs = getInputs()
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return reportHalt(core.getInput('cluster'), core.getInput('service'), halt('invalid inputs', error.problems))
  }
  if (inputs.services.length === 0) return registerOnly(inputs, timeline, startedAt)

  // Preflight is bounded like the deployment: it cannot outlast `timeout` plus the hard stop's margin.
  const hardStop = new Deadline()
  hardStop.stopAt(startedAt + inputs.timeoutMs + HARD_STOP_AFTER_TIMEOUT_MS)
  // The GitHub deployment record is sent in the background; the run waits for it at the end, for a bounded time.
  const record = new GitHubDeploymentRecord(inputs.github)
  const release: Run = { inputs, timeline, hardStop, startedAt, record, flight: {} }
  exitOnCancel({
    inputs,
    timeline,
    members: () => release.flight.members,
    beforeExit: async (reason, taskDefinitionArn) => {
      record.finish('cancelled', reason, taskDefinitionArn)
      await record.settle(RECORD_SETTLE_MS)
    },
  })
  try {
    await deployRelease(release)
  } catch (error) {
    record.fail(errorText(error))
    throw error
  } finally {
    hardStop.clear()
    await record.settle(RECORD_SETTLE_MS)
    setRecordOutputs(inputs.github.environmentUrl, record.deploymentId)
    if (inputs.approval) setTestUrlOutput(inputs.testUrl)
  }
}

/** An `approve` or `reject` run: its inputs, the hard stop and the GitHub record around src/approve.ts. */
async function runVerb(startedAt: number, timeline: Timeline): Promise<void> {
  let inputs: VerbInputs
  try {
    inputs = getVerbInputs()
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return reportHalt(core.getInput('cluster'), core.getInput('service'), halt('invalid inputs', error.problems))
  }
  const hardStop = new Deadline()
  hardStop.stopAt(startedAt + inputs.timeoutMs + HARD_STOP_AFTER_TIMEOUT_MS)
  const record = new GitHubDeploymentRecord(inputs.github)
  try {
    await answerDeployment({ inputs, timeline, hardStop, startedAt, record })
  } catch (error) {
    record.fail(errorText(error))
    throw error
  } finally {
    hardStop.clear()
    await record.settle(RECORD_SETTLE_MS)
    setRecordOutputs(inputs.github.environmentUrl, record.deploymentId)
  }
}
