import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { clientConfig } from './sandbox-helpers.js'

let sandbox: Sandbox
let logs: CloudWatchLogsClient
const T0 = 1_700_000_000_000
const group = '/ecs/web'

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 0 })
  logs = new CloudWatchLogsClient(clientConfig(sandbox.url))
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }))
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'web/web/task1' }))
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'web/web/task2' }))
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'other/x' }))
  const lines = (n: number, from: number, tag: string) => Array.from({ length: n }, (_, i) => ({ timestamp: from + i * 1000, message: `${tag} line ${i}` }))
  await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'web/web/task1', logEvents: lines(5, T0, 'task1') }))
  await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'web/web/task2', logEvents: [{ timestamp: T0 + 500, message: 'Error: boom' }] }))
  await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'other/x', logEvents: [{ timestamp: T0 + 600, message: 'Error: elsewhere' }] }))
})
afterAll(async () => {
  logs.destroy()
  await sandbox.stop()
})

describe('CloudWatch Logs through the AWS SDK', () => {
  it('refuses duplicates and unknown groups', async () => {
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: group }))).rejects.toBeInstanceOf(ResourceAlreadyExistsException)
    await expect(logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'other/x' }))).rejects.toBeInstanceOf(ResourceAlreadyExistsException)
    await expect(logs.send(new CreateLogStreamCommand({ logGroupName: '/nope', logStreamName: 's' }))).rejects.toBeInstanceOf(ResourceNotFoundException)
    await expect(logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: 'missing', logEvents: [{ timestamp: T0, message: 'x' }] }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    )
  })

  it('GetLogEvents reads from the head or the tail, pages with tokens, and repeats the forward token at the end', async () => {
    const base = { logGroupName: group, logStreamName: 'web/web/task1' }
    const head = await logs.send(new GetLogEventsCommand({ ...base, startFromHead: true, limit: 2 }))
    expect(head.events?.map((e) => e.message)).toEqual(['task1 line 0', 'task1 line 1'])
    const next = await logs.send(new GetLogEventsCommand({ ...base, limit: 2, nextToken: head.nextForwardToken }))
    expect(next.events?.map((e) => e.message)).toEqual(['task1 line 2', 'task1 line 3'])
    const last = await logs.send(new GetLogEventsCommand({ ...base, limit: 2, nextToken: next.nextForwardToken }))
    expect(last.events?.map((e) => e.message)).toEqual(['task1 line 4'])
    const end = await logs.send(new GetLogEventsCommand({ ...base, limit: 2, nextToken: last.nextForwardToken }))
    expect(end.events).toEqual([])
    expect(end.nextForwardToken).toBe(last.nextForwardToken)
    const tail = await logs.send(new GetLogEventsCommand({ ...base, limit: 2 }))
    expect(tail.events?.map((e) => e.message)).toEqual(['task1 line 3', 'task1 line 4'])
    const back = await logs.send(new GetLogEventsCommand({ ...base, limit: 2, nextToken: tail.nextBackwardToken }))
    expect(back.events?.map((e) => e.message)).toEqual(['task1 line 1', 'task1 line 2'])
    expect(tail.events?.[0]).toMatchObject({ timestamp: T0 + 3000, ingestionTime: expect.any(Number) })
    const window = await logs.send(new GetLogEventsCommand({ ...base, startFromHead: true, startTime: T0 + 1000, endTime: T0 + 3000 }))
    expect(window.events?.map((e) => e.message)).toEqual(['task1 line 1', 'task1 line 2'])
  })

  it('FilterLogEvents matches a plain substring across streams, by names or prefix, within a time range', async () => {
    const all = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: 'Error' }))
    expect(all.events?.map((e) => [e.logStreamName, e.message])).toEqual([
      ['web/web/task2', 'Error: boom'],
      ['other/x', 'Error: elsewhere'],
    ])
    const prefixed = await logs.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNamePrefix: 'web/', filterPattern: '"Error"' }))
    expect(prefixed.events?.map((e) => e.message)).toEqual(['Error: boom'])
    const named = await logs.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNames: ['web/web/task1'], startTime: T0 + 2000, endTime: T0 + 3000 }))
    expect(named.events?.map((e) => e.message)).toEqual(['task1 line 2', 'task1 line 3'])
    const paged = await logs.send(new FilterLogEventsCommand({ logGroupName: group, limit: 3 }))
    expect(paged.events).toHaveLength(3)
    expect(paged.nextToken).toBeDefined()
    const rest = await logs.send(new FilterLogEventsCommand({ logGroupName: group, limit: 10, nextToken: paged.nextToken }))
    expect(rest.events?.map((e) => e.message)).toEqual(['task1 line 1', 'task1 line 2', 'task1 line 3', 'task1 line 4'])
    expect(rest.nextToken).toBeUndefined()
  })

  it('DescribeLogStreams lists streams by prefix', async () => {
    const out = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: 'web/' }))
    expect(out.logStreams?.map((s) => [s.logStreamName, s.lastEventTimestamp])).toEqual([
      ['web/web/task1', T0 + 4000],
      ['web/web/task2', T0 + 500],
    ])
  })
})
