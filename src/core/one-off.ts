// One-off tasks (`pre-deploy-command`, `post-deploy-command`) in words: what one is, whether it passed, and why not —
// said the way a crashed deployment's stopped tasks are (stop reason, stop code, exit code, the telling log lines).
import { describeStop, tellingTail } from './stopped.js'
import type { StoppedTask } from './timeline.js'

export type OneOffWhen = 'pre-deploy' | 'post-deploy'

/** A one-off task the run started, as it ended. */
export interface OneOffTask {
  when: OneOffWhen
  /** The command as given (`npm run migrate`). */
  command: string
  container: string
  taskArn?: string
  startedAt: Date
  finishedAt?: Date
  /** The container's exit code, once the task stopped. */
  exitCode?: number
  /** How it ended: `exited` (see exitCode), `not-started` (RunTask refused it or answered a failure), `timed-out` or
   * `stopped` (the release stopped it; the action stopped the task in both), `error` (an AWS error while waiting). */
  end: 'exited' | 'not-started' | 'timed-out' | 'stopped' | 'error'
  /** What ECS said of the stopped task, with its log tail. */
  stopped?: StoppedTask
  /** RunTask's failure, an AWS error, or why it was stopped. */
  problem?: string
  /** The task in the ECS console. */
  consoleUrl?: string
}

export const passed = (task: OneOffTask): boolean => task.end === 'exited' && task.exitCode === 0

/** The one-off task of `when` that did not pass, if any. */
export function failedOneOff(tasks: OneOffTask[] | undefined, when: OneOffWhen): OneOffTask | undefined {
  return tasks?.find((t) => t.when === when && !passed(t))
}

const sentence = (text: string): string => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`)

/** "pre-deploy command `npm run migrate` exited 1 (Essential container in task exited (exit code 1 in web), stop
 * code EssentialContainerExited). Last log lines: … Task: <link>" */
export function describeOneOff(task: OneOffTask): string {
  const what = `${task.when} command \`${task.command}\``
  const stop = task.stopped ? `${describeStop(task.stopped)}${task.stopped.stopCode ? `, stop code ${task.stopped.stopCode}` : ''}` : undefined
  let how: string
  if (task.end === 'timed-out') how = `did not finish before the timeout; the task was stopped`
  else if (task.end === 'stopped') how = `was stopped before its end (${task.problem ?? 'the release stopped'})`
  else if (task.end === 'not-started') how = `never started: ${task.problem ?? stop ?? 'unknown'}`
  else if (task.end === 'error') how = `could not be followed: ${task.problem ?? 'unknown'}`
  else if (task.exitCode === undefined) how = `never ran: ${stop ?? 'the task stopped before its container started'}`
  else how = `exited ${task.exitCode}${stop ? ` (${stop})` : ''}`
  const tail = tellingTail(task.stopped?.logTail ?? [], 5)
  const lines = tail.length > 0 ? ` Last log lines: ${tail.join(' | ')}` : ''
  const link = task.consoleUrl ? ` Task: ${task.consoleUrl}` : ''
  return `${sentence(`The ${what} ${how}`)}${lines}${link}`
}
