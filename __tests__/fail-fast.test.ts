import { describe, expect, it } from '@jest/globals'
import { breakerThreshold, crashLoop, describeCrashLoop, isFailure } from '../src/core/fail-fast.js'
import type { StoppedTask } from '../src/core/timeline.js'

const exited = (id: string, code: number, reason = 'Essential container in task exited'): StoppedTask => ({
  taskId: id,
  stopCode: 'EssentialContainerExited',
  stoppedReason: reason,
  containers: [{ name: 'web', exitCode: code }],
  logTail: [],
})
const scaledIn = (id: string): StoppedTask => ({
  taskId: id,
  stopCode: 'ServiceSchedulerInitiated',
  stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
  containers: [{ name: 'web', exitCode: 143 }],
  logTail: [],
})

describe('fail fast', () => {
  it('knows the circuit breaker threshold: half the desired count, at least 3, at most 200', () => {
    expect([1, 6, 7, 20, 400, 1000].map(breakerThreshold)).toEqual([3, 3, 4, 10, 200, 200])
  })

  it('counts failures only: a non-zero exit, a task that never started, failed health checks; never a scale-in', () => {
    expect(isFailure(exited('a', 1))).toBe(true)
    expect(isFailure(exited('a', 0))).toBe(false)
    expect(isFailure({ taskId: 'b', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError', containers: [], logTail: [] })).toBe(true)
    expect(isFailure({ taskId: 'c', stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed ELB health checks in (target-group …)', containers: [], logTail: [] })).toBe(
      true,
    )
    expect(isFailure(scaledIn('d'))).toBe(false)
  })

  it('trips on the limit of tasks failing the same way, not on mixed or occasional failures', () => {
    expect(crashLoop([exited('a', 1), exited('b', 1)], 3)).toBeUndefined()
    expect(crashLoop([exited('a', 1), exited('b', 2), exited('c', 137)], 3)).toBeUndefined()
    expect(crashLoop([exited('a', 1), scaledIn('x'), scaledIn('y'), exited('b', 1)], 3)).toBeUndefined()
    expect(crashLoop([exited('a', 1), exited('b', 1), exited('c', 1)], 3)).toMatchObject({ count: 3, sample: { taskId: 'a' } })
    expect(crashLoop([exited('a', 1), exited('b', 1), exited('c', 1)], 0)).toBeUndefined()
  })

  it('says what failed, how often, and what the breaker would have waited for', () => {
    const loop = crashLoop([exited('a', 1), exited('b', 1), exited('c', 1)], 3)!
    expect(describeCrashLoop(loop, 4, 20)).toBe(
      '3 of 4 new tasks exited 1 (Essential container in task exited (exit code 1 in web)) before the deployment ran its desired count (fail fast; the circuit breaker would have waited for 10)',
    )
  })
})
