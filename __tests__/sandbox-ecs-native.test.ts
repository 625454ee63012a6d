// ECS-native BLUE_GREEN, LINEAR and CANARY deployments: lifecycle stages, traffic shifts, lifecycle hooks
// (Lambda and PAUSE, ContinueServiceDeployment) and rollbacks to the blue revision, on a manual clock.
import { describe, expect, it } from '@jest/globals'
import type { JsonObject } from '../sandbox/types.js'
import { ecsHarness, type EcsHarness, messages, registerWeb, service, steadyService, tasksOf } from './helpers/sandbox-fakes.js'

const TG_BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/0123456789abcdef'
const TG_GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/fedcba9876543210'
const PROD_RULE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/3'
const TEST_RULE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/4'
const ELB_ROLE = 'arn:aws:iam::123456789012:role/ecs-elb'
const HOOK_ROLE = 'arn:aws:iam::123456789012:role/ecs-hooks'
const CHECK_FN = 'arn:aws:lambda:us-east-1:123456789012:function:smoke-check'

const loadBalancers = (testListener = true): JsonObject[] => [
  {
    targetGroupArn: TG_BLUE,
    containerName: 'app',
    containerPort: 8080,
    advancedConfiguration: {
      alternateTargetGroupArn: TG_GREEN,
      productionListenerRule: PROD_RULE,
      ...(testListener ? { testListenerRule: TEST_RULE } : {}),
      roleArn: ELB_ROLE,
    },
  },
]

const lambdaHook = (stages: string[], extra: JsonObject = {}): JsonObject => ({
  hookTargetArn: CHECK_FN,
  roleArn: HOOK_ROLE,
  lifecycleStages: stages,
  targetType: 'AWS_LAMBDA',
  ...extra,
})
const pauseHook = (stages: string[], extra: JsonObject = {}): JsonObject => ({ targetType: 'PAUSE', lifecycleStages: stages, ...extra })

/** `prod/web` steady on web:v1 (3 tasks) under `config`, then UpdateService to web:v2: the native rollout. */
function rollout(h: EcsHarness, config: JsonObject, testListener = true) {
  h.alarms.define('web-5xx', 60, 1)
  const td1 = steadyService(
    h,
    3,
    { deploymentCircuitBreaker: { enable: true, rollback: true }, alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true }, ...config },
    {
      loadBalancers: loadBalancers(testListener),
    },
  )
  const blueId = service(h).deployments[0].id as string
  h.images.push('web:v2')
  const td2 = registerWeb(h, 'v2')
  const res = h.call('UpdateService', { cluster: 'prod', service: 'web', taskDefinition: td2 }).service
  return { td1, td2, blueId, greenId: res.deployments[0].id as string, sdArn: res.currentServiceDeployment as string }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function sdOf(h: EcsHarness, arn: string): any {
  return h.call('DescribeServiceDeployments', { serviceDeploymentArns: [arn] }).serviceDeployments[0]
}

const stages = (h: EcsHarness, arn: string) => h.transitions.filter((t) => t.kind === 'lifecycle-stage' && t.id === arn).map((t) => t.state)
const traffic = (h: EcsHarness, arn: string) => h.transitions.filter((t) => t.kind === 'traffic' && t.id === arn).map((t) => t.state)
const sdStates = (h: EcsHarness, arn: string) => h.transitions.filter((t) => t.kind === 'service-deployment' && t.id === arn).map((t) => t.state)
/** Simulated ms at which the service deployment entered `stage` the n-th time. */
const enteredAt = (h: EcsHarness, arn: string, stage: string, n = 0) => h.transitions.filter((t) => t.kind === 'lifecycle-stage' && t.id === arn && t.state === stage)[n]!.simMs

const ALL_STAGES = [
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
]

/** Roll back checks shared by every cause: traffic back to blue, green stopped, blue PRIMARY and COMPLETED again. */
function expectRolledBack(h: EcsHarness, r: ReturnType<typeof rollout>, reason: string) {
  const during = sdOf(h, r.sdArn)
  expect(during).toMatchObject({ status: 'ROLLBACK_IN_PROGRESS', statusReason: reason, rollback: { reason, serviceRevisionArn: expect.any(String) } })
  expect(during.targetServiceRevision).toMatchObject({ requestedProductionTrafficWeight: 0, requestedTestTrafficWeight: 0 })
  expect(during.sourceServiceRevisions[0]).toMatchObject({ requestedProductionTrafficWeight: 100, requestedTestTrafficWeight: 100 })
  const s = service(h)
  expect(s.taskDefinition).toBe(r.td1)
  expect(s.deployments[0]).toMatchObject({
    id: r.blueId,
    status: 'PRIMARY',
    taskDefinition: r.td1,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: expect.stringMatching(new RegExp(`rolling back to deploymentId ${r.blueId}\\.$`)),
  })
  expect(s.deployments[1]).toMatchObject({ id: r.greenId, status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: reason })
  expect(messages(h)).toContain(`(service web) rolling back to deployment ${r.blueId}.`)
  expect(tasksOf(h).every((t) => t.taskDefinitionArn === r.td1)).toBe(true)

  h.advanceUntil(() => sdOf(h, r.sdArn).status === 'ROLLBACK_SUCCESSFUL', 120)
  const after = service(h)
  expect(after.deployments).toEqual([expect.objectContaining({ id: r.blueId, status: 'PRIMARY', taskDefinition: r.td1, rolloutState: 'COMPLETED', runningCount: 3 })])
  const sd = sdOf(h, r.sdArn)
  expect(sd.rollback.serviceRevisionArn).toBe(sd.sourceServiceRevisions[0].arn)
  expect(traffic(h, r.sdArn).at(-1)).toBe('0')
  expect(sdStates(h, r.sdArn).slice(-2)).toEqual(['ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL'])
}

describe('ECS sandbox: native blue/green, linear and canary deployments', () => {
  it('BLUE_GREEN walks every stage, shifts test then production traffic at once, bakes with both revisions, then cleans up', () => {
    const h = ecsHarness()
    const r = rollout(h, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 })
    expect(sdOf(h, r.sdArn)).toMatchObject({
      status: 'PENDING',
      deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
      targetServiceRevision: { requestedProductionTrafficWeight: 0, requestedTestTrafficWeight: 0 },
      lifecycleHookDetails: [],
    })
    h.advanceUntil(() => sdOf(h, r.sdArn).lifecycleStage === 'BAKE_TIME', 120)
    const baking = sdOf(h, r.sdArn)
    expect(baking).toMatchObject({
      status: 'IN_PROGRESS',
      targetServiceRevision: { requestedTaskCount: 3, runningTaskCount: 3, requestedProductionTrafficWeight: 100, requestedTestTrafficWeight: 100 },
      sourceServiceRevisions: [{ requestedTaskCount: 3, runningTaskCount: 3, requestedProductionTrafficWeight: 0, requestedTestTrafficWeight: 0 }],
    })
    const s = service(h)
    expect(s.deployments).toMatchObject([
      { id: r.greenId, status: 'PRIMARY', taskDefinition: r.td2, rolloutState: 'IN_PROGRESS', runningCount: 3 },
      { id: r.blueId, status: 'ACTIVE', taskDefinition: r.td1, runningCount: 3 },
    ])
    expect(s.runningCount).toBe(6)
    const green = tasksOf(h).filter((t) => t.taskDefinitionArn === r.td2)
    expect(green).toHaveLength(3)

    h.advanceUntil(() => sdOf(h, r.sdArn).status === 'SUCCESSFUL', 200)
    expect(stages(h, r.sdArn)).toEqual(ALL_STAGES)
    expect(traffic(h, r.sdArn)).toEqual(['0', '100'])
    expect(enteredAt(h, r.sdArn, 'CLEAN_UP') - enteredAt(h, r.sdArn, 'BAKE_TIME')).toBe(60_000)
    expect(sdStates(h, r.sdArn)).toEqual(['PENDING', 'IN_PROGRESS', 'SUCCESSFUL'])
    const done = service(h)
    expect(done).toMatchObject({
      taskDefinition: r.td2,
      runningCount: 3,
      deployments: [{ id: r.greenId, status: 'PRIMARY', rolloutState: 'COMPLETED', rolloutStateReason: `ECS deployment ${r.greenId} completed.` }],
    })
    expect(messages(h).slice(0, 2)).toEqual(['(service web) has reached a steady state.', `(service web) (deployment ${r.greenId}) deployment completed.`])
    expect(messages(h)[2]).toMatch(/^\(service web\) has stopped 3 running tasks: /)
    expect(sdOf(h, r.sdArn)).toMatchObject({
      lifecycleStage: 'CLEAN_UP',
      alarms: { status: 'MONITORING_COMPLETE' },
      targetServiceRevision: { requestedProductionTrafficWeight: 100 },
    })

    // The next deployment's green tasks go to the other target group again; its blue is the last green.
    h.images.push('web:v3')
    const td3 = registerWeb(h, 'v3')
    const next = h.call('UpdateService', { cluster: 'prod', service: 'web', taskDefinition: td3 }).service.currentServiceDeployment
    h.advanceUntil(() => sdOf(h, next).status === 'SUCCESSFUL', 300)
    expect(service(h)).toMatchObject({ taskDefinition: td3, deployments: [{ taskDefinition: td3, rolloutState: 'COMPLETED' }] })
  })

  it('green tasks register in the alternate target group and a failing ELB check names it', () => {
    const h = ecsHarness()
    h.behaviors.set(`123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v2`, { kind: 'unhealthy' })
    const r = rollout(h, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 })
    h.advanceUntil(() => messages(h).some((m) => m.includes('is unhealthy in')), 120)
    expect(messages(h).find((m) => m.includes('is unhealthy in'))).toContain(`(target-group ${TG_GREEN})`)
    // The breaker (threshold 3) trips on the green tasks and rolls back.
    h.advanceUntil(() => sdOf(h, r.sdArn).status !== 'IN_PROGRESS', 300)
    expect(sdOf(h, r.sdArn)).toMatchObject({
      statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
    })
    expectRolledBack(h, r, 'ECS deployment circuit breaker: tasks failed to start.')
  })

  it('CANARY shifts canaryPercent, holds it canaryBakeTimeInMinutes, then the rest, running the production hooks at each step', () => {
    const h = ecsHarness()
    const r = rollout(h, {
      strategy: 'CANARY',
      bakeTimeInMinutes: 1,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
      lifecycleHooks: [lambdaHook(['PRE_PRODUCTION_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT'])],
    })
    h.advanceUntil(() => sdOf(h, r.sdArn).targetServiceRevision.requestedProductionTrafficWeight === 10, 120)
    expect(sdOf(h, r.sdArn)).toMatchObject({
      lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
      deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 } },
      sourceServiceRevisions: [{ requestedProductionTrafficWeight: 90 }],
    })
    h.advanceUntil(() => sdOf(h, r.sdArn).status === 'SUCCESSFUL', 300)
    expect(traffic(h, r.sdArn)).toEqual(['0', '10', '100'])
    expect(stages(h, r.sdArn)).toEqual([
      'PRE_SCALE_UP',
      'SCALE_UP',
      'POST_SCALE_UP',
      'TEST_TRAFFIC_SHIFT',
      'POST_TEST_TRAFFIC_SHIFT',
      'PRE_PRODUCTION_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'PRE_PRODUCTION_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'POST_PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP',
    ])
    // The canary weight holds for its bake; each hook run takes the default 2 s.
    expect(enteredAt(h, r.sdArn, 'PRE_PRODUCTION_TRAFFIC_SHIFT', 1) - enteredAt(h, r.sdArn, 'PRODUCTION_TRAFFIC_SHIFT', 0)).toBe(60_000)
    expect(enteredAt(h, r.sdArn, 'CLEAN_UP') - enteredAt(h, r.sdArn, 'BAKE_TIME')).toBe(60_000)
    const details = sdOf(h, r.sdArn).lifecycleHookDetails
    expect(details).toHaveLength(4)
    for (const d of details) {
      expect(d).toMatchObject({ targetType: 'AWS_LAMBDA', targetArn: CHECK_FN, status: 'SUCCEEDED', timeoutAction: 'ROLLBACK', expiresAt: expect.any(Number) })
      expect(d.hookId).toMatch(/^ecs-lambda-[A-Za-z0-9_]{41}$/)
    }
    const hookStates = h.transitions.filter((t) => t.kind === 'hook' && t.id === details[0].hookId).map((t) => t.state)
    expect(hookStates).toEqual(['IN_PROGRESS', 'SUCCEEDED'])
  })

  it('while a PRE_PRODUCTION_TRAFFIC_SHIFT hook runs, DescribeServiceDeployments reports PRODUCTION_TRAFFIC_SHIFT (a hook stage is no ServiceDeploymentLifecycleStage)', () => {
    const h = ecsHarness()
    h.hooks.set(CHECK_FN, { outcome: 'in-progress' })
    const r = rollout(h, {
      strategy: 'CANARY',
      bakeTimeInMinutes: 1,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
      lifecycleHooks: [lambdaHook(['PRE_PRODUCTION_TRAFFIC_SHIFT'])],
    })
    h.advanceUntil(() => sdOf(h, r.sdArn).lifecycleHookDetails.length === 1, 120)
    expect(stages(h, r.sdArn).at(-1)).toBe('PRE_PRODUCTION_TRAFFIC_SHIFT')
    expect(sdOf(h, r.sdArn)).toMatchObject({
      lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
      lifecycleHookDetails: [{ status: 'IN_PROGRESS' }],
      targetServiceRevision: { requestedProductionTrafficWeight: 0 },
    })
  })

  it('LINEAR adds stepPercent every stepBakeTimeInMinutes until 100%, with no step bake after the last', () => {
    const h = ecsHarness()
    const r = rollout(h, { strategy: 'LINEAR', linearConfiguration: { stepPercent: 30, stepBakeTimeInMinutes: 2 } }, false)
    h.advanceUntil(() => sdOf(h, r.sdArn).status === 'SUCCESSFUL', 900)
    expect(traffic(h, r.sdArn)).toEqual(['0', '30', '60', '90', '100'])
    const shifts = h.transitions.filter((t) => t.kind === 'lifecycle-stage' && t.id === r.sdArn && t.state === 'PRODUCTION_TRAFFIC_SHIFT').map((t) => t.simMs)
    expect(shifts.slice(1).map((t, i) => t - shifts[i]!)).toEqual([120_000, 120_000, 120_000])
    // No bakeTimeInMinutes: BAKE_TIME passes at once after the last shift.
    expect(enteredAt(h, r.sdArn, 'CLEAN_UP') - shifts.at(-1)!).toBe(0)
    // Without a test listener rule, test traffic stays on blue.
    expect(sdOf(h, r.sdArn).targetServiceRevision).toMatchObject({ requestedProductionTrafficWeight: 100, requestedTestTrafficWeight: 0 })
    expect(sdOf(h, r.sdArn).deploymentConfiguration).toMatchObject({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 30, stepBakeTimeInMinutes: 2 } })
  })

  it('a deployment alarm in ALARM during the canary rolls back to blue', () => {
    const h = ecsHarness()
    const r = rollout(h, { strategy: 'CANARY', bakeTimeInMinutes: 5, canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 } })
    h.advanceUntil(() => sdOf(h, r.sdArn).targetServiceRevision.requestedProductionTrafficWeight === 10, 120)
    h.advance(30)
    h.alarms.setState('web-5xx', 'ALARM')
    h.advance(1)
    const reason = 'ECS deployment alarm: web-5xx is in ALARM state.'
    expect(sdOf(h, r.sdArn)).toMatchObject({
      lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
      alarms: { status: 'TRIGGERED', alarmNames: ['web-5xx'], triggeredAlarmNames: ['web-5xx'] },
    })
    expect(service(h).deployments[0].rolloutStateReason).toBe(`ECS deployment alarm: rolling back to deploymentId ${r.blueId}.`)
    expect(messages(h)).toContain(`(service web) (deployment ${r.greenId}) deployment failed: alarm web-5xx in ALARM state.`)
    expect(traffic(h, r.sdArn)).toEqual(['0', '10', '0'])
    expectRolledBack(h, r, reason)
  })

  it('a deployment alarm in ALARM during BAKE_TIME rolls back too', () => {
    const h = ecsHarness()
    const r = rollout(h, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 })
    h.advanceUntil(() => sdOf(h, r.sdArn).lifecycleStage === 'BAKE_TIME', 120)
    h.advance(300)
    expect(sdOf(h, r.sdArn)).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME' })
    h.alarms.setState('web-5xx', 'ALARM')
    h.advance(1)
    expectRolledBack(h, r, 'ECS deployment alarm: web-5xx is in ALARM state.')
    expect(traffic(h, r.sdArn)).toEqual(['0', '100', '0'])
  })

  it('a failing Lambda hook rolls back, naming the hook and its message', () => {
    const h = ecsHarness()
    h.hooks.set('smoke-check', { outcome: 'fail', afterSeconds: 4, message: 'GET /health returned 503' })
    const r = rollout(h, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1, lifecycleHooks: [lambdaHook(['POST_TEST_TRAFFIC_SHIFT'])] })
    h.advanceUntil(() => sdOf(h, r.sdArn).lifecycleStage === 'POST_TEST_TRAFFIC_SHIFT', 120)
    const hook = sdOf(h, r.sdArn).lifecycleHookDetails[0]
    expect(hook).toMatchObject({ status: 'IN_PROGRESS', targetArn: CHECK_FN })
    h.advanceUntil(() => sdOf(h, r.sdArn).status !== 'IN_PROGRESS', 10)
    const reason = `Lifecycle hook ${hook.hookId} (${CHECK_FN}) failed: GET /health returned 503`
    expect(sdOf(h, r.sdArn).lifecycleHookDetails[0]).toMatchObject({ hookId: hook.hookId, status: 'FAILED' })
    expect(messages(h)).toContain(`(service web) (deployment ${r.greenId}) deployment failed: lifecycle hook ${hook.hookId} failed at POST_TEST_TRAFFIC_SHIFT.`)
    expect(h.transitions.filter((t) => t.kind === 'hook').map((t) => t.state)).toEqual(['IN_PROGRESS', 'FAILED'])
    // Production traffic never moved.
    expect(traffic(h, r.sdArn)).toEqual(['0', '0'])
    expectRolledBack(h, r, reason)
  })

  it('a PAUSE hook awaits action until ContinueServiceDeployment CONTINUE', () => {
    const h = ecsHarness()
    const r = rollout(h, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1, lifecycleHooks: [pauseHook(['POST_SCALE_UP'])] })
    h.advanceUntil(() => sdOf(h, r.sdArn).lifecycleStage === 'POST_SCALE_UP', 120)
    h.advance(600)
    const sd = sdOf(h, r.sdArn)
    expect(sd).toMatchObject({
      status: 'IN_PROGRESS',
      lifecycleStage: 'POST_SCALE_UP',
      lifecycleHookDetails: [{ targetType: 'PAUSE', status: 'AWAITING_ACTION', timeoutAction: 'ROLLBACK' }],
    })
    const hook = sd.lifecycleHookDetails[0]
    expect(hook.hookId).toMatch(/^ecs-pause-[A-Za-z0-9_]{41}$/)
    expect(hook.targetArn).toBeUndefined()
    expect(hook.expiresAt * 1000 - enteredAt(h, r.sdArn, 'POST_SCALE_UP')).toBe(1440 * 60_000)

    expect(h.callError('ContinueServiceDeployment', { serviceDeploymentArn: r.sdArn, hookId: 'ecs-pause-nope' })).toMatchObject({ code: 'InvalidParameterException' })
    expect(h.call('ContinueServiceDeployment', { serviceDeploymentArn: r.sdArn, hookId: hook.hookId, action: 'CONTINUE' })).toEqual({ serviceDeploymentArn: r.sdArn })
    expect(h.ecs.mutatingOperations.has('ContinueServiceDeployment')).toBe(true)
    h.advance(1)
    expect(sdOf(h, r.sdArn).lifecycleStage).not.toBe('POST_SCALE_UP')
    expect(h.callError('ContinueServiceDeployment', { serviceDeploymentArn: r.sdArn, hookId: hook.hookId }).message).toMatch(/not waiting for an action \(hook status SUCCEEDED/)
    h.advanceUntil(() => sdOf(h, r.sdArn).status === 'SUCCESSFUL', 200)
    expect(h.transitions.filter((t) => t.kind === 'hook').map((t) => t.state)).toEqual(['AWAITING_ACTION', 'SUCCEEDED'])
  })

  it('a PAUSE hook rolled back with ContinueServiceDeployment ROLLBACK returns to blue', () => {
    const h = ecsHarness()
    const r = rollout(h, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1, lifecycleHooks: [pauseHook(['POST_TEST_TRAFFIC_SHIFT'])] })
    h.advanceUntil(() => sdOf(h, r.sdArn).lifecycleHookDetails.length > 0, 120)
    const hookId = sdOf(h, r.sdArn).lifecycleHookDetails[0].hookId
    h.call('ContinueServiceDeployment', { serviceDeploymentArn: r.sdArn, hookId, action: 'ROLLBACK' })
    expect(sdOf(h, r.sdArn).lifecycleHookDetails[0].status).toBe('FAILED')
    expectRolledBack(h, r, `Lifecycle hook ${hookId} (PAUSE): rollback requested by ContinueServiceDeployment.`)
  })

  it('hook timeouts: TIMED_OUT, then CONTINUE goes on and ROLLBACK rolls back', () => {
    const h = ecsHarness()
    h.hooks.set('smoke-check', { outcome: 'in-progress' })
    const r = rollout(h, {
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 0,
      lifecycleHooks: [
        pauseHook(['PRE_SCALE_UP'], { timeoutConfiguration: { timeoutInMinutes: 2, action: 'CONTINUE' } }),
        lambdaHook(['POST_SCALE_UP'], { timeoutConfiguration: { timeoutInMinutes: 3 } }),
      ],
    })
    h.advanceUntil(() => sdOf(h, r.sdArn).lifecycleStage === 'SCALE_UP', 200)
    expect(enteredAt(h, r.sdArn, 'SCALE_UP') - enteredAt(h, r.sdArn, 'PRE_SCALE_UP')).toBe(120_000)
    h.advanceUntil(() => sdOf(h, r.sdArn).status !== 'IN_PROGRESS', 300)
    const [pause, lambda] = sdOf(h, r.sdArn).lifecycleHookDetails
    expect(pause).toMatchObject({ status: 'TIMED_OUT', timeoutAction: 'CONTINUE' })
    expect(lambda).toMatchObject({ status: 'TIMED_OUT', timeoutAction: 'ROLLBACK' })
    expectRolledBack(h, r, `Lifecycle hook ${lambda.hookId} (${CHECK_FN}) timed out at POST_SCALE_UP after 3 minutes.`)
  })

  it('StopServiceDeployment ROLLBACK in the middle of a linear shift rolls back', () => {
    const h = ecsHarness()
    const r = rollout(h, { strategy: 'LINEAR', linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 1 } })
    h.advanceUntil(() => sdOf(h, r.sdArn).targetServiceRevision.requestedProductionTrafficWeight === 40, 300)
    expect(h.call('StopServiceDeployment', { serviceDeploymentArn: r.sdArn, stopType: 'ROLLBACK' })).toEqual({ serviceDeploymentArn: r.sdArn })
    expect(messages(h)).toContain(`(service web) (deployment ${r.greenId}) deployment failed: stopped by a StopServiceDeployment request.`)
    expect(traffic(h, r.sdArn)).toEqual(['0', '20', '40', '0'])
    expectRolledBack(h, r, 'Service deployment rolled back because of a stop request.')
    expect(h.callError('StopServiceDeployment', { serviceDeploymentArn: r.sdArn }).code).toBe('ConflictException')
  })

  it('a service first deployed with a native strategy scales up without stages; ListServiceDeployments lists the rollouts', () => {
    const h = ecsHarness()
    const r = rollout(h, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 })
    const first = h.call('ListServiceDeployments', { cluster: 'prod', service: 'web' }).serviceDeployments
    expect(first.map((x: { status: string }) => x.status)).toEqual(['PENDING', 'SUCCESSFUL'])
    expect(sdOf(h, first[1].serviceDeploymentArn).lifecycleStage).toBeUndefined()
    h.advanceUntil(() => sdOf(h, r.sdArn).status === 'SUCCESSFUL', 200)
    expect(h.call('ListServiceDeployments', { cluster: 'prod', service: 'web', status: ['SUCCESSFUL'] }).serviceDeployments[0]).toMatchObject({
      serviceDeploymentArn: r.sdArn,
      status: 'SUCCESSFUL',
    })
  })

  it('validates the strategy configuration as ECS does', () => {
    const h = ecsHarness()
    steadyService(h, 1)
    const update = (deploymentConfiguration: JsonObject, extra: JsonObject = {}) =>
      h.callError('UpdateService', { cluster: 'prod', service: 'web', deploymentConfiguration, ...extra })
    const lbs = { loadBalancers: loadBalancers() }

    let e = update({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 })
    expect(e.code).toBe('InvalidParameterException')
    expect(e.message).toBe(
      'The BLUE_GREEN deployment strategy requires a load balancer with advancedConfiguration (alternateTargetGroupArn, productionListenerRule and roleArn): loadBalancers is empty.',
    )
    e = update({ strategy: 'CANARY' }, { loadBalancers: [{ targetGroupArn: TG_BLUE, containerName: 'app', containerPort: 8080 }] })
    expect(e.message).toMatch(/: loadBalancers\[0\]\.advancedConfiguration is missing\.$/)
    e = update({ strategy: 'LINEAR' }, { loadBalancers: [{ targetGroupArn: TG_BLUE, advancedConfiguration: { productionListenerRule: PROD_RULE } }] })
    expect(e.message).toMatch(/advancedConfiguration is missing alternateTargetGroupArn, roleArn\.$/)

    expect(update({ strategy: 'BLUE_GREEN' }, lbs).message).toBe('bakeTimeInMinutes must be specified when the deployment strategy is BLUE_GREEN.')
    expect(update({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1441 }, lbs).message).toBe('bakeTimeInMinutes must be between 0 and 1440, got 1441.')
    expect(update({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 2.5 } }, lbs).message).toBe('stepPercent must be between 3.0 and 100.0, got 2.5.')
    expect(update({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 12.25 } }, lbs).message).toBe('stepPercent must be a multiple of 0.1, got 12.25.')
    expect(update({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 0 } }, lbs).message).toBe('canaryPercent must be between 0.1 and 100.0, got 0.')
    expect(update({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1, canaryConfiguration: { canaryPercent: 5 } }, lbs).message).toBe(
      'canaryConfiguration is only valid when the deployment strategy is CANARY.',
    )
    expect(update({ strategy: 'CANARY', lifecycleHooks: [pauseHook(['PRODUCTION_TRAFFIC_SHIFT'])] }, lbs).message).toBe(
      'lifecycleHooks[0]: PAUSE lifecycle hooks cannot be configured at PRODUCTION_TRAFFIC_SHIFT; only AWS_LAMBDA hooks can.',
    )
    expect(update({ strategy: 'CANARY', lifecycleHooks: [{ roleArn: HOOK_ROLE, lifecycleStages: ['POST_SCALE_UP'] }] }, lbs).message).toBe(
      'lifecycleHooks[0].hookTargetArn must be specified for an AWS_LAMBDA lifecycle hook.',
    )
    // SCALE_UP is a stage of the deployment, not one a hook can attach to (DeploymentLifecycleHookStage in the model).
    expect(update({ strategy: 'CANARY', lifecycleHooks: [lambdaHook(['SCALE_UP'])] }, lbs).message).toMatch(
      /at 'deploymentConfiguration\.lifecycleHooks\.1\.member\.lifecycleStages' failed to satisfy constraint: Member must satisfy constraint: \[Member must satisfy enum value set: \[RECONCILE_SERVICE, PRE_SCALE_UP, POST_SCALE_UP,/,
    )
    expect(update({ lifecycleHooks: [lambdaHook(['POST_SCALE_UP'])] }).message).toBe(
      'lifecycleHooks are only supported with the BLUE_GREEN, LINEAR and CANARY deployment strategies.',
    )
    expect(update({ strategy: 'CANARY', lifecycleHooks: [pauseHook(['POST_SCALE_UP'], { timeoutConfiguration: { timeoutInMinutes: 0 } })] }, lbs).message).toMatch(
      /at 'deploymentConfiguration\.lifecycleHooks\.1\.member\.timeoutConfiguration\.timeoutInMinutes' failed to satisfy constraint: Member must have value greater than or equal to 1$/,
    )

    // Defaults are filled in and echoed.
    const ok = h.call('UpdateService', { cluster: 'prod', service: 'web', deploymentConfiguration: { strategy: 'CANARY' }, ...lbs }).service
    expect(ok.deploymentConfiguration).toMatchObject({ strategy: 'CANARY', canaryConfiguration: { canaryPercent: 5, canaryBakeTimeInMinutes: 10 } })
    const lin = h.call('UpdateService', { cluster: 'prod', service: 'web', deploymentConfiguration: { strategy: 'LINEAR', linearConfiguration: {} } }).service
    expect(lin.deploymentConfiguration).toMatchObject({ strategy: 'LINEAR', linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 6 } })
  })
})
