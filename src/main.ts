// The main step: the inputs, the run's hard stop, the GitHub deployment record and the cancel path, around the one
// orchestrator (./release.ts). Bad inputs stop the run here, before any AWS call.
import * as core from '@actions/core'
import { Deadline, HARD_STOP_AFTER_TIMEOUT_MS } from './aws/deadline.js'
import { errorText } from './aws/errors.js'
import { halt, type Halt } from './core/halt.js'
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
  const verb = verbOf()
  const inputs = readInputs<Inputs | VerbInputs>(verb ? () => getVerbInputs() : () => getInputs())
  if ('halt' in inputs) return reportHalt(core.getInput('cluster'), core.getInput('service'), inputs)
  if ('verb' in inputs) return bounded(startedAt, inputs, (hardStop, record) => answerDeployment({ inputs, timeline, hardStop, startedAt, record }))
  if (inputs.services.length === 0) return registerOnly(inputs, timeline, startedAt)
  await bounded(startedAt, inputs, (hardStop, record) => {
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
    return deployRelease(release)
  })
  if (inputs.approval) setTestUrlOutput(inputs.testUrl)
}

/** The inputs, or the halt of invalid ones (nothing in AWS has been called). */
function readInputs<I>(read: () => I): I | Halt {
  try {
    return read()
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return halt('invalid inputs', error.problems)
  }
}

/**
 * Runs `body` bounded by the run's hard stop (preflight is bounded like the deployment: it cannot outlast `timeout`
 * plus the hard stop's margin), with the GitHub deployment record it sends in the background and waits for at the
 * end, for a bounded time.
 */
async function bounded(
  startedAt: number,
  inputs: { timeoutMs: number; github: Inputs['github'] },
  body: (hardStop: Deadline, record: GitHubDeploymentRecord) => Promise<void>,
): Promise<void> {
  const hardStop = new Deadline()
  hardStop.stopAt(startedAt + inputs.timeoutMs + HARD_STOP_AFTER_TIMEOUT_MS)
  const record = new GitHubDeploymentRecord(inputs.github)
  try {
    await body(hardStop, record)
  } catch (error) {
    record.fail(errorText(error))
    throw error
  } finally {
    hardStop.clear()
    await record.settle(RECORD_SETTLE_MS)
    setRecordOutputs(inputs.github.environmentUrl, record.deploymentId)
  }
}
