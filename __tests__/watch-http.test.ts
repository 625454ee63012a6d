// The watcher against the real SDK over HTTP (helpers/nock-aws.ts): ThrottlingException responses that survive the
// SDK's retries are backed off from, not fatal.
import { describe, expect, it } from '@jest/globals'
import nock from 'nock'
import { Timeline } from '../src/core/timeline.js'
import { watchDeployment } from '../src/engines/rolling/watch.js'
import { RunContext } from '../src/watch/context.js'
import { Poller } from '../src/watch/poller.js'
import { fakeClock } from './helpers/fake-aws.js'
import { TD, dep, svc } from './helpers/ecs-model.js'
import { ECS, errorReply, nockAws, nockClients, useNock } from './helpers/nock-aws.js'

const ID = 'ecs-svc/1111111111111111111'
// maxAttempts 1: every throttled response reaches the watch.
const clients = nockClients({ maxAttempts: 1 })

useNock()

describe('watch over HTTP', () => {
  it('backs off on ThrottlingException responses and still sees the deployment complete', async () => {
    const looks = (rolloutState: string, running: number) => ({ services: [svc([dep(ID, 'PRIMARY', 42, rolloutState, [running, 2, 2 - running])])], failures: [] })
    const throttled = errorReply('ThrottlingException', 'Rate exceeded')
    const aws = nockAws({ [`${ECS}.DescribeServices`]: [[200, looks('IN_PROGRESS', 1)], throttled, throttled, [200, looks('COMPLETED', 2)]] })
    const clock = fakeClock()
    const timeline = new Timeline()
    const run = new RunContext(new Poller(clock))
    const result = await watchDeployment(
      clients,
      { cluster: 'prod', service: 'web', deploymentId: ID, taskDefinitionArn: TD(42), since: new Date(0), deadline: clock.now() + 60_000 },
      timeline,
      run,
    )
    expect(result.end).toBe('completed')
    expect(run.throttled).toBe(2)
    expect(clock.sleeps).toEqual([1000, 1000, 2000, 4000])
    expect(nock.isDone()).toBe(true)
    expect(aws.unmatched).toEqual([])
    expect(timeline.events.some((e) => e.type === 'warning' && e.message.includes('Rate exceeded'))).toBe(true)
  })
})
