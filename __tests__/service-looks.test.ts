// Several services, one release: the watches and bakes running at once on the run's one Poller share their
// DescribeServices, DescribeServiceDeployments and DescribeAlarms (src/watch/shared-reads.ts), and a shared answer is
// never older than what a look may use. The readers are driven directly (the order of looks is the test's), and the
// engines' watch loops run at once on a virtual clock that moves on only when every loop sleeps.
import { describe, expect, it } from '@jest/globals'
import type { Service } from '@aws-sdk/client-ecs'
import { Timeline } from '../src/core/timeline.js'
import { watchDeployment } from '../src/engines/rolling/watch.js'
import { watchAlarms } from '../src/watch/alarms.js'
import { bake } from '../src/watch/bake.js'
import { RunContext } from '../src/watch/context.js'
import { Poller } from '../src/watch/poller.js'
import { describeService } from '../src/watch/service.js'
import { watchService, watchServiceDeployment } from '../src/watch/service-looks.js'
import { fakeAws, fakeClock, throttling, type Handler } from './helpers/fake-aws.js'
import { SD_ARN, TD, dep, metricAlarm, svc } from './helpers/ecs-model.js'

const OURS = 'ecs-svc/1111111111111111111'

/** DescribeServices of cluster prod answering from `deployments` (service → its PRIMARY deployment's id), read at
 * each call; a service not in it is MISSING, as ECS says it. */
function servicesOf(deployments: Record<string, string>): Handler {
  return (input: { services: string[] }) => ({
    services: input.services.filter((name) => name in deployments).map((name) => svc([dep(deployments[name], 'PRIMARY', 42, 'IN_PROGRESS', [0, 2])], [], { serviceName: name })),
    failures: input.services.filter((name) => !(name in deployments)).map((name) => ({ arn: `arn:aws:ecs:us-east-1:123456789012:service/prod/${name}`, reason: 'MISSING' })),
  })
}

const primaryOf = (service: Service) => service.deployments?.[0]?.id
const named = (calls: { op: string; input: { services?: string[]; AlarmNames?: string[] } }[], op: string) =>
  calls.filter((c) => c.op === op).map((c) => [...(c.input.services ?? c.input.AlarmNames ?? [])].sort())

/** A clock for loops running at once: a sleep waits for virtual time, which moves to the next wake-up only once
 * nothing else can run. */
function virtualClock(start = Date.UTC(2026, 0, 1)) {
  let t = start
  const sleepers: { at: number; wake: () => void }[] = []
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: t + ms, wake })),
    /** Runs `work` to its end. */
    async run<T>(work: Promise<T>): Promise<T> {
      let settled = false
      const done = work.finally(() => (settled = true))
      done.catch(() => undefined)
      while (!settled) {
        await new Promise((resolve) => setImmediate(resolve))
        if (settled || sleepers.length === 0) continue
        t = Math.min(...sleepers.map((s) => s.at))
        for (const s of sleepers.filter((s) => s.at === t)) {
          sleepers.splice(sleepers.indexOf(s), 1)
          s.wake()
        }
      }
      return done
    },
  }
}

describe('DescribeServices shared by the watches of one run', () => {
  it('three watches of a cluster make one DescribeServices per round, naming all three; another cluster is asked apart', async () => {
    const clock = fakeClock()
    const aws = fakeAws({ DescribeServices: servicesOf({ web: OURS, api: OURS, worker: OURS }) }, clock)
    const poller = new Poller(clock)
    const watches = ['web', 'api', 'worker'].map((name) => watchService(aws.clients, new RunContext(poller), 'prod', name))
    const other = watchService(aws.clients, new RunContext(poller), 'staging', 'web')
    for (let round = 0; round < 3; round++) {
      const seen = await Promise.all([...watches, other].map((w) => w.describe()))
      expect(seen.map((s) => s.serviceName)).toEqual(['web', 'api', 'worker', 'web'])
    }
    const calls = aws.calls.filter((c) => c.op === 'DescribeServices')
    expect(calls.filter((c) => c.input.cluster === 'prod').map((c) => [...c.input.services].sort())).toEqual(Array(3).fill(['api', 'web', 'worker']))
    expect(calls.filter((c) => c.input.cluster === 'staging').map((c) => c.input.services)).toEqual(Array(3).fill(['web']))
  })

  it("takes another watch's answer only when its request went out after the watch's own previous look", async () => {
    const clock = fakeClock()
    const aws = fakeAws({ DescribeServices: servicesOf({ web: OURS, api: OURS }) }, clock)
    const poller = new Poller(clock)
    const web = watchService(aws.clients, new RunContext(poller), 'prod', 'web')
    const api = watchService(aws.clients, new RunContext(poller), 'prod', 'api')
    await Promise.all([web.describe(), api.describe()])
    expect(aws.count('DescribeServices')).toBe(1)
    // web looks again: its request, sent after api's last look, answers api's next look too.
    await web.describe()
    await api.describe()
    expect(aws.count('DescribeServices')).toBe(2)
    // That request went out before api's last look ended: api's next look asks anew.
    await api.describe()
    expect(aws.count('DescribeServices')).toBe(3)
    expect(named(aws.calls, 'DescribeServices')).toEqual([
      ['api', 'web'],
      ['api', 'web'],
      ['api', 'web'],
    ])
  })

  it('never answers a watch with a request sent before it began watching: a watch opened after an update sees the update', async () => {
    const clock = fakeClock()
    const deployments = { web: OURS, api: 'ecs-svc/old' }
    const answer = servicesOf(deployments)
    let hold: Promise<void> | undefined
    let release = () => {}
    const aws = fakeAws(
      {
        // Answers as the services are when the request arrives, and then (while held) takes its time.
        DescribeServices: async (input: { services: string[] }) => {
          const out = answer(input)
          await hold
          return out
        },
      },
      clock,
    )
    const poller = new Poller(clock)
    const web = watchService(aws.clients, new RunContext(poller), 'prod', 'web')
    const api = watchService(aws.clients, new RunContext(poller), 'prod', 'api')
    hold = new Promise((resolve) => (release = resolve))
    const webLook = web.describe()
    // While web's request (naming api too) is in flight, api's service is updated and a new watch of it opens, as
    // the rollback's watch does after its UpdateService.
    deployments.api = 'ecs-svc/new'
    const apiAfterUpdate = watchService(aws.clients, new RunContext(poller), 'prod', 'api')
    hold = undefined
    const [oldLook, newLook] = [api.describe(), apiAfterUpdate.describe()]
    release()
    expect(primaryOf(await webLook)).toBe(OURS)
    // The new watch asked after the update; the one that was there before waited for web's request instead of asking
    // (and takes the freshest answer kept by then: the new watch's, which came back first).
    expect(primaryOf(await newLook)).toBe('ecs-svc/new')
    expect(primaryOf(await oldLook)).toBe('ecs-svc/new')
    expect(named(aws.calls, 'DescribeServices')).toEqual([['api', 'web'], ['api']])
    // An answer already kept is no better: a watch opened after it makes its own call.
    deployments.api = 'ecs-svc/newer'
    expect(primaryOf(await watchService(aws.clients, new RunContext(poller), 'prod', 'api').describe())).toBe('ecs-svc/newer')
    expect(aws.count('DescribeServices')).toBe(3)
  })

  it('splits twelve watched services into calls of at most 10 names, each service asked once a round', async () => {
    const clock = fakeClock()
    const names = Array.from({ length: 12 }, (_, i) => `svc-${String(i).padStart(2, '0')}`)
    const aws = fakeAws({ DescribeServices: servicesOf(Object.fromEntries(names.map((n) => [n, OURS]))) }, clock)
    const poller = new Poller(clock)
    const watches = names.map((name) => watchService(aws.clients, new RunContext(poller), 'prod', name))
    for (let round = 1; round <= 2; round++) {
      const seen = await Promise.all(watches.map((w) => w.describe()))
      expect(seen.map((s) => s.serviceName)).toEqual(names)
      const calls = named(aws.calls, 'DescribeServices').slice(2 * (round - 1))
      expect(calls).toHaveLength(2)
      expect(calls.every((c) => c.length <= 10)).toBe(true)
      expect(calls.flat().sort()).toEqual(names)
    }
  })

  it('a missing service fails only its own look, with the error a look of its own gives', async () => {
    const clock = fakeClock()
    const aws = fakeAws({ DescribeServices: servicesOf({ web: OURS }) }, clock)
    const poller = new Poller(clock)
    const [web, gone] = ['web', 'gone'].map((name) => watchService(aws.clients, new RunContext(poller), 'prod', name))
    const [webLook, goneLook] = await Promise.allSettled([web.describe(), gone.describe()])
    expect(webLook).toMatchObject({ status: 'fulfilled', value: { serviceName: 'web' } })
    expect(goneLook).toMatchObject({ status: 'rejected', reason: new Error('DescribeServices: service gone in cluster prod: MISSING') })
    await expect(describeService(aws.clients, new RunContext(poller), 'prod', 'gone')).rejects.toThrow('DescribeServices: service gone in cluster prod: MISSING')
    expect(named(aws.calls, 'DescribeServices')[0]).toEqual(['gone', 'web'])
  })

  it('one watch alone makes exactly the calls of a look of its own, one DescribeServices with one name per look', async () => {
    const clock = fakeClock()
    const aws = fakeAws({ DescribeServices: servicesOf({ web: OURS }) }, clock)
    const poller = new Poller(clock)
    await describeService(aws.clients, new RunContext(poller), 'prod', 'web')
    const today = aws.calls[0].input
    const first = watchService(aws.clients, new RunContext(poller), 'prod', 'web')
    for (let look = 0; look < 3; look++) await first.describe()
    first.close()
    // The next watch of the service (a rollback's) starts over.
    await watchService(aws.clients, new RunContext(poller), 'prod', 'web').describe()
    expect(aws.calls.map((c) => c.input)).toEqual(Array(5).fill(today))
    expect(today).toEqual({ cluster: 'prod', services: ['web'] })
  })

  it('a throttled DescribeServices reaches every look that waited for it, and only those', async () => {
    const clock = fakeClock()
    let throttle = true
    const answer = servicesOf({ web: OURS, api: OURS })
    const aws = fakeAws(
      {
        DescribeServices: (input: { cluster: string; services: string[] }) => {
          if (throttle && input.cluster === 'prod') throw throttling()
          return answer(input)
        },
      },
      clock,
    )
    const poller = new Poller(clock)
    const looks = [
      watchService(aws.clients, new RunContext(poller), 'prod', 'web'),
      watchService(aws.clients, new RunContext(poller), 'prod', 'api'),
      watchService(aws.clients, new RunContext(poller), 'staging', 'web'),
    ]
    const settled = await Promise.allSettled(looks.map((w) => w.describe()))
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).name : 'fulfilled'))).toEqual(['ThrottlingException', 'ThrottlingException', 'fulfilled'])
    expect(aws.calls.filter((c) => c.input.cluster === 'prod')).toHaveLength(1)
    // The error is not kept: the next round asks again.
    throttle = false
    await Promise.all(looks.map((w) => w.describe()))
    expect(aws.calls.filter((c) => c.input.cluster === 'prod')).toHaveLength(2)
  })

  it('two rolling watches on one poller cost what one costs: each DescribeServices names both services', async () => {
    const clock = virtualClock()
    const progress: Record<string, number> = { web: 0, api: 0 }
    const aws = fakeAws(
      {
        // Each DescribeServices naming a service moves its deployment one task on; at 2/2 it is COMPLETED.
        DescribeServices: (input: { services: string[] }) => ({
          services: input.services.map((name) => {
            const running = Math.min(2, ++progress[name])
            return svc([dep(OURS, 'PRIMARY', 42, running === 2 ? 'COMPLETED' : 'IN_PROGRESS', [running, 2, 2 - running])], [], { serviceName: name })
          }),
          failures: [],
        }),
      },
      clock,
    )
    const poller = new Poller(clock)
    const target = (service: string) => ({ cluster: 'prod', service, deploymentId: OURS, taskDefinitionArn: TD(42), since: new Date(clock.now()), deadline: clock.now() + 60_000 })
    const results = await clock.run(Promise.all(['web', 'api'].map((service) => watchDeployment(aws.clients, target(service), new Timeline(), new RunContext(poller)))))
    expect(results.map((r) => r.end)).toEqual(['completed', 'completed'])
    // One service alone needs two looks: two calls for both.
    expect(named(aws.calls, 'DescribeServices')).toEqual([
      ['api', 'web'],
      ['api', 'web'],
    ])
  })
})

describe('DescribeServiceDeployments shared by the native watches of one run', () => {
  it('asks for the cluster’s watched service deployments together, at most 20 a call, each watch its own answer', async () => {
    const clock = fakeClock()
    const arns = Array.from({ length: 21 }, (_, i) => `${SD_ARN}${i}`)
    const aws = fakeAws(
      {
        DescribeServiceDeployments: (input: { serviceDeploymentArns: string[] }) => ({
          serviceDeployments: input.serviceDeploymentArns.map((arn) => ({ serviceDeploymentArn: arn, status: 'IN_PROGRESS' })),
        }),
      },
      clock,
    )
    const poller = new Poller(clock)
    const watches = arns.map((arn) => watchServiceDeployment(aws.clients, new RunContext(poller), 'prod', arn))
    const seen = await Promise.all(watches.map((w) => w.describe()))
    expect(seen.map((sd) => sd?.serviceDeploymentArn)).toEqual(arns)
    const calls = aws.calls.map((c) => c.input.serviceDeploymentArns as string[])
    expect(calls.map((c) => c.length)).toEqual([20, 1])
    expect(calls.flat().sort()).toEqual([...arns].sort())
  })
})

describe('DescribeAlarms shared by the bakes of one run', () => {
  const alarmsOf =
    (states: Record<string, string>): Handler =>
    (input: { AlarmNames: string[] }) => ({ MetricAlarms: input.AlarmNames.filter((name) => name in states).map((name) => metricAlarm(name, states[name])) })

  it('two bakes with different alarms read them in one DescribeAlarms; a shared answer is as old as it is', async () => {
    const clock = fakeClock()
    const aws = fakeAws({ DescribeAlarms: alarmsOf({ 'api-5xx': 'OK', latency: 'ALARM' }) }, clock)
    const poller = new Poller(clock)
    const web = watchAlarms(aws.clients, new RunContext(poller), ['api-5xx'])
    const api = watchAlarms(aws.clients, new RunContext(poller), ['latency', 'gone'])
    const [webRead, apiRead] = await Promise.all([web.read(), api.read()])
    expect(webRead.values).toEqual(new Map([['api-5xx', { state: 'OK', reason: 'state OK' }]]))
    expect(apiRead.values).toEqual(
      new Map([
        ['latency', { state: 'ALARM', reason: 'state ALARM' }],
        ['gone', undefined],
      ]),
    )
    expect(named(aws.calls, 'DescribeAlarms')).toEqual([['api-5xx', 'gone', 'latency']])
    // web reads again; api, 1.5 s later, takes that answer, with the time it arrived.
    const sentAt = clock.now()
    await web.read()
    clock.t += 1500
    expect((await api.read()).answeredAt).toBe(sentAt)
    expect(aws.count('DescribeAlarms')).toBe(2)
  })

  it('two bakes under way at once make one DescribeAlarms a round, naming both alarms', async () => {
    const clock = virtualClock()
    const aws = fakeAws({ DescribeAlarms: alarmsOf({ 'api-5xx': 'OK', latency: 'OK' }) }, clock)
    const poller = new Poller(clock)
    const plan = (alarm: string) => ({ alarms: [alarm], durationMs: 30_000, deadline: clock.now() + 600_000 })
    const results = await clock.run(Promise.all(['api-5xx', 'latency'].map((alarm) => bake(aws.clients, plan(alarm), new Timeline(), new RunContext(poller)))))
    expect(results.map((r) => r.passed)).toEqual([true, true])
    const calls = named(aws.calls, 'DescribeAlarms')
    // The first bake's first read went out before the second began: then a look every 2 s for 30 s and a last one, shared.
    expect(calls.slice(0, 2)).toEqual([['api-5xx'], ['latency']])
    expect(calls.slice(2)).toEqual(Array(15).fill(['api-5xx', 'latency']))
  })

  it('a throttled shared DescribeAlarms reaches both bakes, each backing off with its own warning', async () => {
    const clock = virtualClock()
    let n = 0
    const answer = alarmsOf({ 'api-5xx': 'OK', latency: 'OK' })
    const aws = fakeAws(
      {
        DescribeAlarms: (input: { AlarmNames: string[] }) => {
          // The third is the first shared one.
          if (++n === 3) throw throttling()
          return answer(input)
        },
      },
      clock,
    )
    const poller = new Poller(clock)
    const timelines = [new Timeline(), new Timeline()]
    const plan = (alarm: string) => ({ alarms: [alarm], durationMs: 30_000, deadline: clock.now() + 600_000 })
    const results = await clock.run(Promise.all(['api-5xx', 'latency'].map((alarm, i) => bake(aws.clients, plan(alarm), timelines[i], new RunContext(poller)))))
    expect(results.map((r) => r.passed)).toEqual([true, true])
    expect(named(aws.calls, 'DescribeAlarms')[2]).toEqual(['api-5xx', 'latency'])
    for (const timeline of timelines) {
      expect(timeline.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []))).toEqual([expect.stringMatching(/Rate exceeded while baking; next look in 4 s/)])
    }
  })
})
