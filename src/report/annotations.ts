// End-of-run annotations: one titled error that names the cause on failure (the step fails through the exit code,
// not a second, untitled error), a notice on success, and the run's warnings. Problems found in a file (a task
// definition, an AppSpec) are annotated on the file and line. GitHub shows at most 10 annotations of each type per
// step, so each type is capped here.
import { isAbsolute, relative } from 'node:path'
import * as core from '@actions/core'
import type { DeploymentFacts } from '../core/facts.js'
import type { Decision } from '../core/outcome.js'
import { locationOf } from '../core/problem-location.js'
import { describeStop, isFailure, tellingTail } from '../core/stopped.js'
import type { FailureCause, Timeline } from '../core/timeline.js'

const ANNOTATIONS_PER_TYPE = 10
/** Log lines in the error annotation: the error and the top of its stack. */
const ANNOTATION_LOG_LINES = 4

/** A line of a telling tail that says what went wrong (not a stack frame under it). */
const isErrorLine = (line: string): boolean => !/^\s/.test(line) && /error|exception|fatal|panic|fail|denied|refused|not found/i.test(line)

/** The log line most likely to say what went wrong: the error line of the telling tail, else its last line. */
export function tellingLine(tail: string[]): string | undefined {
  const lines = tellingTail(tail)
  return lines.find(isErrorLine)?.trim() ?? lines.at(-1)?.trim()
}

/** GitHub shows an annotation on a file by its path in the repository: an absolute path in the workspace, relative. */
function inRepository(file: string): string {
  const workspace = process.env.GITHUB_WORKSPACE
  if (!workspace || !isAbsolute(file)) return file
  const inside = relative(workspace, file)
  return inside.startsWith('..') || isAbsolute(inside) ? file : inside
}

/** Fails the step without another annotation: the titled error already says why. */
export function failStep(): void {
  process.exitCode = 1
}

/**
 * One titled error per problem (at most 10), on the file and line where a file reader located it; then the step
 * fails with no further annotation.
 */
export function annotateProblems(title: string, problems: string[]): void {
  for (const problem of problems.slice(0, ANNOTATIONS_PER_TYPE)) {
    const at = locationOf(problem)
    core.error(problem, { title, ...(at ? { file: inRepository(at.file), ...(at.line ? { startLine: at.line } : {}), ...(at.column ? { startColumn: at.column } : {}) } : {}) })
  }
  failStep()
}

/** Words that carry meaning (4 letters or more), to tell a line that only repeats the ones before it. */
const words = (text: string) => (text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}._:/-]{3,}/gu) ?? []).map((w) => w.replace(/[.:]+$/, ''))
const repeats = (line: string, before: string[]): boolean => {
  const known = new Set(before.flatMap(words))
  return words(line).every((w) => known.has(w))
}

/** The error text: the reason, then what the tasks said (stop reason, exit codes, a log line), then the alarms. */
function failureMessage(decision: Decision, cause: FailureCause | undefined): string {
  const lines = [decision.reason]
  if (cause && cause.summary && !repeats(cause.summary, lines)) lines.push(cause.summary)
  // A task belongs in the cause only when it failed: not when a rollback or scale-in removed it.
  const task = cause?.stoppedTasks.find(isFailure)
  if (task) {
    lines.push(`Task ${task.taskId}: ${describeStop(task)}`)
    const telling = tellingTail(task.logTail)
    const at = telling.findIndex(isErrorLine)
    // The error and the frames of the application's own code (a runtime's internal frames say little).
    const own = telling.filter((l, i) => i <= at || !/\(?node:internal\//.test(l))
    const log = at >= 0 ? own.slice(at, at + ANNOTATION_LOG_LINES) : own.slice(-1)
    if (log.length > 0) lines.push(`Log: ${log.join('\n')}`)
  }
  for (const alarm of cause?.alarms ?? []) {
    const line = `Alarm ${alarm.name} in ALARM${alarm.reason ? `: ${alarm.reason}` : ''}`
    if (!repeats(line, lines)) lines.push(line)
  }
  return lines.join('\n')
}

const NOTICE_TITLE = {
  succeeded: (where: string) => `Deployed ${where}`,
  started: (where: string) => `Deployment started on ${where}`,
  'awaiting-approval': (where: string) => `Waiting for approval: ${where}`,
}

export function annotate(decision: Decision, facts: DeploymentFacts, timeline: Timeline, cause?: FailureCause): void {
  const where = `${facts.cluster}/${facts.service}`
  const warnings = [...new Set(timeline.events.flatMap((e) => (e.type === 'warning' ? [e.message] : [])))]
  for (const message of warnings.slice(0, ANNOTATIONS_PER_TYPE)) core.warning(message, { title: `ECS deploy ${where}` })
  if (decision.outcome === 'succeeded' || decision.outcome === 'started' || decision.outcome === 'awaiting-approval') {
    core.notice(decision.reason, { title: NOTICE_TITLE[decision.outcome](where) })
    return
  }
  core.error(failureMessage(decision, cause), { title: `ECS deployment ${decision.outcome}: ${where}` })
  failStep()
}
