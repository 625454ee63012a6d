import { beforeEach, describe, expect, it, jest } from '@jest/globals'

const info = jest.fn<(message: string) => void>()
const startGroup = jest.fn<(name: string) => void>()
const endGroup = jest.fn<() => void>()
jest.unstable_mockModule('@actions/core', () => ({ info, startGroup, endGroup }))
const { attachLogReporter } = await import('../src/report/log.js')
const { Timeline } = await import('../src/core/timeline.js')

const T0 = Date.UTC(2026, 0, 1)
const at = (s: number) => new Date(T0 + s * 1000)

describe('live log reporter', () => {
  beforeEach(() => {
    jest.clearAllMocks()
  })

  it('prints one line per event with the elapsed time, and stopped tasks with reason, exit code and log tail', () => {
    const timeline = new Timeline()
    attachLogReporter(timeline, T0)
    timeline.emit({ type: 'phase', at: at(0), phase: 'watch', detail: 'ecs-svc/123' })
    timeline.emit({
      type: 'deployment',
      at: at(12),
      deploymentId: 'ecs-svc/123',
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: 'ECS deployment ecs-svc/123 in progress.',
      counts: { desired: 3, running: 2, pending: 1, failed: 0 },
    })
    timeline.emit({ type: 'service-event', at: at(13), message: '(service web) has started 1 tasks: (task abc).' })
    timeline.emit({
      type: 'tasks-stopped',
      at: at(75),
      tasks: [
        {
          taskId: 'abc',
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'app', exitCode: 137 }],
          logTail: ['booting', 'Killed'],
          logLocation: '/ecs/web ecs/app/abc',
        },
      ],
    })
    timeline.emit({
      type: 'deployment',
      at: at(80),
      deploymentId: 'ecs-svc/123',
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
      counts: { desired: 0, running: 0, pending: 0, failed: 3 },
    })
    timeline.emit({ type: 'rollback', at: at(80), from: 'ecs-svc/123', to: 'ecs-svc/124', reason: 'ECS deployment circuit breaker: tasks failed to start.', by: 'ecs' })
    timeline.emit({ type: 'alarm', at: at(3725), name: 'api-5xx', state: 'ALARM', reason: 'Threshold Crossed' })
    timeline.emit({ type: 'outcome', at: at(3726), outcome: 'rolled-back', reason: 'ECS deployment circuit breaker: tasks failed to start.' })
    expect(info.mock.calls.map((c) => c[0])).toEqual([
      '[00:00] ── watch: ecs-svc/123',
      '[00:12] deployment ecs-svc/123: running 2/3, pending 1, failed 0 (IN_PROGRESS)',
      '[00:13] event: (service web) has started 1 tasks: (task abc).',
      '[01:15] 1 task stopped',
      '[01:15]   task abc: Essential container in task exited (exit code 137 in app) [EssentialContainerExited]',
      '    booting',
      '    Killed',
      '[01:20] deployment ecs-svc/123: running 0/0, pending 0, failed 3 (FAILED, ACTIVE) — ECS deployment circuit breaker: tasks failed to start.',
      '[01:20] rollback by ECS: ecs-svc/123 → ecs-svc/124: ECS deployment circuit breaker: tasks failed to start.',
      '[1:02:05] alarm api-5xx: ALARM — Threshold Crossed',
      '[1:02:06] outcome: rolled-back — ECS deployment circuit breaker: tasks failed to start.',
    ])
    expect(startGroup).toHaveBeenCalledWith('[01:15]   log of task abc (/ecs/web ecs/app/abc)')
    expect(endGroup).toHaveBeenCalledTimes(1)
  })
})
