// Orchestrates one run: inputs → preflight → (wait for a deployment already in progress) → rolling deployment →
// outcome → reports. Nothing mutating happens before preflight has passed.
import * as core from '@actions/core'
import { createClients } from './aws-clients.js'
import { getInputs, InputError, type Inputs } from './context.js'
import { diagnose } from './diagnose.js'
import { formatDuration } from './duration.js'
import { runRolling } from './deploy-rolling.js'
import { decideOutcome } from './outcome.js'
import { preflight, PreflightError } from './preflight.js'
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

  const deadline = startedAt + inputs.timeoutMs
  const clients = createClients()
  timeline.emit({ type: 'phase', at: new Date(), phase: 'preflight', detail: `${inputs.cluster}/${inputs.service}` })
  let checked
  try {
    checked = await preflight(clients, inputs)
  } catch (error) {
    if (!(error instanceof PreflightError)) throw error
    return stopBeforeChange(inputs.cluster, inputs.service, 'preflight failed', error.problems)
  }
  timeline.emit({
    type: 'phase',
    at: new Date(),
    phase: 'render',
    detail: `${checked.currentTaskDefinitionArn.split('/').pop()}: container ${checked.containerName}${inputs.image ? ` ← ${inputs.image}` : ' (image unchanged)'}`,
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

  const facts = await runRolling(
    clients,
    {
      cluster: inputs.cluster,
      service: inputs.service,
      taskDefinition: checked.taskDefinition,
      previousTaskDefinitionArn: checked.currentTaskDefinitionArn,
      alarms: checked.alarms,
      rollback: inputs.rollback,
      bakeTimeMs: inputs.bakeTimeMs,
      deadline,
      wait: inputs.wait,
      currentDeploymentConfiguration: checked.service.deploymentConfiguration,
      image: inputs.image,
    },
    timeline,
  )
  const decision = decideOutcome(facts)
  const cause = decision.outcome === 'succeeded' || decision.outcome === 'started' ? undefined : await diagnose(clients, facts, timeline)
  timeline.emit({ type: 'phase', at: new Date(), phase: 'done', detail: `after ${formatDuration(Date.now() - startedAt)}` })
  timeline.emit({ type: 'outcome', at: new Date(), ...decision, cause })

  setOutputs(facts, decision.outcome)
  annotate(decision, facts, timeline, cause)
  await writeSummary({ facts, decision, timeline, cause })
  if (decision.outcome !== 'succeeded' && decision.outcome !== 'started') core.setFailed(decision.reason)
}

/** Bad inputs or a failed preflight: report every problem; nothing in AWS was touched. */
async function stopBeforeChange(cluster: string, service: string, title: string, problems: string[]): Promise<void> {
  for (const problem of problems.slice(0, 10)) core.error(problem, { title: `ecs-safe-deploy: ${title}` })
  core.setOutput('outcome', 'failed')
  await writeProblemsSummary(cluster || '?', service || '?', title, problems)
  core.setFailed(`${title[0].toUpperCase()}${title.slice(1)}; nothing was changed:\n${problems.map((p) => `- ${p}`).join('\n')}`)
}
