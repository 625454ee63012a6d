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
