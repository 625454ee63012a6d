import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import type { AnnotationProperties } from '@actions/core'
import type { DeploymentFacts as Facts } from '../src/core/facts.js'

type Annotate = (message: string | Error, properties?: AnnotationProperties) => void
const error = jest.fn<Annotate>()
const warning = jest.fn<Annotate>()
const notice = jest.fn<Annotate>()
jest.unstable_mockModule('@actions/core', () => ({ error, warning, notice }))
const { annotate, annotateProblems, tellingLine } = await import('../src/report/annotations.js')
const { locate } = await import('../src/core/problem-location.js')
const { Timeline } = await import('../src/core/timeline.js')

const { rollingFacts } = await import('./helpers/ecs-model.js')
const facts: Facts = rollingFacts()

describe('annotations', () => {
  beforeEach(() => {
    jest.clearAllMocks()
  })
  // A failure sets the exit code (the step fails through it); never left for the next test, even when one fails.
  afterEach(() => {
    process.exitCode = undefined
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
        'Log: Error: DATABASE_URL is not set\n    at main (/app/server.js:14:11)',
      ].join('\n'),
    )
    expect(notice).not.toHaveBeenCalled()
    // The step fails through the exit code, not a second (untitled) error.
    expect(process.exitCode).toBe(1)
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

  it('names the alarm as the cause of a bake rollback, not the tasks the rollback removed', () => {
    const reason = 'Alarm web-5xx went to ALARM during the bake; rolled back to web:41.'
    annotate({ outcome: 'rolled-back', reason }, facts, new Timeline(), {
      summary: 'Alarm web-5xx went to ALARM during the bake: Threshold Crossed',
      stoppedTasks: [
        {
          taskId: 'old1',
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: 'Task set ecs-svc/9 is being deleted',
          containers: [{ name: 'app', exitCode: 0 }],
          logTail: ['Server listening on http://0.0.0.0:8080'],
        },
      ],
      serviceEvents: [],
      alarms: [{ name: 'web-5xx', reason: 'Threshold Crossed' }],
    })
    expect(error).toHaveBeenCalledTimes(1)
    const message = error.mock.calls[0][0] as string
    expect(message).toBe(`${reason}\nAlarm web-5xx went to ALARM during the bake: Threshold Crossed`)
    expect(message).not.toMatch(/being deleted|Server listening|Task old1/)
  })

  it('annotates problems found in a file on the file and line, one error each, and fails the step', () => {
    const inFile = locate('Task definition file `td.json`: `cpu` is the number 256; ECS expects a string.', { file: 'td.json', line: 3 })
    annotateProblems('ecs-safe-deploy: preflight failed', [inFile, 'Cluster `x` was not found.'])
    expect(error.mock.calls).toEqual([
      [inFile, { title: 'ecs-safe-deploy: preflight failed', file: 'td.json', startLine: 3 }],
      ['Cluster `x` was not found.', { title: 'ecs-safe-deploy: preflight failed' }],
    ])
    expect(process.exitCode).toBe(1)
  })
})
