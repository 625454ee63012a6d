// A cancelled job: the runner sends SIGINT, then SIGTERM 7.5 s later, then kills the process tree 2.5 s after that.
// The main step saves what is in flight for the post step (which runs even after a cancel), reports outcome
// `cancelled`, and exits well inside that grace period.
import type { Timeline } from './core/timeline.js'
import type { Inputs } from './inputs/context.js'
import { setCancelledOutputs } from './report/outputs.js'
import { saveInFlight, type InFlight } from './state-helper.js'
import type { Member } from './steps.js'

export interface InFlightSource {
  inputs: Inputs
  /** The run's own timeline. */
  timeline: Timeline
  /** The services once preflight passed, with their facts once their engines started. */
  members: () => Member[] | undefined
  /** Last words before the exit (the GitHub deployment record), given at most BEFORE_EXIT_MS. */
  beforeExit?: (reason: string, taskDefinitionArn?: string) => Promise<void>
}

/** Well inside the 7.5 s between the runner's SIGINT and its SIGTERM. */
const BEFORE_EXIT_MS = 4_000

/** What was in flight on one service, from its facts and the last phase on its timeline. */
function inFlight(inputs: Inputs, service: string, timeline: Timeline, member: Member | undefined, now: Date): InFlight {
  const facts = member?.facts
  const phase = [...timeline.events].reverse().find((e) => e.type === 'phase')
  const oneOff = facts?.oneOffTasks?.find((t) => t.taskArn && !t.finishedAt)
  return {
    engine: facts?.kind ?? member?.checked.engine.kind ?? 'rolling',
    cluster: inputs.cluster,
    service,
    ...(facts?.deploymentId ? { deploymentId: facts.deploymentId } : {}),
    ...(facts && 'serviceDeploymentArn' in facts && facts.serviceDeploymentArn ? { serviceDeploymentArn: facts.serviceDeploymentArn } : {}),
    ...(facts?.taskDefinitionArn ? { taskDefinitionArn: facts.taskDefinitionArn } : {}),
    previousTaskDefinitionArn: facts?.previousTaskDefinitionArn ?? member?.checked.currentTaskDefinitionArn ?? '',
    phase: phase?.type === 'phase' ? phase.phase : 'preflight',
    onCancel: inputs.onCancel,
    ...(oneOff ? { oneOffTaskArn: oneOff.taskArn } : {}),
    cancelledAt: now.toISOString(),
    ...(facts?.alarms.length ? { alarms: facts.alarms } : {}),
  }
}

/** Each service's state: the members once preflight passed, else every service named, before anything changed. */
function statesOf(source: InFlightSource, now: Date): InFlight[] {
  const members = source.members()
  if (members) return members.map((m) => inFlight(source.inputs, m.name, m.timeline, m, now))
  return source.inputs.services.map((name) => inFlight(source.inputs, name, source.timeline, undefined, now))
}

/** The cancel in one sentence: what was in flight, and what the post step will do. */
function reasonOf(states: InFlight[], signal: NodeJS.Signals, onCancel: Inputs['onCancel']): string {
  if (states.length === 1) {
    const [state] = states
    const what = state.deploymentId ? `deployment ${state.deploymentId} during its ${state.phase} phase` : `the ${state.phase} phase, before a deployment started`
    return `The job was cancelled (${signal}) in ${what}; the post step reports what became of it${state.deploymentId && onCancel === 'rollback' ? ' and rolls it back unless it had finished' : ''}.`
  }
  const started = states.filter((s) => s.deploymentId)
  const each =
    started.length > 0 ? ` (${started.map((s) => `${s.service}: deployment ${s.deploymentId} during its ${s.phase} phase`).join('; ')})` : ', before a deployment started'
  return `The job was cancelled (${signal}) during a release of ${states.length} services${each}; the post step reports what became of each${started.length > 0 && onCancel === 'rollback' ? ' and rolls back those that had not finished' : ''}.`
}

/** On SIGINT or SIGTERM (once): save the state, say `cancelled`, exit. */
export function exitOnCancel(source: InFlightSource): void {
  let cancelled = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (cancelled) return
    cancelled = true
    const now = new Date()
    const states = statesOf(source, now)
    saveInFlight(states.length === 1 ? states[0] : states)
    const reason = reasonOf(states, signal, source.inputs.onCancel)
    source.timeline.emit({ type: 'outcome', at: now, outcome: 'cancelled', reason })
    setCancelledOutputs(states.length === 1 ? states[0] : undefined)
    const last = source.beforeExit?.(reason, states[0]?.taskDefinitionArn).catch(() => undefined)
    void Promise.race([last, new Promise((resolve) => setTimeout(resolve, BEFORE_EXIT_MS))]).then(() => process.exit(1))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
