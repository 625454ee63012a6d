import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand, ResourceNotFound, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch'
// Transitive dependency of the clients: the RPCv2 CBOR protocol, as AWS CLI v2 / newer botocore speak it.
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols'
import { decodeCbor, encodeCbor } from '../sandbox/cbor.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { clientConfig } from './sandbox-helpers.js'

let sandbox: Sandbox
let cw: CloudWatchClient

const alarm = (name: string) =>
  new PutMetricAlarmCommand({
    AlarmName: name,
    Namespace: 'AWS/ApplicationELB',
    MetricName: 'HTTPCode_Target_5XX_Count',
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 3,
    Threshold: 5,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  })

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 0 })
  cw = new CloudWatchClient(clientConfig(sandbox.url))
  await cw.send(alarm('web-5xx'))
  await cw.send(alarm('web-latency'))
  await cw.send(alarm('api-5xx'))
})
afterAll(async () => {
  cw.destroy()
  await sandbox.stop()
})

describe('CloudWatch alarms through the AWS SDK (awsJson1_0, query-compatible)', () => {
  it('describes new alarms as INSUFFICIENT_DATA with their configuration', async () => {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-5xx'] }))
    expect(out.MetricAlarms).toHaveLength(1)
    const a = out.MetricAlarms?.[0]
    expect(a).toMatchObject({
      AlarmName: 'web-5xx',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-5xx',
      StateValue: 'INSUFFICIENT_DATA',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    })
    expect((a?.StateUpdatedTimestamp as Date).getTime()).toBe(sandbox.control.now())
  })

  it('filters by prefix and state', async () => {
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'web-latency', StateValue: 'ALARM', StateReason: 'test' }))
    const web = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'web-' }))
    expect(web.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['web-5xx', 'web-latency'])
    const inAlarm = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))
    expect(inAlarm.MetricAlarms?.map((a) => [a.AlarmName, a.StateReason])).toEqual([['web-latency', 'test']])
  })

  it('SetAlarmState on an unknown alarm is ResourceNotFound, with the query error header', async () => {
    await expect(cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }))).rejects.toBeInstanceOf(ResourceNotFound)
    const res = await fetch(sandbox.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.SetAlarmState', 'x-amzn-query-mode': 'true' },
      body: JSON.stringify({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }),
    })
    expect(res.headers.get('x-amzn-query-error')).toBe('ResourceNotFound;Sender')
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.0')
    expect(await res.json()).toEqual({ __type: 'ResourceNotFound', message: 'Alarm nope not found' })
  })

  it("rejects an invalid state value with the query protocol's ValidationError", async () => {
    await expect(cw.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'RED' as never, StateReason: 'x' }))).rejects.toMatchObject({
      Code: 'ValidationError',
      message: "1 validation error detected: Value 'RED' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [OK, ALARM, INSUFFICIENT_DATA]",
    })
  })
})

describe('alarm state through the control handle', () => {
  it('sets a state now and records a transition', async () => {
    sandbox.control.setAlarmState('api-5xx', 'OK')
    expect(sandbox.control.alarm('api-5xx')?.state).toBe('OK')
    expect(sandbox.control.transitions({ kind: 'alarm', id: 'api-5xx' }).map((t) => t.state)).toEqual(['OK'])
  })

  it('applies a state scheduled at a simulated time when the clock reaches it', async () => {
    sandbox.control.setAlarmState('web-5xx', 'OK')
    const start = sandbox.control.now()
    sandbox.control.setAlarmState('web-5xx', 'ALARM', { afterSeconds: 90, reason: 'Threshold Crossed' })
    sandbox.control.setAlarmState('web-5xx', 'OK', { at: (start + 300_000) / 1000 })
    sandbox.control.advance(89)
    expect(sandbox.control.alarm('web-5xx')?.state).toBe('OK')
    sandbox.control.advance(1)
    const view = sandbox.control.alarm('web-5xx')
    expect(view).toMatchObject({ state: 'ALARM', stateReason: 'Threshold Crossed', stateUpdatedAt: start + 90_000, periodSeconds: 60, evaluationPeriods: 3 })
    const described = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['web-5xx'] }))
    expect(described.MetricAlarms?.[0].StateValue).toBe('ALARM')
    expect((described.MetricAlarms?.[0].StateUpdatedTimestamp as Date).getTime()).toBe(start + 90_000)
    sandbox.control.advance(300)
    expect(sandbox.control.alarm('web-5xx')?.state).toBe('OK')
    const t = sandbox.control.transitions({ kind: 'alarm', id: 'web-5xx' })
    expect(t.map((x) => [x.state, x.simMs - start])).toEqual([
      ['OK', 0],
      ['ALARM', 90_000],
      ['OK', 300_000],
    ])
  })

  it('refuses an unknown alarm', () => {
    expect(() => sandbox.control.setAlarmState('nope', 'ALARM')).toThrow(/not found/)
  })
})

describe('waiting for transitions', () => {
  it('resolves when a matching transition is recorded and rejects after the timeout', async () => {
    const waiting = sandbox.control.waitForTransition({ kind: 'alarm', id: 'api-5xx', state: 'ALARM' }, 2000)
    sandbox.control.setAlarmState('api-5xx', 'ALARM')
    await expect(waiting).resolves.toMatchObject({ id: 'api-5xx', state: 'ALARM' })
    await expect(sandbox.control.waitForTransition({ kind: 'alarm', id: 'never' }, 50)).rejects.toThrow(/no transition/)
  })

  it('steps the world on a wall timer, so transitions are stamped when they happen rather than when read', async () => {
    // A fake clock (Date and timers; I/O stays real so the servers start): the 50 ms timer runs when the clock says,
    // however loaded the machine.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
    const fast = await startSandbox({
      timeScale: 600,
      world: { alarms: [{ AlarmName: 'a', Namespace: 'N', MetricName: 'M', EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold', state: 'OK' }] },
    })
    try {
      const wall0 = Date.now()
      fast.control.setAlarmState('a', 'ALARM', { afterSeconds: 60 })
      jest.advanceTimersByTime(600)
      const t = fast.control.transitions({ id: 'a', state: 'ALARM' })
      expect(t).toHaveLength(1)
      // 60 simulated s = 100 wall ms at scale 600: the timer's step at 100 ms applies it, not the read at 600 ms.
      expect(t[0].wallMs - wall0).toBe(100)
    } finally {
      jest.useRealTimers()
      await fast.stop()
    }
  })
})

describe('CloudWatch over Smithy RPCv2 CBOR', () => {
  it('serves DescribeAlarms and SetAlarmState to a CBOR client, with timestamps and doubles typed', async () => {
    const cbor = new CloudWatchClient({ ...clientConfig(sandbox.url), protocol: AwsSmithyRpcV2CborProtocol } as never)
    try {
      await cbor.send(new SetAlarmStateCommand({ AlarmName: 'web-latency', StateValue: 'OK', StateReason: 'via cbor' }))
      const out = await cbor.send(new DescribeAlarmsCommand({ AlarmNames: ['web-latency'] }))
      expect(out.MetricAlarms?.[0]).toMatchObject({ AlarmName: 'web-latency', StateValue: 'OK', StateReason: 'via cbor', Threshold: 5, Period: 60 })
      expect((out.MetricAlarms?.[0].StateUpdatedTimestamp as Date).getTime()).toBe(sandbox.control.now())
      await expect(cbor.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }))).rejects.toBeInstanceOf(ResourceNotFound)
      expect(sandbox.control.calls({ operation: 'SetAlarmState', service: 'cloudwatch' }).at(-1)?.params).toEqual({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })
    } finally {
      cbor.destroy()
    }
  })

  it('round-trips the CBOR subset it needs', () => {
    const value = { a: 1, b: -300, c: 1.5, d: 'héllo', e: [true, false, null], f: { g: 2 ** 40 }, h: Buffer.from([1, 2]) }
    expect(decodeCbor(encodeCbor(value))).toEqual(value)
    // Indefinite-length map {"x": [1]} and a half-precision 1.5, as some encoders write them.
    expect(decodeCbor(Buffer.from([0xbf, 0x61, 0x78, 0x9f, 0x01, 0xff, 0xff]))).toEqual({ x: [1] })
    expect(decodeCbor(Buffer.from([0xf9, 0x3e, 0x00]))).toBe(1.5)
    expect(() => decodeCbor(Buffer.from([0x82, 0x01]))).toThrow(/ends early/)
  })
})
