import { describe, expect, it } from '@jest/globals'
import type { NativeEngine } from '../src/core/plan.js'
import { runNative } from '../src/engines/ecs-native/run.js'
import { bakeMinutes, nativeConfiguration, type NativePlan } from '../src/engines/ecs-native/settings.js'
import { chooseEngine } from '../src/engines/choose.js'
import { decideOutcome } from '../src/core/outcome.js'
import { checkNative } from '../src/engines/ecs-native/check.js'
import { parseStrategy } from '../src/inputs/strategy.js'
import { Timeline, type TimelineEvent } from '../src/core/timeline.js'
import { describeEvent } from '../src/report/log.js'
import { fakeAws, fakeClock, throttling } from './helpers/fake-aws.js'
import { SD_ARN, TD, basePlan, nativeEcs, type Look } from './helpers/ecs-model.js'

const BLUE_REV = 'arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/1111'
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:smoke-test'

const engineFor = (text: string): NativeEngine => {
  const chosen = chooseEngine(
    parseStrategy(text),
    { serviceName: 'web', deploymentController: { type: 'ECS' }, deploymentConfiguration: { strategy: 'BLUE_GREEN' } },
    { hooks: {} },
    'prod',
  )
  if (!('engine' in chosen) || chosen.engine.kind !== 'ecs-native') throw new Error(`no native engine for ${text}`)
  return chosen.engine
}

function plan(clock: { now: () => number }, over: Partial<NativePlan> = {}): NativePlan {
  return {
    ...basePlan(clock),
    bakeTimeMs: 90_000,
    currentDeploymentConfiguration: {
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 1 },
      bakeTimeInMinutes: 5,
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    engine: engineFor('canary 20% 5m'),
    ...over,
  }
}

const lines = (timeline: Timeline, type?: TimelineEvent['type']) => timeline.events.filter((e) => !type || e.type === type).map(describeEvent)

const canaryScript: Look[] = [
  { lifecycleStage: 'PRE_SCALE_UP' },
  { lifecycleStage: 'SCALE_UP' },
  { lifecycleStage: 'TEST_TRAFFIC_SHIFT', test: 100 },
  { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', weight: 20, test: 100 },
  { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', weight: 20, test: 100 },
  { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', weight: 100, test: 100 },
  { lifecycleStage: 'BAKE_TIME', weight: 100, test: 100 },
  { lifecycleStage: 'CLEAN_UP', weight: 100, test: 100 },
  { lifecycleStage: 'CLEAN_UP', status: 'SUCCESSFUL', weight: 100, test: 100 },
]

describe('nativeConfiguration', () => {
  it('puts the strategy, its settings, the bake time (whole minutes, rounded up), the breaker and the alarms into UpdateService', () => {
    const clock = fakeClock()
    expect(nativeConfiguration(plan(clock))).toEqual({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 5 },
      bakeTimeInMinutes: 2,
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: { alarmNames: ['api-5xx'], enable: true, rollback: true },
    })
  })

  it('keeps the service settings of the strategy it follows (auto), and its own bake time when bake-time is 0', () => {
    const clock = fakeClock()
    const auto = chooseEngine(parseStrategy('auto'), { serviceName: 'web', deploymentConfiguration: { strategy: 'LINEAR' } }, { hooks: {} }, 'prod')
    if (!('engine' in auto) || auto.engine.kind !== 'ecs-native') throw new Error('expected the native engine')
    const config = nativeConfiguration(plan(clock, { engine: auto.engine, bakeTimeMs: 0, rollback: 'never', alarms: [] }))
    expect(config).toMatchObject({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 1 },
      bakeTimeInMinutes: 5,
      deploymentCircuitBreaker: { enable: true, rollback: false },
    })
    expect(config.alarms).toBeUndefined()
    expect(bakeMinutes(60_001, undefined)).toBe(2)
    expect(bakeMinutes(0, undefined)).toBe(0)
  })
})

describe('runNative', () => {
  it('canary: follows the stages and weights to SUCCESSFUL, logging each step: succeeded', async () => {
    const clock = fakeClock()
    const aws = fakeAws(nativeEcs(canaryScript), clock)
    const timeline = new Timeline()
    const facts = await runNative(aws.clients, plan(clock), timeline, { watch: clock })
    expect(aws.calls.find((c) => c.op === 'UpdateService')?.input).toMatchObject({
      cluster: 'prod',
      service: 'web',
      taskDefinition: TD(42),
      deploymentConfiguration: { strategy: 'CANARY' },
    })
    expect(facts).toMatchObject({ engine: 'ECS canary 20% then the rest after 5m', deploymentId: 'ecs-svc/2', serviceDeploymentArn: SD_ARN, timedOut: false })
    expect(facts.trafficShifts?.map((s) => s.percent)).toEqual([20, 100])
    expect(lines(timeline, 'traffic-shifted')).toEqual([
      'test traffic: 0% → 100% on the new revision',
      'production traffic: 0% → 20% on the new revision',
      'production traffic: 20% → 100% on the new revision',
    ])
    expect(lines(timeline, 'phase')).toEqual([
      '── register: family web',
      expect.stringMatching(
        /^── deploy: .*web:42 — ECS canary 20% then the rest after 5m; ECS bake time 2 min \(bake-time 90 s rounded up to whole minutes\): .*watches alarms api-5xx/,
      ),
      `── watch: service deployment ${SD_ARN}`,
      '── watch: lifecycle stage PRE_SCALE_UP',
      '── watch: lifecycle stage SCALE_UP',
      // Stages that passed between two looks are named, in order.
      '── watch: lifecycle stage TEST_TRAFFIC_SHIFT (passed since the last look: POST_SCALE_UP)',
      '── watch: lifecycle stage PRODUCTION_TRAFFIC_SHIFT (passed since the last look: POST_TEST_TRAFFIC_SHIFT)',
      expect.stringMatching(/^── bake: lifecycle stage BAKE_TIME \(passed since the last look: POST_PRODUCTION_TRAFFIC_SHIFT\) — ECS bake time 2 min/),
      '── watch: lifecycle stage CLEAN_UP',
    ])
    expect(decideOutcome(facts)).toEqual({ outcome: 'succeeded', reason: 'Deployment ecs-svc/2 completed: 2/2 tasks of web:42 running and baked 120 s with no alarm.' })
  })

  it('a look that jumps past the traffic shift logs the shift before the stage it landed in', async () => {
    const clock = fakeClock()
    const aws = fakeAws(
      nativeEcs([{ lifecycleStage: 'SCALE_UP' }, { lifecycleStage: 'BAKE_TIME', weight: 100 }, { status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP', weight: 100 }]),
      clock,
    )
    const timeline = new Timeline()
    await runNative(aws.clients, plan(clock), timeline, { watch: clock })
    const all = lines(timeline)
    expect(all.findIndex((l) => l.startsWith('production traffic: 0% → 100%'))).toBe(all.findIndex((l) => l.startsWith('── bake')) - 1)
  })

  it('stays within 30 AWS calls a minute however long the rollout is', async () => {
    const clock = fakeClock()
    const slow: Look[] = [
      ...Array.from({ length: 300 }, (_, n): Look => ({ lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', weight: 10 + Math.floor(n / 10) })),
      { status: 'SUCCESSFUL', weight: 100 },
    ]
    const aws = fakeAws(nativeEcs(slow), clock)
    await runNative(aws.clients, plan(clock), new Timeline(), { watch: clock })
    const watched = aws.calls.filter((c) => c.op === 'DescribeServiceDeployments' || c.op === 'DescribeServices')
    const minutes = (watched.at(-1)!.at - watched[0].at) / 60_000
    expect(watched.length / minutes).toBeLessThanOrEqual(30)
    expect(aws.count('DescribeServiceDeployments')).toBe(301)
  })

  it('a failing Lambda hook: ECS rolls back; the outcome names the hook even when ECS reason does not', async () => {
    const clock = fakeClock()
    const hook = { hookId: 'ecs-lambda-abc', targetType: 'AWS_LAMBDA' as const, targetArn: LAMBDA, timeoutAction: 'ROLLBACK' as const }
    const aws = fakeAws(
      nativeEcs([
        { lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', test: 100, lifecycleHookDetails: [{ ...hook, status: 'IN_PROGRESS' }] },
        {
          lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
          test: 100,
          lifecycleHookDetails: [{ ...hook, status: 'FAILED' }],
          status: 'ROLLBACK_IN_PROGRESS',
          statusReason: 'Lifecycle hook failed.',
          rollback: { reason: 'Lifecycle hook failed.', serviceRevisionArn: BLUE_REV },
        },
        {
          lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
          test: 0,
          lifecycleHookDetails: [{ ...hook, status: 'FAILED' }],
          status: 'ROLLBACK_SUCCESSFUL',
          statusReason: 'Lifecycle hook failed.',
          rollback: { reason: 'Lifecycle hook failed.', serviceRevisionArn: BLUE_REV },
        },
      ]),
      clock,
    )
    const timeline = new Timeline()
    const facts = await runNative(aws.clients, plan(clock), timeline, { watch: clock })
    expect(lines(timeline, 'hook-waiting')).toEqual([`waiting for lifecycle hook ${LAMBDA} at POST_TEST_TRAFFIC_SHIFT: the hook is running (ecs-lambda-abc)`])
    expect(facts.hook).toEqual({ name: 'ecs-lambda-abc', target: LAMBDA, stage: 'POST_TEST_TRAFFIC_SHIFT', status: 'FAILED', reason: 'Lifecycle hook failed.' })
    expect(facts.ecsRollback).toMatchObject({ deploymentId: 'ecs-svc/1', completed: true, failed: false })
    expect(lines(timeline, 'rollback')).toEqual([`rollback by ECS: ecs-svc/2 → web:41: Lifecycle hook failed. (lifecycle hook ${LAMBDA} FAILED at POST_TEST_TRAFFIC_SHIFT)`])
    expect(decideOutcome(facts)).toEqual({ outcome: 'rolled-back', reason: `Lifecycle hook failed. (lifecycle hook ${LAMBDA} FAILED at POST_TEST_TRAFFIC_SHIFT).` })
    expect(aws.count('StopServiceDeployment')).toBe(0)
  })

  it('an alarm during BAKE_TIME: ECS rolls back; the facts say the bake failed on that alarm', async () => {
    const clock = fakeClock()
    const reason = 'ECS deployment alarm: api-5xx is in ALARM state.'
    const triggered = { status: 'TRIGGERED' as const, alarmNames: ['api-5xx'], triggeredAlarmNames: ['api-5xx'] }
    const aws = fakeAws(
      nativeEcs([
        { lifecycleStage: 'BAKE_TIME', weight: 100 },
        { lifecycleStage: 'BAKE_TIME', weight: 0, status: 'ROLLBACK_IN_PROGRESS', statusReason: reason, alarms: triggered },
        { lifecycleStage: 'BAKE_TIME', weight: 0, status: 'ROLLBACK_SUCCESSFUL', statusReason: reason, alarms: triggered },
      ]),
      clock,
    )
    const facts = await runNative(aws.clients, plan(clock), new Timeline(), { watch: clock })
    expect(facts.bake).toEqual({ durationMs: 120_000, alarms: ['api-5xx'], passed: false, fired: { name: 'api-5xx' }, cutShortByDeadline: false })
    expect(decideOutcome(facts)).toEqual({
      outcome: 'rolled-back',
      reason: 'ECS deployment alarm: api-5xx is in ALARM state — during the bake time, with production traffic on the new revision.',
    })
  })

  it('a PAUSE hook waiting at the timeout: says how to approve, then StopServiceDeployment(ROLLBACK): timed-out', async () => {
    const clock = fakeClock()
    const expiresAt = new Date(clock.now() + 24 * 3600_000)
    const pause = { hookId: 'ecs-pause-xyz', targetType: 'PAUSE' as const, status: 'AWAITING_ACTION' as const, expiresAt, timeoutAction: 'ROLLBACK' as const }
    const aws = fakeAws(nativeEcs([{ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', test: 100, lifecycleHookDetails: [pause] }]), clock)
    const timeline = new Timeline()
    const facts = await runNative(aws.clients, plan(clock, { deadline: clock.now() + 5 * 60_000 }), timeline, { watch: clock })
    const command = `aws ecs continue-service-deployment --service-deployment-arn ${SD_ARN} --hook-id ecs-pause-xyz`
    expect(lines(timeline, 'hook-waiting')).toEqual([
      `waiting for approval (PAUSE hook ecs-pause-xyz at POST_TEST_TRAFFIC_SHIFT): continue with \`${command} --action CONTINUE\`, or roll back with \`${command} --action ROLLBACK\`. ` +
        `At ${expiresAt.toISOString()} the hook times out and ECS rolls back. This run rolls back at its timeout (${new Date(Date.UTC(2026, 0, 1) + 5 * 60_000).toISOString()}) if the deployment has not finished by then.`,
    ])
    expect(aws.calls.find((c) => c.op === 'StopServiceDeployment')?.input).toEqual({ serviceDeploymentArn: SD_ARN, stopType: 'ROLLBACK' })
    expect(facts.hook).toMatchObject({ name: 'ecs-pause-xyz', target: 'PAUSE', status: 'AWAITING_ACTION' })
    expect(facts.actionRollback).toMatchObject({ trigger: 'timeout', completed: true, deploymentId: 'ecs-svc/1' })
    expect(lines(timeline, 'rollback')[0]).toMatch(
      /^rollback by the action: ecs-svc\/2 → web:41: .*at POST_TEST_TRAFFIC_SHIFT, production traffic 0% on the new revision; PAUSE hook ecs-pause-xyz was waiting for approval\)$/,
    )
    expect(decideOutcome(facts)).toEqual({
      outcome: 'timed-out',
      reason:
        'Deployment ecs-svc/2 did not complete before the timeout (IN_PROGRESS, running 2/2, pending 0, failed tasks 0) while PAUSE hook ecs-pause-xyz at POST_TEST_TRAFFIC_SHIFT was waiting for approval; rolled back to web:41.',
    })
  })

  it('rollback never: a failed deployment ECS stopped is failed, not rolled back', async () => {
    const clock = fakeClock()
    const reason = 'ECS deployment circuit breaker: tasks failed to start.'
    const aws = fakeAws(nativeEcs([{ lifecycleStage: 'SCALE_UP' }, { lifecycleStage: 'SCALE_UP', status: 'STOPPED', statusReason: reason }]), clock)
    const facts = await runNative(aws.clients, plan(clock, { rollback: 'never' }), new Timeline(), { watch: clock })
    expect(aws.calls.find((c) => c.op === 'UpdateService')?.input.deploymentConfiguration.deploymentCircuitBreaker).toEqual({ enable: true, rollback: false })
    expect(decideOutcome(facts)).toEqual({ outcome: 'failed', reason: `${reason} Not rolled back (rollback: never).` })
  })

  it('throttling while watching: backs off with a warning and still reaches the right outcome', async () => {
    const clock = fakeClock()
    const ecs = nativeEcs(canaryScript)
    let throttles = 2
    const describe = ecs.DescribeServiceDeployments
    const aws = fakeAws({ ...ecs, DescribeServiceDeployments: () => (throttles-- > 0 ? Promise.reject(throttling()) : describe()) }, clock)
    const timeline = new Timeline()
    const facts = await runNative(aws.clients, plan(clock), timeline, { watch: clock })
    // One warning per throttling streak (the one poll loop's policy), however many looks it lasts.
    expect(lines(timeline, 'warning')).toEqual([expect.stringMatching(/^warning: ThrottlingException: Rate exceeded while watching web; next look in 2 s$/)])
    expect(decideOutcome(facts).outcome).toBe('succeeded')
  })

  it('wait: false returns after UpdateService', async () => {
    const clock = fakeClock()
    const aws = fakeAws(nativeEcs(canaryScript), clock)
    const facts = await runNative(aws.clients, plan(clock, { wait: false }), new Timeline(), { watch: clock })
    expect(aws.calls.map((c) => c.op)).toEqual(['RegisterTaskDefinition', 'UpdateService'])
    expect(decideOutcome(facts).outcome).toBe('started')
  })
})

describe('checkNative (preflight)', () => {
  const lb = { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/abc', containerName: 'web', containerPort: 8080 }
  const full = { alternateTargetGroupArn: 'tg-green', productionListenerRule: 'rule', roleArn: 'role' }

  it('passes a service whose every load balancer has the advanced configuration', () => {
    expect(checkNative({ serviceName: 'web', loadBalancers: [{ ...lb, advancedConfiguration: full }] }, engineFor('linear 10% every 1m'), 0)).toEqual([])
  })

  it('says which setting is missing on which target group, and that a load balancer is needed at all', () => {
    const missing = checkNative({ serviceName: 'web', loadBalancers: [{ ...lb, advancedConfiguration: { alternateTargetGroupArn: 'tg-green' } }, lb] }, engineFor('canary'), 0)
    expect(missing).toHaveLength(2)
    expect(missing[0]).toMatch(
      /^Service `web`: the load balancer of target group `targetgroup\/web-blue\/abc` has advancedConfiguration without productionListenerRule, roleArn: ECS CANARY deployments/,
    )
    expect(missing[1]).toMatch(/target group `targetgroup\/web-blue\/abc` has no advancedConfiguration/)
    expect(checkNative({ serviceName: 'web' }, engineFor('blue-green'), 0)).toEqual([
      expect.stringMatching(/^Service `web` has no load balancer: ECS BLUE_GREEN deployments shift traffic/),
    ])
  })

  it("enforces ECS's limits: linear steps of at least 3%, canary of at least 0.1%, bake at most 24h", () => {
    const ok = { serviceName: 'web', loadBalancers: [{ ...lb, advancedConfiguration: full }] }
    expect(checkNative(ok, engineFor('linear 2.5% every 1m'), 0)).toEqual(['Input `strategy`: ECS LINEAR deployments move at least 3% of production traffic per step, not 2.5%.'])
    const tiny = engineFor('canary')
    tiny.configuration.canaryConfiguration = { canaryPercent: 0.05, canaryBakeTimeInMinutes: 5 }
    expect(checkNative(ok, tiny, 0)).toEqual(['Input `strategy`: ECS CANARY deployments start with at least 0.1% of production traffic, not 0.05%.'])
    expect(checkNative(ok, engineFor('blue-green'), 25 * 3600_000)).toEqual(['Input `bake-time`: ECS BLUE_GREEN deployments bake at most 1440 minutes (24h), not 1500.'])
  })
})
