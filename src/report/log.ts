// Live log: one line per timeline event, prefixed with the time since the run started, so the job log reads as
// the deployment's story. Stopped tasks print their reason and exit codes, and their log tail in a group.
import * as core from '@actions/core'
import { describeStop, tellingTail } from '../core/stopped.js'
import { describeChange, type TaskDefinitionChange } from '../core/task-definition-diff.js'
import type { Timeline, TimelineEvent } from '../core/timeline.js'

export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const two = (n: number) => String(n).padStart(2, '0')
  const h = Math.floor(s / 3600)
  return h > 0 ? `${h}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${two(Math.floor(s / 60))}:${two(s % 60)}`
}

/** ECS's "in progress." reason says nothing the state does not. */
const idleReason = (reason: string | undefined): boolean => !reason || /in progress\.?$/.test(reason)

/** The line for an event, without the time prefix. */
export function describeEvent(event: TimelineEvent): string {
  switch (event.type) {
    case 'phase':
      return `── ${event.phase}${event.detail ? `: ${event.detail}` : ''}`
    case 'service-event':
      return `event: ${event.message}`
    case 'deployment': {
      const c = event.counts
      const reason = idleReason(event.rolloutStateReason) ? '' : ` — ${event.rolloutStateReason}`
      return `deployment ${event.deploymentId}: running ${c.running}/${c.desired}, pending ${c.pending}, failed ${c.failed} (${event.rolloutState ?? event.status}${event.status !== 'PRIMARY' ? `, ${event.status}` : ''})${reason}`
    }
    case 'tasks-started':
      return `tasks started: ${event.taskIds.join(', ')}`
    case 'tasks-stopped':
      return `${event.tasks.length} task${event.tasks.length === 1 ? '' : 's'} stopped`
    case 'traffic-shifted':
      return `${event.label} traffic: ${event.from}% → ${event.to}% on the new revision`
    case 'alarm':
      return `alarm ${event.name}: ${event.state}${event.reason ? ` — ${event.reason}` : ''}`
    case 'hook-waiting':
      return `waiting for ${event.hook}: ${event.detail}`
    case 'rollback':
      return `rollback by ${event.by === 'ecs' ? 'ECS' : 'the action'}: ${event.from} → ${event.to}: ${event.reason}`
    case 'warning':
      return `warning: ${event.message}`
    case 'analysis':
      return `canary analysis: ${event.result} — ${event.reason}`
    case 'outcome':
      return `outcome: ${event.outcome} — ${event.reason}`
  }
}

/** Log lines shown per stopped task: the error, the top of its stack and where it was thrown. */
const LOG_LINES = 12

/** What the new task definition changes, printed before the deployment starts; secret values never appear. */
export function logChanges(changes: TaskDefinitionChange[], against: string): void {
  if (changes.length === 0) {
    core.info(`What changed against ${against}: nothing in the task definition`)
    return
  }
  core.info(`What changed against ${against}:`)
  for (const change of changes.slice(0, 60)) core.info(`  ${describeChange(change)}`)
  if (changes.length > 60) core.info(`  … and ${changes.length - 60} more`)
}

/** Prints every event of `timeline` as it is emitted. `startedAt` defaults to the first event's time; `label` (a
 * release's service name) tells the lines of services deployed together apart. */
export function attachLogReporter(timeline: Timeline, startedAt?: number, label?: string): void {
  let start = startedAt
  timeline.subscribe((event) => {
    start ??= event.at.getTime()
    const prefix = `[${elapsed(event.at.getTime() - start)}]${label ? ` [${label}]` : ''}`
    core.info(`${prefix} ${describeEvent(event)}`)
    if (event.type !== 'tasks-stopped') return
    for (const task of event.tasks) {
      core.info(`${prefix}   task ${task.taskId}: ${describeStop(task)}${task.stopCode ? ` [${task.stopCode}]` : ''}`)
      const lines = tellingTail(task.logTail, LOG_LINES)
      if (lines.length === 0) continue
      core.startGroup(`${prefix}   log of task ${task.taskId}${task.logLocation ? ` (${task.logLocation})` : ''}`)
      for (const line of lines) core.info(`    ${line}`)
      core.endGroup()
    }
  })
}
