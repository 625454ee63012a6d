// End to end: the bundled action (dist/index.js) deploys with ECS's own blue/green, canary and linear strategies
// against the sandbox. Each test starts a sandbox with its own world, defined here.
import { afterEach, describe, expect, test } from '@jest/globals'
import { ContinueServiceDeploymentCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { runAction, type ActionRun, errorAnnotations } from '../scripts/action-runner.js'
import { advanced, loadBalancer, LOAD_BALANCER_ROLE, nativeWorld } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import type { WorldSpec } from '../sandbox/world-file.js'
import { pushImage } from './sandbox-helpers.js'

const SMOKE_TEST = 'arn:aws:lambda:us-east-1:123456789012:function:smoke-test'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

const blueGreen = { deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 } }

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

/** Simulated seconds per wall second: slow enough that every traffic step of a minute is seen (≤ 30 calls/min). */
const SCALE = 10

async function start(spec: WorldSpec): Promise<Sandbox> {
  sandbox = await startSandbox({ world: spec, timeScale: SCALE })
  return sandbox
}

const push = (s: Sandbox, tag: string) => pushImage(s.url, tag)

function deploy(s: Sandbox, inputs: Record<string, string>, onLine?: (line: string) => void): Promise<ActionRun> {
  s.control.reset()
  return runAction({ inputs: { cluster: 'demo', service: 'web', timeout: '2m', ...inputs }, endpoint: s.url, onLine })
}

const ecs = (s: Sandbox) => new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })
const mutating = (s: Sandbox) => s.control.calls({ mutating: true }).map((c) => c.operation)

async function serviceNow(s: Sandbox) {
  const { services } = await ecs(s).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))
  return services![0]
}

/** The production weights the log reported, in order. */
const productionSteps = (run: ActionRun) => [...run.stdout.matchAll(/production traffic: ([\d.]+)% → ([\d.]+)% on the new revision/g)].map((m) => `${m[1]}→${m[2]}`)

describe('ECS-native deployments through the bundled action', () => {
  test('blue/green (the service strategy, followed by auto) succeeds: every stage and both traffic shifts are logged', async () => {
    const s = await start(nativeWorld(blueGreen))
    const run = await deploy(s, { image: await push(s, 'v2'), alarms: 'web-5xx', 'bake-time': '30s' })
    expect(run.stderr).toBe('')
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain("ECS BLUE_GREEN (the service's configuration)")
    expect(run.stdout).toContain('ECS bake time 1 min (bake-time 30 s rounded up to whole minutes)')
    expect(run.stdout).toMatch(/── watch: lifecycle stage SCALE_UP/)
    expect(run.stdout).toMatch(/── bake: lifecycle stage BAKE_TIME/)
    expect(run.stdout).toMatch(/── watch: lifecycle stage CLEAN_UP/)
    expect(run.stdout).toContain('test traffic: 0% → 100% on the new revision')
    expect(productionSteps(run)).toEqual(['0→100'])
    expect(run.stdout).toMatch(/outcome: succeeded — Deployment ecs-svc\/\d+ completed: 3\/3 tasks of web:2 running and baked 60 s with no alarm\./)
    const update = s.control.calls({ operation: 'UpdateService' })
    expect(update).toHaveLength(1)
    expect(update[0].params).toMatchObject({
      deploymentConfiguration: {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 1,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
      },
    })
    const service = await serviceNow(s)
    expect(service.taskDefinition).toMatch(/:task-definition\/web:2$/)
    // One DescribeServiceDeployments per look keeps the watch well under 30 calls a minute.
    const watched = s.control.calls({ operation: 'DescribeServiceDeployments' })
    const minutes = (watched.at(-1)!.wallMs - watched[0].wallMs) / 60_000
    expect(s.control.calls({ service: 'ecs' }).length / Math.max(minutes, 0.5)).toBeLessThan(40)
  }, 120_000)

  test('blue/green with a crashing release: the circuit breaker rolls traffic back to blue → rolled-back', async () => {
    const s = await start(nativeWorld(blueGreen, { behaviors: { 'web:v3': { kind: 'crash', exitCode: 3, afterSeconds: 2, logLines: ['Error: DATABASE_URL is not set'] } } }))
    const run = await deploy(s, { image: await push(s, 'v3') })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toContain('ECS deployment circuit breaker')
    expect(run.stdout).toMatch(/rollback by ECS: ecs-svc\/\d+ → web:1: ECS deployment circuit breaker/)
    expect(run.summary).toContain('rolled-back')
    expect((await serviceNow(s)).taskDefinition).toMatch(/:task-definition\/web:1$/)
  }, 120_000)

  test('linear 34% every 1m succeeds and logs every traffic step', async () => {
    const s = await start(nativeWorld({}))
    const run = await deploy(s, { image: await push(s, 'v2'), strategy: 'linear 34% every 1m' })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.stdout).toContain('ECS linear 34% every 1m')
    expect(productionSteps(run)).toEqual(['0→34', '34→68', '68→100'])
    expect(s.control.calls({ operation: 'UpdateService' })[0].params).toMatchObject({
      deploymentConfiguration: { strategy: 'LINEAR', linearConfiguration: { stepPercent: 34, stepBakeTimeInMinutes: 1 }, bakeTimeInMinutes: 0 },
    })
    expect(run.summary).toContain('succeeded')
  }, 120_000)

  test('canary 20% 1m succeeds: the canary step, then the rest', async () => {
    const s = await start(nativeWorld({}))
    const run = await deploy(s, { image: await push(s, 'v2'), strategy: 'canary 20% 1m' })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(productionSteps(run)).toEqual(['0→20', '20→100'])
    expect(run.summary).toMatch(/Production traffic on the new revision<\/th>\s*<td>0% → 20% → 100%/)
    expect(run.summary).toMatch(/Strategy<\/th>\s*<td>ECS canary 20% then the rest after 1m/)
    expect(s.control.calls({ operation: 'UpdateService' })[0].params).toMatchObject({
      deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 1 } },
    })
  }, 120_000)

  test('an alarm during the canary step → ECS sends traffic back → rolled-back', async () => {
    const s = await start(nativeWorld({}))
    let fired = false
    const run = await deploy(s, { image: await push(s, 'v2'), strategy: 'canary 20% 5m', alarms: 'web-5xx' }, (line) => {
      if (fired || !/production traffic: 0% → 20%/.test(line)) return
      fired = true
      s.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed: 12 5XX responses' })
    })
    expect(fired).toBe(true)
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(errorAnnotations(run)).toContain('ECS deployment alarm: web-5xx is in ALARM state')
    expect(run.stdout).toContain('production traffic: 20% → 0% on the new revision')
    expect((await serviceNow(s)).taskDefinition).toMatch(/:task-definition\/web:1$/)
  }, 120_000)

  test('an alarm during the bake (ECS bakeTimeInMinutes) → rolled back at once → rolled-back, said to be in the bake', async () => {
    const s = await start(nativeWorld(blueGreen))
    let fired = false
    const run = await deploy(s, { image: await push(s, 'v2'), alarms: 'web-5xx', 'bake-time': '2m', timeout: '5m' }, (line) => {
      if (fired || !/── bake: lifecycle stage BAKE_TIME/.test(line)) return
      fired = true
      s.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed: 12 5XX responses' })
    })
    expect(fired).toBe(true)
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(errorAnnotations(run)).toMatch(/ECS deployment alarm: web-5xx is in ALARM state — during the bake time/)
    // ECS did the rollback: the action made no change of its own after UpdateService.
    expect(mutating(s)).toEqual(['RegisterTaskDefinition', 'UpdateService'])
    expect((await serviceNow(s)).taskDefinition).toMatch(/:task-definition\/web:1$/)
  }, 120_000)

  test('a failing lifecycle hook → rolled-back, naming the hook', async () => {
    const hooks = [{ hookTargetArn: SMOKE_TEST, roleArn: LOAD_BALANCER_ROLE, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }]
    const s = await start(
      nativeWorld(
        { deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: hooks } },
        { hooks: { 'smoke-test': { outcome: 'fail', afterSeconds: 5, message: 'GET /health returned 503' } } },
      ),
    )
    const run = await deploy(s, { image: await push(s, 'v2') })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(errorAnnotations(run)).toContain(SMOKE_TEST)
    expect(errorAnnotations(run)).toContain('GET /health returned 503')
    expect(run.stdout).toMatch(/waiting for lifecycle hook arn:aws:lambda:us-east-1:123456789012:function:smoke-test at POST_TEST_TRAFFIC_SHIFT/)
    expect(run.summary).toMatch(/Lifecycle hook<\/th>\s*<td>function:smoke-test \(ecs-lambda-\S+\): FAILED at POST_TEST_TRAFFIC_SHIFT/)
    expect((await serviceNow(s)).taskDefinition).toMatch(/:task-definition\/web:1$/)
  }, 120_000)

  test('a PAUSE hook is reported as waiting for approval with the commands; approving it lets the deployment finish', async () => {
    const hooks = [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }]
    const s = await start(nativeWorld({ deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: hooks } }))
    let approval: { arn: string; hookId: string } | undefined
    const run = await deploy(s, { image: await push(s, 'v2') }, (line) => {
      const m = /--service-deployment-arn (\S+) --hook-id (\S+) --action CONTINUE/.exec(line)
      if (!m || approval) return
      approval = { arn: m[1], hookId: m[2] }
      void ecs(s).send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: m[1], hookId: m[2], action: 'CONTINUE' }))
    })
    expect(approval).toBeDefined()
    expect(run.stdout).toMatch(/waiting for approval \(PAUSE hook ecs-pause-\S+ at POST_TEST_TRAFFIC_SHIFT\): continue with `aws ecs continue-service-deployment/)
    expect(run.stdout).toContain('--action ROLLBACK')
    expect(run.outputs.outcome).toBe('succeeded')
  }, 120_000)

  test('a PAUSE hook nobody approves: at the timeout the action rolls back with StopServiceDeployment(ROLLBACK) → timed-out', async () => {
    const hooks = [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }]
    const s = await start(nativeWorld({ deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: hooks } }))
    const run = await deploy(s, { image: await push(s, 'v2'), timeout: '15s' })
    expect(run.outputs.outcome).toBe('timed-out')
    expect(run.stdout).toMatch(/rollback by the action: .*PAUSE hook ecs-pause-\S+ was waiting for approval/)
    const stop = s.control.calls({ operation: 'StopServiceDeployment' })
    expect(stop).toHaveLength(1)
    expect(stop[0].params).toMatchObject({ stopType: 'ROLLBACK' })
    expect(errorAnnotations(run)).toMatch(
      /did not complete before the timeout \(IN_PROGRESS, running 3\/3, pending 0, failed tasks 0\) while PAUSE hook ecs-pause-\S+ at POST_TEST_TRAFFIC_SHIFT was waiting for approval; rolled back to web:1\./,
    )
    expect(run.summary).toMatch(/Lifecycle hook<\/th>\s*<td>PAUSE hook ecs-pause-\S+: waiting for approval at POST_TEST_TRAFFIC_SHIFT/)
    expect((await serviceNow(s)).taskDefinition).toMatch(/:task-definition\/web:1$/)
  }, 120_000)

  test('the answer to StopServiceDeployment(ROLLBACK) is lost after ECS applied it: the retry meets the rollback in progress, which is followed', async () => {
    const hooks = [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }]
    const s = await start(nativeWorld({ deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: hooks } }))
    const image = await push(s, 'v2')
    s.control.reset()
    s.control.fault({ operation: 'StopServiceDeployment', kind: 'lost-answer' })
    const run = await runAction({ inputs: { cluster: 'demo', service: 'web', timeout: '15s', image }, endpoint: s.url })
    expect(run.outputs.outcome).toBe('timed-out')
    // The first call applied and its answer was lost; the SDK's retry got ECS's ConflictException.
    expect(s.control.calls({ operation: 'StopServiceDeployment' }).map((c) => c.errorCode ?? 'ok')).toEqual(['AnswerLost', 'ConflictException'])
    expect(run.stdout).toMatch(/already rolling back .*following that rollback/)
    expect(errorAnnotations(run)).toMatch(/; rolled back to web:1\./)
    expect(errorAnnotations(run)).not.toMatch(/rolling back .* failed/)
    expect((await serviceNow(s)).taskDefinition).toMatch(/:task-definition\/web:1$/)
  }, 120_000)

  test('a service whose load balancer lacks advancedConfiguration: a clear preflight error and no change at all', async () => {
    const s = await start(nativeWorld({ loadBalancers: [{ ...loadBalancer, advancedConfiguration: { alternateTargetGroupArn: advanced.alternateTargetGroupArn } }] }))
    const run = await deploy(s, { image: await push(s, 'v2'), strategy: 'canary' })
    expect(run.outputs.outcome).toBe('failed')
    expect(run.code).toBe(1)
    const message = errorAnnotations(run)
    expect(message).toContain('the load balancer of target group `targetgroup/web-blue/0123456789abcdef` has advancedConfiguration without productionListenerRule, roleArn')
    expect(mutating(s)).toEqual([])
  }, 60_000)

  test('a service without a load balancer: a clear preflight error and no change at all', async () => {
    const s = await start(nativeWorld({ loadBalancers: [] }))
    const run = await deploy(s, { image: await push(s, 'v2'), strategy: 'blue-green' })
    expect(run.outputs.outcome).toBe('failed')
    expect(errorAnnotations(run)).toContain('Service `web` has no load balancer')
    expect(mutating(s)).toEqual([])
  }, 60_000)
})
