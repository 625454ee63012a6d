// The watcher against the real SDK over HTTP (nock): ThrottlingException responses that survive the SDK's
// retries are backed off from, not fatal.
import { afterEach, describe, expect, it } from '@jest/globals'
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import nock from 'nock'
import type { Clients } from '../src/aws-clients.js'
import { Timeline } from '../src/timeline.js'
import { watchDeployment } from '../src/watch.js'
import { fakeClock } from './helpers/fake-aws.js'

const config = {
  endpoint: 'http://aws.test',
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
}
const clients: Clients = {
  ecs: new ECSClient(config),
  ecr: new ECRClient(config),
  cloudwatch: new CloudWatchClient(config),
  logs: new CloudWatchLogsClient(config),
  codedeploy: new CodeDeployClient(config),
}
const ID = 'ecs-svc/1111111111111111111'
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:42'
const target = (op: string) => ({ reqheaders: { 'x-amz-target': `AmazonEC2ContainerServiceV20141113.${op}` } })

afterEach(() => nock.cleanAll())

describe('watch over HTTP', () => {
  it('backs off on ThrottlingException responses and still sees the deployment complete', async () => {
    const deployment = (rolloutState: string, running: number) => ({
      id: ID, status: 'PRIMARY', taskDefinition: TD, rolloutState, desiredCount: 2, runningCount: running, pendingCount: 2 - running, failedTasks: 0,
    })
    const service = (d: object) => ({ services: [{ serviceName: 'web', deployments: [d], events: [] }], failures: [] })
    nock('http://aws.test', target('DescribeServices'))
      .post('/').reply(200, service(deployment('IN_PROGRESS', 1)))
      .post('/').times(2).reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded' })
      .post('/').reply(200, service(deployment('COMPLETED', 2)))
    const clock = fakeClock()
    const timeline = new Timeline()
    const result = await watchDeployment(
      clients,
      { cluster: 'prod', service: 'web', deploymentId: ID, taskDefinitionArn: TD, since: new Date(0), deadline: clock.now() + 60_000 },
      timeline,
      clock,
    )
    expect(result.end).toBe('completed')
    expect(result.throttled).toBe(2)
    expect(clock.sleeps).toEqual([1000, 1000, 2000, 4000])
    expect(nock.isDone()).toBe(true)
    expect(timeline.events.some((e) => e.type === 'warning' && e.message.includes('Rate exceeded'))).toBe(true)
  })
})
