// A cancelled job: the runner sends SIGINT, then SIGTERM 7.5 s later, then kills the process tree 2.5 s after that.
// The main step saves what is in flight for the post step (which runs even after a cancel), reports outcome
// `cancelled`, and exits well inside that grace period.
import * as core from '@actions/core'
import type { DeploymentFacts } from './core/facts.js'
import type { Timeline } from './core/timeline.js'
import type { Inputs } from './inputs/context.js'
import { saveInFlight, type InFlight } from './state-helper.js'

export interface InFlightSource {
  inputs: Inputs
  timeline: Timeline
  /** The running engine's facts, once it has started. */
  facts: () => DeploymentFacts | undefined
  /** The task definition the service ran before, once preflight found it. */
  previousTaskDefinitionArn: () => string | undefined
  /** A release of several services: each one's inputs, timeline and facts, once preflight passed. */
  members?: () => Omit<InFlightSource, 'members' | 'beforeExit'>[] | undefined
  /** Last words before the exit (the GitHub deployment record), given at most BEFORE_EXIT_MS. */
  beforeExit?: (state: InFlight, reason: string) => Promise<void>
}

/** Well inside the 7.5 s between the runner's SIGINT and its SIGTERM. */
const BEFORE_EXIT_MS = 4_000

/** What was in flight, from the facts and the last phase on the timeline. */
function inFlight(source: InFlightSource, now: Date): InFlight {
  const facts = source.facts()
  const phase = [...source.timeline.events].reverse().find((e) => e.type === 'phase')
  return {
    engine: facts?.kind ?? 'rolling',
    cluster: source.inputs.cluster,
    service: source.inputs.service,
    ...(facts?.deploymentId ? { deploymentId: facts.deploymentId } : {}),
    ...(facts && facts.kind !== 'codedeploy' && facts.serviceDeploymentArn ? { serviceDeploymentArn: facts.serviceDeploymentArn } : {}),
    ...(facts?.taskDefinitionArn ? { taskDefinitionArn: facts.taskDefinitionArn } : {}),
    previousTaskDefinitionArn: facts?.previousTaskDefinitionArn ?? source.previousTaskDefinitionArn() ?? '',
    phase: phase?.type === 'phase' ? phase.phase : 'preflight',
    onCancel: source.inputs.onCancel,
    cancelledAt: now.toISOString(),
  }
}

/** On SIGINT or SIGTERM (once): save the state, say `cancelled`, exit. */
export function exitOnCancel(source: InFlightSource): void {
  let cancelled = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (cancelled) return
    cancelled = true
    const now = new Date()
    const members = source.members?.()
    let state: InFlight
    let reason: string
    if (members) {
      const states = members.map((m) => inFlight({ ...m, inputs: { ...m.inputs, onCancel: source.inputs.onCancel } }, now))
      saveInFlight(states)
      const started = states.filter((s) => s.deploymentId)
      reason = `The job was cancelled (${signal}) during a release of ${states.length} services${started.length > 0 ? ` (${started.map((s) => `${s.service}: deployment ${s.deploymentId} during its ${s.phase} phase`).join('; ')})` : ', before a deployment started'}; the post step reports what became of each${started.length > 0 && source.inputs.onCancel === 'rollback' ? ' and rolls back those that had not finished' : ''}.`
      state = states[0]
    } else {
      state = inFlight(source, now)
      saveInFlight(state)
      const what = state.deploymentId ? `deployment ${state.deploymentId} during its ${state.phase} phase` : `the ${state.phase} phase, before a deployment started`
      reason = `The job was cancelled (${signal}) in ${what}; the post step reports what became of it${state.deploymentId && state.onCancel === 'rollback' ? ' and rolls it back unless it had finished' : ''}.`
      core.setOutput('deployment-id', state.deploymentId ?? '')
      core.setOutput('task-definition-arn', state.taskDefinitionArn ?? '')
      core.setOutput('previous-task-definition-arn', state.previousTaskDefinitionArn)
    }
    source.timeline.emit({ type: 'outcome', at: now, outcome: 'cancelled', reason })
    core.setOutput('outcome', 'cancelled')
    const last = source.beforeExit?.(state, reason).catch(() => undefined)
    void Promise.race([last, new Promise((resolve) => setTimeout(resolve, BEFORE_EXIT_MS))]).then(() => process.exit(1))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
