// Fail fast: a release whose new tasks keep failing the same way before the deployment ever ran its desired count is a
// crash loop, and waiting for the circuit breaker's threshold only burns more task launches.
import { describeStop, isScaledIn, kindOf } from './stopped.js'
import type { StoppedTask } from './timeline.js'

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
  const kinds = new Map<string, StoppedTask[]>()
  for (const task of stopped.filter(isFailure)) kinds.set(kindOf(task), [...(kinds.get(kindOf(task)) ?? []), task])
  const worst = [...kinds.values()].sort((a, b) => b.length - a.length)[0]
  return worst && worst.length >= limit ? { count: worst.length, sample: worst[0] } : undefined
}

/** "3 of 3 new tasks exited 1 at start (fail fast; the circuit breaker would have waited for 10)" */
export function describeCrashLoop(loop: CrashLoop, started: number, desired: number): string {
  const exit = loop.sample.containers.find((c) => c.exitCode !== undefined && c.exitCode !== 0)
  const how = exit ? `exited ${exit.exitCode} (${describeStop(loop.sample)})` : `stopped: ${describeStop(loop.sample)}`
  return `${loop.count} of ${Math.max(started, loop.count)} new tasks ${how} before the deployment ran its desired count (fail fast; the circuit breaker would have waited for ${breakerThreshold(desired)})`
}
