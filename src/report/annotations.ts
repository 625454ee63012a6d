// End-of-run annotations: an error that names the cause on failure, a notice on success, and the run's
// warnings. GitHub shows at most 10 annotations of each type per step, so each type is capped here.
import * as core from '@actions/core'
import type { DeploymentFacts } from '../core/facts.js'
import type { Decision } from '../core/outcome.js'
import { describeStop, isScaledIn } from '../core/stopped.js'
import type { FailureCause, Timeline } from '../core/timeline.js'

const ANNOTATIONS_PER_TYPE = 10

/** The log line most likely to say what went wrong: the last that looks like an error, else the last non-blank one. */
export function tellingLine(tail: string[]): string | undefined {
  const lines = tail.map((l) => l.trim()).filter(Boolean)
  return [...lines].reverse().find((l) => /error|exception|fatal|panic|fail|denied|refused|not found/i.test(l)) ?? lines.at(-1)
}

/** The error text: the reason, then what the tasks said (stop reason, exit codes, a log line). */
function failureMessage(decision: Decision, cause: FailureCause | undefined): string {
  const lines = [decision.reason]
  if (cause && cause.summary && !decision.reason.includes(cause.summary)) lines.push(cause.summary)
  const task = cause?.stoppedTasks.find((t) => !isScaledIn(t))
  if (task) {
    lines.push(`Task ${task.taskId}: ${describeStop(task)}`)
    const line = tellingLine(task.logTail)
    if (line) lines.push(`Log: ${line}`)
  }
  for (const alarm of cause?.alarms ?? []) lines.push(`Alarm ${alarm.name} in ALARM${alarm.reason ? `: ${alarm.reason}` : ''}`)
  return lines.join('\n')
}

export function annotate(decision: Decision, facts: DeploymentFacts, timeline: Timeline, cause?: FailureCause): void {
  const where = `${facts.cluster}/${facts.service}`
  const warnings = [...new Set(timeline.events.flatMap((e) => (e.type === 'warning' ? [e.message] : [])))]
  for (const message of warnings.slice(0, ANNOTATIONS_PER_TYPE)) core.warning(message, { title: `ECS deploy ${where}` })
  if (decision.outcome === 'succeeded' || decision.outcome === 'started') {
    core.notice(decision.reason, { title: decision.outcome === 'started' ? `Deployment started on ${where}` : `Deployed ${where}` })
    return
  }
  core.error(failureMessage(decision, cause), { title: `ECS deployment ${decision.outcome}: ${where}` })
}
