import { describe, expect, it } from '@jest/globals'
import { diagnose } from '../src/watch/diagnose.js'
import type { DeploymentFacts } from '../src/core/facts.js'
import { Timeline } from '../src/core/timeline.js'
import { fakeAws, throttling } from './helpers/fake-aws.js'
import { rollingFacts, TD, metricAlarm, stoppedTask, tasks } from './helpers/ecs-model.js'

const ID = 'ecs-svc/1111111111111111111'
const BREAKER = 'ECS deployment circuit breaker: tasks failed to start.'
const task = (id: string, stopCode: string, stoppedReason: string, exitCode?: number) =>
  stoppedTask(id, stopCode, stoppedReason, [
    { name: 'app', ...(exitCode !== undefined ? { exitCode } : {}) },
    { name: 'sidecar', exitCode: 0 },
  ])
const stopped = [
  task('t1', 'EssentialContainerExited', 'Essential container in task exited', 1),
  task('t2', 'EssentialContainerExited', 'Essential container in task exited', 1),
  task('t3', 'ServiceSchedulerInitiated', 'Scaling activity initiated by (deployment ecs-svc/2)'),
  task('t4', 'EssentialContainerExited', 'Essential container in task exited', 1),
  task('t5', 'TaskFailedToStart', 'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref repo/web:v2: not found'),
]

function facts(): DeploymentFacts {
  return rollingFacts({
    alarms: ['api-5xx'],
    taskDefinitionArn: TD(42),
    deploymentId: ID,
    final: { id: ID, status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: BREAKER, counts: { desired: 0, running: 0, pending: 0, failed: 3 } },
    ecsRollback: { deploymentId: 'ecs-svc/2', reason: BREAKER, completed: true, failed: false },
    taskDefinition: {
      containerDefinitions: [
        { name: 'sidecar', essential: false, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/side', 'awslogs-stream-prefix': 's' } } },
        { name: 'app', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' } } },
      ],
    },
  })
}

describe('diagnose', () => {
  it('says why: ECS reason, stopped tasks grouped by reason with exit codes, log tail, events, alarms', async () => {
    const aws = fakeAws({
      ...tasks(stopped),
      GetLogEvents: (input: { logStreamName: string }) => ({ events: [{ message: `log of ${input.logStreamName}` }, { message: 'Error: boom' }] }),
      DescribeAlarms: () => ({ MetricAlarms: [metricAlarm('api-5xx', 'ALARM', 'Threshold Crossed')] }),
    })
    const timeline = new Timeline()
    timeline.emit({ type: 'service-event', at: new Date(), message: 'first' })
    timeline.emit({ type: 'service-event', at: new Date(), message: 'second' })
    const cause = await diagnose(aws.clients, facts(), timeline)
    expect(cause.summary).toBe(`ECS deployment circuit breaker: tasks failed to start — 3 tasks stopped: Essential container in task exited (exit code 1 in app)`)
    // t3 was scaled in on purpose: counted, not a cause.
    expect(cause.stoppedTasks.map((t) => t.taskId)).toEqual(['t1', 't2', 't4', 't5'])
    expect(cause.removedTasks).toBe(1)
    expect(cause.stoppedTasks[0]).toMatchObject({ logTail: ['log of ecs/app/t1', 'Error: boom'], logLocation: '/ecs/web ecs/app/t1' })
    expect(cause.stoppedTasks[1].logTail).toEqual([])
    expect(cause.stoppedTasks[3].logTail).toEqual(['log of ecs/app/t5', 'Error: boom'])
    expect(aws.count('GetLogEvents')).toBe(2) // not for tasks scaled in on purpose
    expect(cause.serviceEvents).toEqual(['second', 'first'])
    expect(cause.alarms).toEqual([{ name: 'api-5xx', reason: 'Threshold Crossed' }])
  })

  it('never throws: what it cannot find out becomes a warning', async () => {
    const boom = () => {
      throw throttling()
    }
    const aws = fakeAws({ ListTasks: boom, DescribeServices: boom, DescribeAlarms: boom })
    const timeline = new Timeline()
    const cause = await diagnose(aws.clients, facts(), timeline)
    expect(cause).toEqual({ summary: 'ECS deployment circuit breaker: tasks failed to start', stoppedTasks: [], serviceEvents: [], alarms: [] })
    const warnings = timeline.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))
    expect(warnings).toEqual([
      `Diagnosis: could not list the stopped tasks of ${ID}: ThrottlingException: Rate exceeded`,
      'Diagnosis: could not read the service events: ThrottlingException: Rate exceeded',
      'Diagnosis: could not read the alarms: ThrottlingException: Rate exceeded',
    ])
  })
})
