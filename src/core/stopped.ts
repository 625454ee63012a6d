// Stopped tasks in words: how one is told from another, which are failures, and the line that says why it stopped.
import type { Task } from '@aws-sdk/client-ecs'
import { taskIdOf } from '../aws/arn.js'
import type { StoppedTask } from './timeline.js'

export function stoppedTaskFrom(task: Task): StoppedTask {
  return {
    taskId: taskIdOf(task.taskArn ?? ''),
    taskDefinitionArn: task.taskDefinitionArn,
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    containers: (task.containers ?? []).map((c) => ({
      name: c.name ?? '',
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
    logTail: [],
  }
}

/** Tasks that stopped for the same reason with the same exit codes are one kind of failure. */
export function kindOf(task: StoppedTask): string {
  const codes = task.containers.map((c) => `${c.name}=${c.exitCode ?? ''}`).join(',')
  return `${task.stopCode ?? ''}|${task.stoppedReason ?? ''}|${codes}`
}

/** Old tasks replaced on purpose by a deployment are not failures. */
export function isScaledIn(task: StoppedTask): boolean {
  return task.stopCode === 'ServiceSchedulerInitiated' && /^Scaling activity initiated by/.test(task.stoppedReason ?? '')
}

/** Failures before tasks scaled in on purpose; within each, the most frequent kind first. */
export function groupStoppedTasks(tasks: StoppedTask[]): StoppedTask[][] {
  const groups = new Map<string, StoppedTask[]>()
  for (const task of tasks) {
    const kind = kindOf(task)
    groups.set(kind, [...(groups.get(kind) ?? []), task])
  }
  return [...groups.values()].sort((a, b) => Number(isScaledIn(a[0])) - Number(isScaledIn(b[0])) || b.length - a.length)
}

/** "Essential container in task exited (exit code 1 in app)" */
export function describeStop(task: StoppedTask): string {
  const exited = task.containers.filter((c) => c.exitCode !== undefined)
  // A sidecar that exited 0 because the task stopped is noise next to the container that failed.
  const failed = exited.filter((c) => c.exitCode !== 0)
  const codes = (failed.length > 0 ? failed : exited).map((c) => `exit code ${c.exitCode} in ${c.name}`)
  const reason = task.stoppedReason ?? task.stopCode ?? 'stopped'
  return codes.length > 0 ? `${reason} (${codes.join(', ')})` : reason
}

/**
 * Tasks a deployment or a rollback removed on purpose: scaled in, or stopped because their task set, service or
 * deployment was being deleted or replaced. They are not a cause, whatever their exit code (0 or a SIGTERM's 143).
 */
function isRemovedOnPurpose(task: StoppedTask): boolean {
  if (isScaledIn(task)) return true
  if (task.stopCode !== 'ServiceSchedulerInitiated' && task.stopCode !== 'UserInitiated') return false
  return /is being deleted|Scaling activity|deployment .*(rolled back|replaced|stopped)|Task set .* (deleted|draining)/i.test(task.stoppedReason ?? '')
}

/** A task that failed: it could not start, its essential container exited, or ECS stopped it as unhealthy. */
export function isFailure(task: StoppedTask): boolean {
  return !isRemovedOnPurpose(task)
}

const ERROR_LINE = /(error|exception)\b|\b(fatal|panic|denied|refused|not found|unhandled|cannot|could not|failed)\b/i
const STACK_LINE = /^\s+(at |File "|\.\.\. \d+ more|goroutine |[\w.$<>]+\([^)]*\)$)|^\s*Caused by:/
/** `/app/server.js:14`: where Node says the throw was. */
const THROW_SITE = /^\S.*:\d+$/
/** Lines that only frame a crash: blank, a `^` caret, a runtime's version banner. */
const NOISE = /^\s*(\^+\s*)?$|^Node\.js v\d/

/**
 * The lines of a log tail that say what went wrong, at most `max`, oldest first, with no blank line: the last error
 * line with the top of its stack and the throw site just before it (Node prints `file:line` and the source line
 * first); without an error line, the last non-blank lines.
 */
export function tellingTail(tail: string[], max = 10): string[] {
  const lines = tail.map((l) => l.replace(/\s+$/, '')).filter((l) => l.trim() !== '')
  let at = -1
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!STACK_LINE.test(lines[i]) && ERROR_LINE.test(lines[i])) {
      at = i
      break
    }
  }
  if (at < 0) return lines.filter((l) => !NOISE.test(l)).slice(-max)
  // Walk back over this error's own stack when the last error line sits inside it (`Caused by:` chains).
  while (at > 0 && STACK_LINE.test(lines[at]) && ERROR_LINE.test(lines[at - 1])) at--
  const stack: string[] = []
  for (let i = at + 1; i < lines.length && STACK_LINE.test(lines[i]); i++) stack.push(lines[i])
  // Python prints its stack above the error: the frames nearest the error, under its `Traceback` line.
  let top = at
  while (top > 0 && (STACK_LINE.test(lines[top - 1]) || (/^\s+\S/.test(lines[top - 1]) && top > 1 && STACK_LINE.test(lines[top - 2])))) top--
  if (top < at) {
    const frames = lines.slice(top, at).slice(-(max - 2))
    const header = top > 0 && /^Traceback/.test(lines[top - 1]) ? [lines[top - 1]] : []
    return [...header, ...frames, lines[at]].slice(-max)
  }
  // The throw site Node prints above the error (`/app/server.js:14`, the source line, the caret).
  let from = at
  for (let i = at - 1; i >= Math.max(0, at - 3); i--) if (THROW_SITE.test(lines[i])) from = i
  const site = lines.slice(from, at).filter((l) => !NOISE.test(l))
  const frames = Math.max(1, max - 1 - site.length)
  return [...site.slice(-(max - 2)), lines[at], ...stack.slice(0, frames)].slice(0, max)
}
