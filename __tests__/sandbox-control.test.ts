import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr'
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { clientConfig, controlRequest } from './sandbox-helpers.js'

let sandbox: Sandbox
let ecr: ECRClient
let logs: CloudWatchLogsClient

beforeAll(async () => {
  sandbox = await startSandbox({
    timeScale: 0,
    world: {
      repositories: [{ repositoryName: 'seeded' }],
      alarms: [{ AlarmName: 'a1', Namespace: 'N', MetricName: 'M', EvaluationPeriods: 1, Period: 60, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', state: 'OK' }],
    },
  })
  ecr = new ECRClient(clientConfig(sandbox.url))
  logs = new CloudWatchLogsClient(clientConfig(sandbox.url))
})
afterAll(async () => {
  ecr.destroy()
  logs.destroy()
  await sandbox.stop()
})
beforeEach(() => sandbox.control.reset())

const control = (path: string, init?: { method?: string; body?: unknown }) => controlRequest(sandbox.url, path, init)

describe('faults', () => {
  it('throttles the next N calls of an operation, as an SDK client with one attempt sees it', async () => {
    sandbox.control.fault({ operation: 'DescribeRepositories', kind: 'throttling', count: 2 })
    for (let i = 0; i < 2; i++) {
      await expect(ecr.send(new DescribeRepositoriesCommand({}))).rejects.toMatchObject({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      })
    }
    await expect(ecr.send(new DescribeRepositoriesCommand({}))).resolves.toMatchObject({ repositories: [{ repositoryName: 'seeded' }] })
    expect(sandbox.control.calls({ operation: 'DescribeRepositories' }).map((c) => [c.status, c.errorCode, c.fault])).toEqual([
      [400, 'ThrottlingException', 'throttling'],
      [400, 'ThrottlingException', 'throttling'],
      [200, undefined, undefined],
    ])
  })

  it('a retrying SDK client gets through a throttle', async () => {
    const retrying = new ECRClient(clientConfig(sandbox.url, 3))
    try {
      sandbox.control.fault({ operation: 'DescribeRepositories', kind: 'throttling', count: 1 })
      await expect(retrying.send(new DescribeRepositoriesCommand({}))).resolves.toBeDefined()
      expect(sandbox.control.calls({ operation: 'DescribeRepositories' })).toHaveLength(2)
    } finally {
      retrying.destroy()
    }
  })

  it('injects HTTP 500 ServerException and 503 ServiceUnavailableException, only for the chosen service', async () => {
    sandbox.control.fault({ operation: 'DescribeLogGroups', service: 'logs', kind: 'server-error' })
    sandbox.control.fault({ operation: 'DescribeLogGroups', kind: 'unavailable' })
    await expect(logs.send(new DescribeLogGroupsCommand({}))).rejects.toMatchObject({ name: 'ServerException', $metadata: { httpStatusCode: 500 } })
    await expect(logs.send(new DescribeLogGroupsCommand({}))).rejects.toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } })
    await expect(logs.send(new DescribeLogGroupsCommand({}))).resolves.toBeDefined()
    expect(sandbox.control.faults()).toEqual([])
  })

  it('drops the connection', async () => {
    sandbox.control.fault({ operation: 'DescribeRepositories', kind: 'drop' })
    await expect(ecr.send(new DescribeRepositoriesCommand({}))).rejects.toThrow(/socket hang up|ECONNRESET|closed/i)
    expect(sandbox.control.calls({ operation: 'DescribeRepositories' })).toEqual([expect.objectContaining({ status: 0, errorCode: 'ConnectionDropped', fault: 'drop' })])
    await expect(ecr.send(new DescribeRepositoriesCommand({}))).resolves.toBeDefined()
  })

  it('adds latency to the next call only', async () => {
    sandbox.control.fault({ operation: 'DescribeRepositories', kind: 'latency', latencyMs: 300 })
    const t0 = Date.now()
    await ecr.send(new DescribeRepositoriesCommand({}))
    // A lower bound only: a loaded machine makes calls slower, never faster.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290)
    await ecr.send(new DescribeRepositoriesCommand({}))
    // The second call is not delayed: the call log says which fault took each call.
    expect(sandbox.control.calls({ operation: 'DescribeRepositories' }).map((c) => c.fault)).toEqual(['latency', undefined])
    expect(sandbox.control.faults()).toEqual([])
  })

  it('rejects unknown fault kinds', () => {
    expect(() => sandbox.control.fault({ operation: 'X', kind: 'meteor' as never })).toThrow(/kind/)
  })
})

describe('call log', () => {
  it('records service, operation, parameters, both clocks, status and the mutating flag', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'logged' }))
    await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['logged'] }))
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'g' })).catch(() => undefined)
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'g' })).catch(() => undefined)
    const all = sandbox.control.calls()
    expect(all.map((c) => [c.service, c.operation, c.mutating, c.status])).toEqual([
      ['ecr', 'CreateRepository', true, 200],
      ['ecr', 'DescribeRepositories', false, 200],
      ['logs', 'CreateLogGroup', true, 200],
      ['logs', 'CreateLogGroup', true, 400],
    ])
    expect(all[0].params).toEqual({ repositoryName: 'logged' })
    expect(all[0].simMs).toBe(sandbox.control.now())
    expect(Math.abs(all[0].wallMs - Date.now())).toBeLessThan(10_000)
    expect(all[3].errorCode).toBe('ResourceAlreadyExistsException')
    expect(sandbox.control.calls({ mutating: true }).map((c) => c.operation)).toEqual(['CreateRepository', 'CreateLogGroup', 'CreateLogGroup'])
    expect(sandbox.control.calls({ mutating: false }).map((c) => c.operation)).toEqual(['DescribeRepositories'])
    expect(sandbox.control.calls({ service: 'logs', failed: true })).toHaveLength(1)
    expect(sandbox.control.calls({ since: all[1].seq }).map((c) => c.seq)).toEqual([all[2].seq, all[3].seq])
  })
})

describe('control API over HTTP', () => {
  it('reads and advances the clock', async () => {
    const before = await control('clock')
    expect(before.body).toMatchObject({ timeScale: 0, nowMs: sandbox.control.now() })
    const after = await control('clock/advance', { body: { seconds: 90 } })
    expect(after.body.nowMs).toBe(before.body.nowMs + 90_000)
    expect((await control('clock/advance', { body: { seconds: 'soon' } })).status).toBe(400)
  })

  it('sets behaviours', async () => {
    const out = await control('behaviors', { body: { image: 'web:v2', behavior: { kind: 'crash', exitCode: 3 } } })
    expect(out.body['web:v2']).toEqual({ kind: 'crash', exitCode: 3 })
    expect(sandbox.control.behaviors()['web:v2']).toEqual({ kind: 'crash', exitCode: 3 })
    expect((await control('behaviors', { body: { image: 'x', behavior: { kind: 'nope' } } })).status).toBe(400)
  })

  it('injects, lists and clears faults', async () => {
    const f = await control('faults', { body: { operation: 'DescribeRepositories', kind: 'throttling', count: 3 } })
    expect(f.body).toMatchObject({ operation: 'DescribeRepositories', kind: 'throttling', count: 3 })
    expect((await control('faults')).body).toHaveLength(1)
    expect((await control('faults', { method: 'DELETE' })).body).toEqual([])
    expect((await control('faults', { body: { kind: 'nope' } })).status).toBe(400)
  })

  it('filters the call log and transitions, and resets', async () => {
    await ecr.send(new DescribeRepositoriesCommand({}))
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'via-http' }))
    const mutating = await control('calls?mutating=true')
    expect(mutating.body.map((c: { operation: string }) => c.operation)).toEqual(['CreateRepository'])
    expect((await control('calls?service=ecr&operation=DescribeRepositories')).body).toHaveLength(1)
    expect((await control('calls?mutating=maybe')).status).toBe(400)
    expect((await control('transitions?kind=alarm')).body).toEqual([])
    expect((await control('reset', { body: {} })).body).toEqual({ ok: true })
    expect((await control('calls')).body).toEqual([])
  })

  it('reset with world: true rebuilds the services from the world', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'temporary' }))
    await control('reset', { body: { world: true } })
    const repos = await ecr.send(new DescribeRepositoriesCommand({}))
    expect(repos.repositories?.map((r) => r.repositoryName)).toEqual(['seeded'])
  })

  it('sets an alarm state through the API, now or later, and reports unknown alarms', async () => {
    const now = await control('alarms/state', { body: { name: 'a1', state: 'INSUFFICIENT_DATA', reason: 'no data' } })
    expect(now.body).toMatchObject({ name: 'a1', state: 'INSUFFICIENT_DATA', stateReason: 'no data' })
    const later = await control('alarms/state', { body: { name: 'a1', state: 'ALARM', afterSeconds: 60 } })
    expect(later.body.state).toBe('INSUFFICIENT_DATA')
    await control('clock/advance', { body: { seconds: 60 } })
    expect(sandbox.control.alarm('a1')?.state).toBe('ALARM')
    expect((await control('transitions?kind=alarm&state=ALARM')).body).toEqual([expect.objectContaining({ id: 'a1', wallMs: expect.any(Number) })])
    expect((await control('alarms/state', { body: { name: 'ghost', state: 'ALARM' } })).status).toBe(400)
  })
})
