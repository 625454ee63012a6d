// Fail fast: a release whose new tasks keep failing the same way before the deployment ever ran its desired count is a
// crash loop, and waiting for the circuit breaker's threshold only burns more task launches.
import { describeStop, groupStoppedTasks, isScaledIn } from './stopped.js'
import type { DeploymentCounts, StoppedTask } from './timeline.js'

/** The circuit breaker's default threshold: half the desired count, at least 3, at most 200 failed tasks. */
export function breakerThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desired / 2)))
}

/** A task that stopped because it failed: a container exited non-zero, it never started, or it failed its health checks. */
export function isFailure(task: StoppedTask): boolean {
  if (isScaledIn(task)) return false
  if (task.containers.some((c) => c.exitCode !== undefined && c.exitCode !== 0)) return true
  return task.stopCode === 'TaskFailedToStart' || /health check/i.test(task.stoppedReason ?? '')
}

export interface CrashLoop {
  /** How many tasks failed the same way. */
  count: number
  /** One of them, for its reason and exit codes. */
  sample: StoppedTask
}

/** `limit` or more tasks of the deployment failed the same way (same stop code, reason and exit codes). */
export function crashLoop(stopped: StoppedTask[], limit: number): CrashLoop | undefined {
  if (limit <= 0) return undefined
  const worst = groupStoppedTasks(stopped.filter(isFailure))[0]
  return worst && worst.length >= limit ? { count: worst.length, sample: worst[0] } : undefined
}

/** "3 of 3 new tasks exited 1 at start (fail fast; the circuit breaker would have waited for 10)" */
export function describeCrashLoop(loop: CrashLoop, started: number, desired: number): string {
  const exit = loop.sample.containers.find((c) => c.exitCode !== undefined && c.exitCode !== 0)
  const how = exit ? `exited ${exit.exitCode} (${describeStop(loop.sample)})` : `stopped: ${describeStop(loop.sample)}`
  return `${loop.count} of ${Math.max(started, loop.count)} new tasks ${how} before the deployment ran its desired count (fail fast; the circuit breaker would have waited for ${breakerThreshold(desired)})`
}

/** The crash loop of a deployment at `counts`, in words, once `limit` or more of its `stopped` tasks failed the same way. */
export function crashLoopReason(stopped: StoppedTask[], counts: DeploymentCounts, limit: number): string | undefined {
  const loop = crashLoop(stopped, limit)
  return loop && describeCrashLoop(loop, stopped.length + counts.running + counts.pending, counts.desired)
}
