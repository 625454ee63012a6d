import { describe, expect, it } from '@jest/globals'
import { Timeline } from '../src/core/timeline.js'
import { watchDeployment, type WatchTarget } from '../src/engines/rolling/watch.js'
import { RunContext } from '../src/watch/context.js'
import { waitForIdle } from '../src/watch/idle.js'
import { Poller } from '../src/watch/poller.js'
import { awsError, fakeAws, fakeClock, throttling } from './helpers/fake-aws.js'
import { SD_ARN, TD, dep, ev, noTasks, script, serviceDeployments as sd, stoppedTask, svc, tasks } from './helpers/ecs-model.js'

const OURS = 'ecs-svc/1111111111111111111'
const OLD = 'ecs-svc/0000000000000000000'
const BACK = 'ecs-svc/2222222222222222222'
const BREAKER = 'ECS deployment circuit breaker: tasks failed to start.'

function target(clock: { now: () => number }, extra: Partial<WatchTarget> = {}): WatchTarget {
  return {
    cluster: 'prod',
    service: 'web',
    deploymentId: OURS,
    serviceDeploymentArn: SD_ARN,
    taskDefinitionArn: TD(42),
    knownEventIds: ['old-1'],
    since: new Date(Date.UTC(2026, 0, 1)),
    deadline: clock.now() + 10 * 60_000,
    ...extra,
  }
}

describe('watchDeployment', () => {
  it('succeeds only when our deployment is COMPLETED, PRIMARY and running == desired; shows new events in order', async () => {
    const clock = fakeClock()
    const old = dep(OLD, 'ACTIVE', 41, 'COMPLETED', [3, 3])
    const before = ev('before', -60, '(service web) has reached a steady state.')
    const e1 = ev('e1', 2, '(service web) has started 2 tasks: (task aaa) (task bbb).')
    const e2 = ev('e2', 9, '(service web) has stopped 2 running tasks: (task old1) (task old2).')
    const e3 = ev('e3', 20, '(service web) (deployment ecs-svc/1111111111111111111) deployment completed.')
    const aws = fakeAws(
      {
        DescribeServices: script([
          svc([dep(OURS, 'PRIMARY', 42, 'IN_PROGRESS', [0, 3, 3]), old], [before]),
          svc([dep(OURS, 'PRIMARY', 42, 'IN_PROGRESS', [2, 3, 1]), old], [before, e1]),
          svc([dep(OURS, 'PRIMARY', 42, 'IN_PROGRESS', [3, 3, 0])], [before, e1, e2]),
          // COMPLETED but not yet all running: not success yet.
          svc([dep(OURS, 'PRIMARY', 42, 'COMPLETED', [2, 3, 1])], [before, e1, e2]),
          svc([dep(OURS, 'PRIMARY', 42, 'COMPLETED', [3, 3, 0])], [before, e1, e2, e3]),
        ]),
        DescribeServiceDeployments: sd('SUCCESSFUL'),
        ListTasks: noTasks,
      },
      clock,
    )
    const timeline = new Timeline()
    const result = await watchDeployment(aws.clients, target(clock), timeline, clock)
    expect(result.end).toBe('completed')
    expect(result.final?.counts).toEqual({ desired: 3, running: 3, pending: 0, failed: 0 })
    expect(result.serviceDeployment?.status).toBe('SUCCESSFUL')
    expect(aws.count('DescribeServices')).toBe(5)
    const messages = timeline.events.flatMap((e) => (e.type === 'service-event' ? [e.message] : []))
    expect(messages).toEqual([e1.message, e2.message, e3.message])
    const started = timeline.events.find((e) => e.type === 'tasks-started')
    expect(started).toMatchObject({ taskIds: ['aaa', 'bbb'] })
    const deploymentEvents = timeline.events.filter((e) => e.type === 'deployment')
    expect(deploymentEvents).toHaveLength(5)
  })

  it('follows an ECS circuit-breaker rollback to its end and collects stopped tasks with exit codes and log tail', async () => {
    const clock = fakeClock()
    const aws = fakeAws(
      {
        DescribeServices: script([
          svc([dep(OURS, 'PRIMARY', 42, 'IN_PROGRESS', [0, 2, 2, 1]), dep(OLD, 'ACTIVE', 41, 'COMPLETED', [2, 2])]),
          svc([
            dep(BACK, 'PRIMARY', 41, 'IN_PROGRESS', [2, 2], `ECS deployment circuit breaker: rolling back to deploymentId ${OLD}.`),
            dep(OURS, 'ACTIVE', 42, 'FAILED', [0, 0, 0, 3], BREAKER),
          ]),
          svc([dep(BACK, 'PRIMARY', 41, 'COMPLETED', [2, 2])]),
        ]),
        DescribeServiceDeployments: sd(() => (aws.count('DescribeServices') >= 3 ? 'ROLLBACK_SUCCESSFUL' : 'ROLLBACK_IN_PROGRESS'), BREAKER),
        ...tasks(['t1', 't2'].map((id) => stoppedTask(id, 'EssentialContainerExited', 'Essential container in task exited', [{ name: 'app', exitCode: 1 }]))),
        GetLogEvents: () => ({ events: [{ message: 'starting' }, { message: 'Error: DATABASE_URL is not set\n' }] }),
      },
      clock,
    )
    const timeline = new Timeline()
    const taskDefinition = {
      containerDefinitions: [
        { name: 'app', essential: true, logConfiguration: { logDriver: 'awslogs' as const, options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'ecs' } } },
      ],
    }
    const result = await watchDeployment(aws.clients, target(clock, { taskDefinition }), timeline, clock)
    expect(result.end).toBe('rolled-back')
    expect(result.ecsRollback).toMatchObject({ deploymentId: BACK, reason: BREAKER, completed: true, failed: false })
    expect(result.final).toMatchObject({ id: OURS, rolloutState: 'FAILED', rolloutStateReason: BREAKER })
    expect(timeline.events.find((e) => e.type === 'rollback')).toMatchObject({ from: OURS, to: BACK, by: 'ecs' })
    expect(aws.calls.find((c) => c.op === 'ListTasks')?.input).toMatchObject({ startedBy: OURS, desiredStatus: 'STOPPED', cluster: 'prod' })
    expect(aws.calls.find((c) => c.op === 'GetLogEvents')?.input).toMatchObject({ logGroupName: '/ecs/web', logStreamName: 'ecs/app/t1' })
    expect(aws.count('GetLogEvents')).toBe(1) // one log tail per kind of failure
    expect(result.stoppedTasks).toHaveLength(2)
    expect(result.stoppedTasks[0]).toMatchObject({
      taskId: 't1',
      stopCode: 'EssentialContainerExited',
      containers: [{ name: 'app', exitCode: 1 }],
      logTail: ['starting', 'Error: DATABASE_URL is not set'],
    })
  })

  it('reports an ECS rollback that has not finished by the deadline as not completed', async () => {
    const clock = fakeClock()
    const aws = fakeAws(
      {
        DescribeServices: script([
          svc([
            dep(BACK, 'PRIMARY', 41, 'IN_PROGRESS', [0, 2, 2], `ECS deployment circuit breaker: rolling back to deploymentId ${OLD}.`),
            dep(OURS, 'ACTIVE', 42, 'FAILED', [0, 0, 0, 3], BREAKER),
          ]),
        ]),
        DescribeServiceDeployments: sd('ROLLBACK_IN_PROGRESS', BREAKER),
        ListTasks: noTasks,
      },
      clock,
    )
    const start = clock.now()
    const result = await watchDeployment(aws.clients, target(clock, { deadline: start + 60_000 }), new Timeline(), clock)
    expect(result.end).toBe('timeout')
    expect(result.ecsRollback).toMatchObject({ completed: false, failed: false })
    expect(clock.now()).toBe(start + 60_000)
  })

  it('ends when someone else deploys over us', async () => {
    const clock = fakeClock()
    const aws = fakeAws(
      {
        DescribeServices: script([
          svc([dep(OURS, 'PRIMARY', 42, 'IN_PROGRESS', [1, 3, 2])]),
          svc([dep('ecs-svc/9', 'PRIMARY', 43, 'IN_PROGRESS', [0, 3, 3]), dep(OURS, 'ACTIVE', 42, 'IN_PROGRESS', [1, 3])]),
        ]),
        DescribeServiceDeployments: sd('STOPPED'),
        ListTasks: noTasks,
      },
      clock,
    )
    const result = await watchDeployment(aws.clients, target(clock), new Timeline(), clock)
    expect(result.end).toBe('superseded')
    expect(result.supersededBy).toMatchObject({ deploymentId: 'ecs-svc/9', taskDefinition: TD(43) })
    expect(result.ecsRollback).toBeUndefined()
  })

  it('ends failed when the deployment FAILED and the service deployment says no rollback is coming', async () => {
    const clock = fakeClock()
    const aws = fakeAws(
      {
        DescribeServices: script([svc([dep(OURS, 'PRIMARY', 42, 'FAILED', [0, 2, 0, 3], BREAKER), dep(OLD, 'ACTIVE', 41, 'COMPLETED', [2, 2])])]),
        DescribeServiceDeployments: sd('STOPPED', BREAKER),
        ListTasks: noTasks,
      },
      clock,
    )
    const result = await watchDeployment(aws.clients, target(clock), new Timeline(), clock)
    expect(result.end).toBe('failed')
    expect(result.serviceDeployment).toMatchObject({ status: 'STOPPED', statusReason: BREAKER })
  })

  it('grows the interval ×1.5 to 5 s while nothing changes and goes back to 1 s after a change', async () => {
    const clock = fakeClock()
    const same = svc([dep(OURS, 'PRIMARY', 42, 'IN_PROGRESS', [0, 3, 3])])
    const aws = fakeAws(
      {
        DescribeServices: script([
          same,
          same,
          same,
          same,
          same,
          same,
          svc([dep(OURS, 'PRIMARY', 42, 'IN_PROGRESS', [1, 3, 2])]),
          svc([dep(OURS, 'PRIMARY', 42, 'COMPLETED', [3, 3])]),
        ]),
        DescribeServiceDeployments: sd('SUCCESSFUL'),
      },
      clock,
    )
    const initial = {
      id: OURS,
      status: 'PRIMARY',
      taskDefinition: TD(42),
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment ${OURS} in progress.`,
      counts: { desired: 3, pending: 3, running: 0, failed: 0 },
    }
    const result = await watchDeployment(aws.clients, target(clock, { initial }), new Timeline(), clock)
    expect(result.end).toBe('completed')
    expect(clock.sleeps).toEqual([1000, 1500, 2250, 3375, 5000, 5000, 5000, 1000])
  })

  it('backs off on ThrottlingException (doubling, ≤ 20 s), warns once, and still reaches the right end', async () => {
    const clock = fakeClock()
    const aws = fakeAws(
      {
        DescribeServices: script([throttling(), throttling(), throttling(), throttling(), throttling(), svc([dep(OURS, 'PRIMARY', 42, 'COMPLETED', [2, 2])])]),
        DescribeServiceDeployments: sd('SUCCESSFUL'),
      },
      clock,
    )
    const timeline = new Timeline()
    const run = new RunContext(new Poller(clock))
    const result = await watchDeployment(aws.clients, target(clock), timeline, run)
    expect(result.end).toBe('completed')
    expect(run.throttled).toBe(5)
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 20000])
    const warnings = timeline.events.filter((e) => e.type === 'warning')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ message: expect.stringContaining('ThrottlingException: Rate exceeded') })
  })

  it('gives up on an error that is not throttling or transient', async () => {
    const clock = fakeClock()
    const denied = awsError('AccessDeniedException', 'not authorized')
    const aws = fakeAws({ DescribeServices: script([denied]) }, clock)
    await expect(watchDeployment(aws.clients, target(clock), new Timeline(), clock)).rejects.toThrow('not authorized')
  })

  it('times out at the deadline with the last observation', async () => {
    const clock = fakeClock()
    const aws = fakeAws(
      {
        DescribeServices: script([svc([dep(OURS, 'PRIMARY', 42, 'IN_PROGRESS', [1, 3, 2])])]),
        DescribeServiceDeployments: sd('IN_PROGRESS'),
        ListTasks: noTasks,
      },
      clock,
    )
    const start = clock.now()
    const result = await watchDeployment(aws.clients, target(clock, { deadline: start + 30_000 }), new Timeline(), clock)
    expect(result.end).toBe('timeout')
    expect(result.final?.counts.running).toBe(1)
    expect(clock.now()).toBe(start + 30_000)
  })

  it('stays within ~30 calls per minute in a long rollout that changes on every look', async () => {
    const clock = fakeClock()
    let n = 0
    const aws = fakeAws(
      {
        // Counts change on every look, and a task stops every look: the busiest possible rollout.
        DescribeServices: () => {
          n++
          return { services: [svc([dep(OURS, 'PRIMARY', 42, 'IN_PROGRESS', [n % 3, 3, 1, n])], [ev(`e${n}`, n, '(service web) has stopped 1 running tasks: (task x).')])] }
        },
        DescribeServiceDeployments: sd('IN_PROGRESS'),
        ListTasks: noTasks,
      },
      clock,
    )
    const minutes = 10
    const run = new RunContext(new Poller(clock))
    const result = await watchDeployment(aws.clients, target(clock, { deadline: clock.now() + minutes * 60_000 }), new Timeline(), run)
    expect(result.end).toBe('timeout')
    expect(run.poller.calls).toBe(aws.calls.length)
    expect(aws.calls.length / minutes).toBeLessThanOrEqual(31)
    expect(aws.calls.length / minutes).toBeGreaterThan(20)
  })
})

describe('waitForIdle', () => {
  it('waits for a deployment already in progress to end, logging its progress', async () => {
    const clock = fakeClock()
    const aws = fakeAws(
      {
        DescribeServices: script([
          svc([dep('ecs-svc/7', 'PRIMARY', 40, 'IN_PROGRESS', [1, 2, 1]), dep(OLD, 'ACTIVE', 39, 'COMPLETED', [2, 2])], [ev('x', -5, 'old news')]),
          svc([dep('ecs-svc/7', 'PRIMARY', 40, 'IN_PROGRESS', [2, 2])], [ev('x', -5, 'old news'), ev('y', 3, '(service web) has reached a steady state.')]),
          svc([dep('ecs-svc/7', 'PRIMARY', 40, 'COMPLETED', [2, 2])]),
        ]),
      },
      clock,
    )
    const timeline = new Timeline()
    const result = await waitForIdle(aws.clients, 'prod', 'web', clock.now() + 60_000, timeline, clock)
    expect(result).toEqual({ waitedFor: 'ecs-svc/7', rolloutState: 'COMPLETED' })
    expect(timeline.events.filter((e) => e.type === 'deployment')).toHaveLength(2)
    expect(timeline.events.filter((e) => e.type === 'service-event').map((e) => e.type === 'service-event' && e.message)).toEqual(['(service web) has reached a steady state.'])
  })

  it('returns at once when nothing is in progress', async () => {
    const clock = fakeClock()
    const aws = fakeAws({ DescribeServices: script([svc([dep(OLD, 'PRIMARY', 41, 'COMPLETED', [2, 2])])]) }, clock)
    expect(await waitForIdle(aws.clients, 'prod', 'web', clock.now() + 1000, new Timeline(), clock)).toEqual({ waitedFor: undefined, rolloutState: undefined })
    expect(clock.sleeps).toEqual([])
  })

  it('says clearly that it timed out', async () => {
    const clock = fakeClock()
    const aws = fakeAws({ DescribeServices: script([svc([dep('ecs-svc/7', 'PRIMARY', 40, 'IN_PROGRESS', [1, 2, 1])])]) }, clock)
    expect((await waitForIdle(aws.clients, 'prod', 'web', clock.now() + 20_000, new Timeline(), clock)).stillBusy).toBe(
      'Timed out waiting for deployment ecs-svc/7 already in progress on service web to end (IN_PROGRESS, running 1/2, pending 1, failed 0). Nothing was deployed.',
    )
  })
})
