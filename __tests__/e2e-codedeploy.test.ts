// End to end: the bundled action (dist/index.js) deploys the CODE_DEPLOY service `web-cd` of the progressive world
// through the sandbox's CodeDeploy: canary and linear traffic shifts, alarms during the shift and the bake, a failing
// hook, and a misconfigured service stopped by preflight.
import { afterEach, describe, expect, test } from '@jest/globals'
import { runAction, type ActionRun, errorAnnotations } from '../scripts/action-runner.js'
import { progressiveWithBake, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const IMAGE = `${ECR}/web:v1.1`

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

/** The progressive world; `terminationWaitMinutes` sets how long the group keeps the old task set (0 there). */
async function start(timeScale: number, terminationWaitMinutes?: number): Promise<Sandbox> {
  const spec = terminationWaitMinutes === undefined ? world('progressive.yaml') : progressiveWithBake(terminationWaitMinutes)
  sandbox = await startSandbox({ world: spec, timeScale })
  return sandbox
}

/** Runs the action; the call log starts empty, so it holds only the action's calls. */
function deploy(s: Sandbox, inputs: Record<string, string>, onLine?: (line: string) => void): Promise<ActionRun> {
  s.control.reset()
  return runAction({ inputs: { cluster: 'demo', service: 'web-cd', image: IMAGE, timeout: '10m', ...inputs }, endpoint: s.url, onLine })
}

const shifts = (run: ActionRun) => [...run.stdout.matchAll(/production traffic: (\d+)% → (\d+)% on the new revision/g)].map((m) => `${m[1]}→${m[2]}`)

describe('CodeDeploy through the bundled action', () => {
  test('canary: a custom configuration is created, the shift is logged, and the release succeeds', async () => {
    const s = await start(30)
    const run = await deploy(s, { strategy: 'canary 20% 2m' })
    expect(run.stderr).toBe('')
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    expect(run.outputs['deployment-id']).toMatch(/^d-[A-Z0-9]{9}$/)
    expect(shifts(run)).toEqual(['0→20', '20→100'])
    expect(run.stdout).toContain('configuration EcsSafeDeploy.Canary20Percent2Minutes (created)')
    const created = s.control.calls({ operation: 'CreateDeploymentConfig' })
    expect(created).toHaveLength(1)
    expect(created[0].params).toMatchObject({
      computePlatform: 'ECS',
      trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 2 } },
    })
    const [create] = s.control.calls({ operation: 'CreateDeployment' })
    expect(create.params).toMatchObject({
      applicationName: 'AppECS-demo-web-cd',
      deploymentGroupName: 'DgpECS-demo-web-cd',
      deploymentConfigName: 'EcsSafeDeploy.Canary20Percent2Minutes',
    })
    const appSpec = JSON.parse((create.params as { revision: { appSpecContent: { content: string } } }).revision.appSpecContent.content)
    expect(appSpec.Resources[0].TargetService.Properties).toMatchObject({
      TaskDefinition: run.outputs['task-definition-arn'],
      LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 },
      NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-0123456789abcdef0'], SecurityGroups: ['sg-0123456789abcdef0'], AssignPublicIp: 'DISABLED' } },
    })
    expect(run.summary).toContain('succeeded')

    // A second run reuses the configuration.
    const again = await deploy(s, { strategy: 'canary 20% 2m' })
    expect(again.outputs.outcome).toBe('succeeded')
    expect(s.control.calls({ operation: 'CreateDeploymentConfig' })).toHaveLength(0)
    expect(again.stdout).not.toContain('(created)')
  })

  test('linear: every step of the shift is logged', async () => {
    const s = await start(10)
    const run = await deploy(s, { strategy: 'linear 25% every 1m' })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(shifts(run)).toEqual(['0→25', '25→50', '50→75', '75→100'])
    // The watch stays within the call budget (≤ 30 calls a minute, a burst of 5 aside).
    const calls = s.control.calls({ service: 'codedeploy' })
    const wallMinutes = (calls.at(-1)!.wallMs - calls[0].wallMs) / 60_000
    expect(calls.length).toBeLessThanOrEqual(5 + 30 * wallMinutes + 6)
  })

  test('an alarm during the canary: CodeDeploy stops and rolls back; outcome rolled-back naming the alarm', async () => {
    const s = await start(30)
    let fired = false
    const run = await deploy(s, { strategy: 'canary 10% 5m', alarms: 'web-cd-5xx' }, (line) => {
      if (!fired && /production traffic: 0% → 10%/.test(line)) {
        fired = true
        s.control.setAlarmState('web-cd-5xx', 'ALARM', { reason: 'Threshold Crossed: 9 5XX responses' })
      }
    })
    expect(fired).toBe(true)
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toContain('web-cd-5xx')
    expect(errorAnnotations(run)).toMatch(/CodeDeploy rolled back to web-cd:1 \(deployment d-[A-Z0-9]{9}\)/)
    expect(s.control.calls({ operation: 'CreateDeployment' })[0].params).toMatchObject({
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      overrideAlarmConfiguration: { enabled: true, alarms: [{ name: 'web-cd-5xx' }] },
    })
    expect(run.stdout).toMatch(/production traffic: 10% → 0%/)
  })

  test('an alarm during the bake: the action stops the deployment with auto-rollback; outcome rolled-back', async () => {
    const s = await start(30, 10)
    let fired = false
    const run = await deploy(s, { 'deployment-config': 'CodeDeployDefault.ECSAllAtOnce', alarms: 'web-cd-5xx', 'bake-time': '5m' }, (line) => {
      if (!fired && /── bake/.test(line)) {
        fired = true
        s.control.setAlarmState('web-cd-5xx', 'ALARM', { reason: 'Threshold Crossed: 12 5XX responses' })
      }
    })
    expect(fired).toBe(true)
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toMatch(/Alarm web-cd-5xx went to ALARM during the bake/)
    expect(run.stdout).toMatch(/rollback by the action/)
    expect(run.stdout).toMatch(/production traffic: 100% → 0%/)
  })

  test('a failing hook: CodeDeploy rolls back; outcome rolled-back naming the hook and its Lambda', async () => {
    const s = await start(30)
    s.control.setHook('web-cd-smoke-test', { outcome: 'fail', afterSeconds: 90, message: 'smoke test: GET /health returned 500' })
    const run = await deploy(s, { strategy: 'blue-green', 'codedeploy-hooks': 'AfterAllowTestTraffic=web-cd-smoke-test' })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    const text = errorAnnotations(run)
    expect(text).toContain('failed (HOOK_EXECUTION_FAILURE): hook AfterAllowTestTraffic (Lambda web-cd-smoke-test) failed: smoke test: GET /health returned 500.')
    expect(run.stdout).toContain('waiting for AfterAllowTestTraffic: Lambda web-cd-smoke-test')
    expect(run.summary).toContain('AfterAllowTestTraffic')
  })
})

describe('a misconfigured CodeDeploy service changes nothing', () => {
  test('a crashing release: the cause names the stopped tasks, their exit code and their last log line', async () => {
    const s = await start(60)
    const run = await deploy(s, { image: `${ECR}/web:v2-crash`, strategy: 'blue-green' })
    expect(run.outputs.outcome).toBe('rolled-back')
    const text = errorAnnotations(run)
    expect(text).toMatch(/Essential container in task exited \(exit code 1 in web\)/)
    expect(text).toContain('Log: Error: DATABASE_URL is not set')
    expect(run.summary).toContain('DATABASE_URL is not set')
    // Tasks stopped before their container ran have no log stream: that is no reason for a warning.
    expect(run.stdout).not.toContain('could not read the logs')
  })

  test('missing application, unknown configuration and a bake longer than the termination wait: all named, zero mutating calls', async () => {
    const s = await start(60)
    const run = await deploy(s, { 'codedeploy-application': 'AppECS-nope', 'deployment-config': 'CodeDeployDefault.ECSCanary99Percent', 'bake-time': '5m' })
    expect(run.code).toBe(1)
    expect(run.outputs.outcome).toBe('failed')
    const text = errorAnnotations(run)
    expect(text).toContain('CodeDeploy application `AppECS-nope` does not exist')
    expect(text).toContain('DgpECS-demo-web-cd')
    expect(text).toContain('AppECS-<cluster>-<service>')
    expect(text).toContain('`CodeDeployDefault.ECSCanary99Percent` does not exist')
    expect(s.control.calls().length).toBeGreaterThan(0)
    expect(s.control.calls({ mutating: true })).toEqual([])

    const bake = await deploy(s, { 'bake-time': '5m' })
    expect(bake.code).toBe(1)
    expect(errorAnnotations(bake)).toMatch(/terminationWaitTimeInMinutes 0\), but bake-time is 5m/)
    expect(s.control.calls({ mutating: true })).toEqual([])
  })
})
