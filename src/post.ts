// The post step after a cancelled run: the main step saved what was in flight (state-helper.ts); here the deployment
// is looked at once, rolled back when `on-cancel: rollback` asks for it and its bake had not finished, and the
// annotation and job summary say what happened.
import * as core from '@actions/core'
import { revisionOf } from './aws/arn.js'
import { createClients } from './aws/clients.js'
import { Deadline } from './aws/deadline.js'
import { errorText } from './aws/errors.js'
import type { AfterCancel } from './engines/contract.js'
import { engineFor } from './engines/index.js'
import { firingAfterCancel } from './cancel-alarms.js'
import { writeSummaryBuffer } from './report/guard.js'
import { escapeHtml } from './report/summary.js'
import type { InFlight } from './state-helper.js'
import { stopOneOff } from './tasks/run.js'
import { direct } from './watch/stopped-tasks.js'

/** The post step's look is one or two calls: it never holds the job up for long. */
const POST_LOOK_MS = 20_000
/** Phases after which the deployment had nothing left to verify. */
const SETTLED_PHASES = new Set(['rollback', 'done'])

/** The sentence the annotation and summary carry. */
function cancelReport(state: InFlight, seen: AfterCancel | undefined, problem?: string): string {
  const when = `The job was cancelled at ${state.cancelledAt} during the ${state.phase} phase`
  if (!state.deploymentId) return `${when}, before a deployment started: nothing in ECS was changed by this run.`
  const guard = engineFor(state.engine).guard
  const deployment = `deployment ${state.deploymentId}`
  if (problem) return `${when}; ${deployment} could not be looked at (${problem}): it is left to ${guard}.`
  if (!seen) return `${when}; ${deployment} is left to ${guard}.`
  if (seen.rolledBack) return `${when}; ${deployment} (${seen.where}) was rolled back because on-cancel is rollback: ${seen.rolledBack}.`
  // Cancelled in the bake: the release completed, and nothing verified it.
  const unbaked = state.phase === 'bake' ? ` Its bake was cut short: ${revisionOf(state.taskDefinitionArn, 'the release')} is live, left running and unwatched by this run.` : ''
  if (seen.finished) return `${when}; ${deployment} has since ended: ${seen.where}.${unbaked}`
  return `${when}; ${deployment} is still ${seen.where}, left to ${guard} (on-cancel: ${state.onCancel}).`
}

/** Stops the one-off task the cancel left running; what became of it, as a sentence to add. */
async function stopOneOffAfterCancel(state: InFlight): Promise<string> {
  if (!state.oneOffTaskArn) return ''
  const deadline = new Deadline()
  deadline.stopAt(Date.now() + POST_LOOK_MS)
  const stopped = await stopOneOff(createClients({ deadline }), state.cluster, state.oneOffTaskArn, 'ecs-safe-deploy: the job was cancelled', direct)
  deadline.clear()
  return stopped ? ` Its one-off task ${state.oneOffTaskArn} was stopped.` : ` Its one-off task ${state.oneOffTaskArn} could not be stopped: it runs to its end.`
}

export async function postAfterCancel(state: InFlight): Promise<void> {
  const deadline = new Deadline()
  deadline.stopAt(Date.now() + POST_LOOK_MS)
  const rollBack = state.onCancel === 'rollback' && !SETTLED_PHASES.has(state.phase)
  let seen: AfterCancel | undefined
  let problem: string | undefined
  let firing: string[] = []
  if (state.deploymentId) {
    const clients = createClients({ deadline })
    try {
      seen = await engineFor(state.engine).afterCancel(clients, state, rollBack)
    } catch (error) {
      problem = errorText(error)
    }
    firing = await firingAfterCancel(clients, state, seen)
    deadline.clear()
  }
  const message = `${cancelReport(state, seen, problem)}${await stopOneOffAfterCancel(state)}`
  const where = `${state.cluster}/${state.service}`
  core.warning(message, { title: `ECS deployment cancelled: ${where}` })
  for (const alarm of firing) core.error(alarm, { title: `ECS deployment cancelled with an alarm in ALARM: ${where}` })
  core.summary.addHeading(`🛑 ECS deployment cancelled: ${state.service}`, 2).addRaw(`<p>${escapeHtml(message)}</p>`, true)
  await writeSummaryBuffer()
}
