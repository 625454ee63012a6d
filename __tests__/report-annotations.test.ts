import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { AnnotationProperties } from '@actions/core'
import type { DeploymentFacts as Facts } from '../src/core/facts.js'

type Annotate = (message: string | Error, properties?: AnnotationProperties) => void
const error = jest.fn<Annotate>()
const warning = jest.fn<Annotate>()
const notice = jest.fn<Annotate>()
jest.unstable_mockModule('@actions/core', () => ({ error, warning, notice }))
const { annotate, tellingLine } = await import('../src/report/annotations.js')
const { Timeline } = await import('../src/core/timeline.js')

const facts = {
  kind: 'rolling',
  engine: 'rolling update',
  cluster: 'prod',
  service: 'web',
  alarms: [],
  rollbackPolicy: 'on-failure',
  startedAt: new Date(0),
  waited: true,
  timedOut: false,
  stoppedTasks: [],
  throttled: 0,
} as Facts

describe('annotations', () => {
  beforeEach(() => {
    jest.clearAllMocks()
  })

  it('names the cause on failure: reason, exit code, log lines', () => {
    const reason = 'ECS deployment circuit breaker: tasks failed to start.'
    annotate({ outcome: 'rolled-back', reason }, facts, new Timeline(), {
      summary: 'ECS deployment circuit breaker: tasks failed to start — 3 tasks stopped: Essential container in task exited (exit code 1 in app)',
      stoppedTasks: [
        {
          taskId: 't1',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'app', exitCode: 1 }],
          logTail: ['starting', 'Error: DATABASE_URL is not set', '    at main (/app/server.js:14:11)', '', 'Node.js v22.14.0'],
        },
      ],
      serviceEvents: [],
      alarms: [],
    })
    expect(error).toHaveBeenCalledTimes(1)
    expect(error.mock.calls[0][1]).toEqual({ title: 'ECS deployment rolled-back: prod/web' })
    expect(error.mock.calls[0][0]).toBe(
      [
        reason,
        'ECS deployment circuit breaker: tasks failed to start — 3 tasks stopped: Essential container in task exited (exit code 1 in app)',
        'Task t1: Essential container in task exited (exit code 1 in app)',
        'Log: Error: DATABASE_URL is not set',
      ].join('\n'),
    )
    expect(notice).not.toHaveBeenCalled()
  })

  it('picks the log line that says what went wrong', () => {
    expect(tellingLine(['boot', 'panic: runtime error: index out of range', 'goroutine 1 [running]:', ''])).toBe('panic: runtime error: index out of range')
    expect(tellingLine(['listening', 'shutting down', ''])).toBe('shutting down')
    expect(tellingLine(['', '  '])).toBeUndefined()
  })

  it('gives a notice on success and at most 10 warnings', () => {
    const timeline = new Timeline()
    for (let i = 0; i < 15; i++) timeline.emit({ type: 'warning', at: new Date(), message: `w${i}` })
    timeline.emit({ type: 'warning', at: new Date(), message: 'w0' })
    annotate({ outcome: 'succeeded', reason: 'Deployment ecs-svc/1 completed.' }, facts, timeline)
    expect(notice).toHaveBeenCalledWith('Deployment ecs-svc/1 completed.', { title: 'Deployed prod/web' })
    expect(warning).toHaveBeenCalledTimes(10)
    expect(error).not.toHaveBeenCalled()
  })
})
