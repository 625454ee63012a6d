import { describe, expect, it } from '@jest/globals'
import { bake, MAX_UNREAD_MS } from '../src/watch/bake.js'
import { Timeline } from '../src/core/timeline.js'
import { awsError, fakeAws, fakeClock, throttling } from './helpers/fake-aws.js'
import { metricAlarm as alarm } from './helpers/ecs-model.js'

describe('bake', () => {
  it('does nothing for bake time 0', async () => {
    const clock = fakeClock()
    const aws = fakeAws({}, clock)
    const timeline = new Timeline()
    const result = await bake(aws.clients, { alarms: ['a'], durationMs: 0, deadline: clock.now() + 1e6 }, timeline, clock)
    expect(result).toMatchObject({ passed: true, cutShortByDeadline: false })
    expect(aws.calls).toHaveLength(0)
    expect(timeline.events).toHaveLength(0)
  })

  it('passes after the whole bake time with the alarms OK, emitting phase and alarm states once each', async () => {
    const clock = fakeClock()
    const start = clock.now()
    const aws = fakeAws({ DescribeAlarms: () => ({ MetricAlarms: [alarm('api-5xx', 'OK'), alarm('latency', 'OK')] }) }, clock)
    const timeline = new Timeline()
    const result = await bake(aws.clients, { alarms: ['api-5xx', 'latency'], durationMs: 30_000, deadline: start + 1e6 }, timeline, clock)
    expect(result).toMatchObject({ passed: true, durationMs: 30_000 })
    expect(clock.now() - start).toBe(30_000)
    expect(clock.sleeps.every((ms) => ms <= 2000)).toBe(true)
    expect(timeline.events.map((e) => e.type)).toEqual(['phase', 'alarm', 'alarm'])
    expect(aws.calls[0].input).toMatchObject({ AlarmNames: ['api-5xx', 'latency'] })
  })

  it('ends at the first alarm in ALARM with its name and reason', async () => {
    const clock = fakeClock()
    const start = clock.now()
    let n = 0
    const aws = fakeAws({ DescribeAlarms: () => ({ MetricAlarms: [alarm('api-5xx', ++n >= 4 ? 'ALARM' : 'OK', n >= 4 ? 'Threshold Crossed' : 'ok')] }) }, clock)
    const timeline = new Timeline()
    const result = await bake(aws.clients, { alarms: ['api-5xx'], durationMs: 600_000, deadline: start + 1e6 }, timeline, clock)
    expect(result).toMatchObject({ passed: false, fired: { name: 'api-5xx', reason: 'Threshold Crossed' } })
    expect(clock.now() - start).toBe(6000)
    expect(timeline.events.filter((e) => e.type === 'alarm').map((e) => e.type === 'alarm' && e.state)).toEqual(['OK', 'ALARM'])
  })

  it('is cut short by the deadline and says so', async () => {
    const clock = fakeClock()
    const start = clock.now()
    const aws = fakeAws({ DescribeAlarms: () => ({ MetricAlarms: [alarm('a', 'OK')] }) }, clock)
    const result = await bake(aws.clients, { alarms: ['a'], durationMs: 60_000, deadline: start + 10_000 }, new Timeline(), clock)
    expect(result).toMatchObject({ passed: false, cutShortByDeadline: true })
    expect(clock.now() - start).toBe(10_000)
  })

  it('backs off when throttled and warns about a missing alarm', async () => {
    const clock = fakeClock()
    let n = 0
    const aws = fakeAws(
      {
        DescribeAlarms: () => {
          if (++n <= 2) throw throttling()
          return { MetricAlarms: [alarm('a', 'OK')] }
        },
      },
      clock,
    )
    const timeline = new Timeline()
    const result = await bake(aws.clients, { alarms: ['a', 'gone'], durationMs: 20_000, deadline: clock.now() + 1e6 }, timeline, clock)
    expect(result.passed).toBe(true)
    expect(clock.sleeps.slice(0, 2)).toEqual([4000, 8000])
    const warnings = timeline.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))
    // One warning per throttling streak (the one poll loop's policy).
    expect(warnings.filter((m) => m.includes('Rate exceeded'))).toHaveLength(1)
    expect(warnings).toContain('Alarm gone does not exist; it cannot stop a bad release.')
  })

  it('an alarm already in ALARM when the deployment started ends the bake only after it recovered and fired again', async () => {
    const clock = fakeClock()
    const start = clock.now()
    const states = ['ALARM', 'ALARM', 'OK', 'ALARM']
    let n = 0
    const aws = fakeAws({ DescribeAlarms: () => ({ MetricAlarms: [alarm('api-5xx', states[Math.min(n++, states.length - 1)])] }) }, clock)
    const result = await bake(aws.clients, { alarms: ['api-5xx'], durationMs: 600_000, deadline: start + 1e6, firingAtStart: ['api-5xx'] }, new Timeline(), clock)
    expect(result).toMatchObject({ passed: false, fired: { name: 'api-5xx' } })
    expect(n).toBe(4)
  })

  it('fails, unverified, when no read of the alarms succeeded for longer than it allows, even with the alarm in ALARM unseen', async () => {
    const clock = fakeClock()
    const start = clock.now()
    let n = 0
    const aws = fakeAws(
      {
        DescribeAlarms: () => {
          if (++n > 1) throw throttling()
          return { MetricAlarms: [alarm('api-5xx', 'OK')] }
        },
      },
      clock,
    )
    const result = await bake(aws.clients, { alarms: ['api-5xx'], durationMs: 600_000, deadline: start + 1e6 }, new Timeline(), clock)
    expect(result).toMatchObject({ passed: false, unreadable: expect.stringContaining('Rate exceeded'), unreadableSince: new Date(start) })
    expect(clock.now() - start).toBeGreaterThan(MAX_UNREAD_MS)
    // Noticed at the first look past the limit: at most one backed-off interval (≤ 20 s) later.
    expect(clock.now() - start).toBeLessThanOrEqual(MAX_UNREAD_MS + 20_000)
  })

  it('fails, unverified, at once when the alarms cannot be read at all (access denied)', async () => {
    const clock = fakeClock()
    const denied = awsError('AccessDenied', 'not authorized to perform cloudwatch:DescribeAlarms', 403)
    const aws = fakeAws({ DescribeAlarms: () => Promise.reject(denied) }, clock)
    const result = await bake(aws.clients, { alarms: ['api-5xx'], durationMs: 600_000, deadline: clock.now() + 1e6 }, new Timeline(), clock)
    expect(result).toMatchObject({ passed: false, unreadable: expect.stringContaining('AccessDenied') })
    expect(aws.calls).toHaveLength(1)
  })
})
