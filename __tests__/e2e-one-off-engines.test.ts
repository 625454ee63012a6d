// End to end: one-off tasks beyond a single rolling service. A failing smoke test (`post-deploy-command`) rolls back
// an ECS-native and a CodeDeploy deployment through their own rollback calls; a release of several services runs its
// migration (`pre-deploy-command`) once, in the first service's network, before any service moves; and
// `force-new-deployment` with no new revision runs a one-off task only when one is given.
import { afterEach, expect, test } from '@jest/globals'
import { errorAnnotations, runAction, type ActionRun } from '../scripts/action-runner.js'
import { progressiveWithBake, releaseWorld, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'
import { ECR, liveServices, RELEASE_IMAGE, RELEASE_NAMES, tdRevision } from './helpers/release.js'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

const start = async (spec: WorldSpec, timeScale = 30) => (sandbox = await startSandbox({ world: spec, timeScale }))
const deploy = (s: Sandbox, inputs: Record<string, string>) => runAction({ endpoint: s.url, inputs: { cluster: 'demo', image: `${ECR}/web:v1.1`, timeout: '10m', ...inputs } })
const ecsOps = (s: Sandbox) => s.control.calls({ service: 'ecs' }).map((c) => c.operation)
const SMOKE_FAILS = { kind: 'exit' as const, exitCode: 3, logLines: ['GET /health returned 500'] }

/** The run rolled back because the smoke test (SMOKE_FAILS) failed, and says so with its exit code and log line. */
function expectSmokeTestRolledBack(run: ActionRun): void {
  expect(run.outputs.outcome).toBe('rolled-back')
  expect(run.code).toBe(1)
  expect(run.outputs['post-deploy-exit-code']).toBe('3')
  const annotation = errorAnnotations(run)
  expect(annotation).toContain('The post-deploy command `./smoke` exited 3')
  expect(annotation).toContain('GET /health returned 500')
}

test('ECS-native blue/green: a failing smoke test stops the deployment with ROLLBACK; the old revision serves', async () => {
  const s = await start(world('progressive.yaml'))
  await s.control.setBehavior('web:v1.1 -- ./smoke', SMOKE_FAILS)
  const run = await deploy(s, { service: 'web-native', strategy: 'blue-green', 'post-deploy-command': '["./smoke"]' })
  expectSmokeTestRolledBack(run)
  const calls = ecsOps(s)
  expect(calls.indexOf('RunTask')).toBeGreaterThan(calls.indexOf('UpdateService'))
  expect(calls.indexOf('StopServiceDeployment')).toBeGreaterThan(calls.indexOf('RunTask'))
  const [stop] = s.control.calls({ operation: 'StopServiceDeployment' })
  expect(stop.params).toMatchObject({ stopType: 'ROLLBACK' })
  const live = await liveServices(s.url, ['web-native'])
  expect(live['web-native'].taskDefinition).toMatch(tdRevision('web-native', 1))
}, 180_000)

test('ECS-native with no bake: a passing smoke test runs during a one-minute ECS bake, then the deployment completes', async () => {
  const spec = world('progressive.yaml')
  const native = spec.services!.find((svc) => svc.serviceName === 'web-native') as { deploymentConfiguration: Record<string, unknown> }
  native.deploymentConfiguration.bakeTimeInMinutes = 0
  const s = await start(spec)
  const run = await deploy(s, { service: 'web-native', strategy: 'blue-green', 'post-deploy-command': '["./smoke"]' })
  expect(run.outputs.outcome).toBe('succeeded')
  expect(run.outputs['post-deploy-exit-code']).toBe('0')
  const [update] = s.control.calls({ operation: 'UpdateService' })
  expect(update.params).toMatchObject({ deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 } })
  expect(s.control.calls({ operation: 'StopServiceDeployment' })).toHaveLength(0)
  const live = await liveServices(s.url, ['web-native'])
  expect(live['web-native'].taskDefinition).toMatch(tdRevision('web-native', 2))
}, 180_000)

test('CodeDeploy: a failing smoke test stops the deployment with auto-rollback; the old revision serves', async () => {
  const s = await start(progressiveWithBake(60))
  await s.control.setBehavior('web:v1.1 -- ./smoke', SMOKE_FAILS)
  const run = await deploy(s, { service: 'web-cd', strategy: 'blue-green', 'post-deploy-command': '["./smoke"]' })
  expectSmokeTestRolledBack(run)
  const ops = s.control.calls().map((c) => c.operation)
  expect(ops.indexOf('RunTask')).toBeGreaterThan(ops.indexOf('CreateDeployment'))
  expect(ops.indexOf('StopDeployment')).toBeGreaterThan(ops.indexOf('RunTask'))
  const [stop] = s.control.calls({ operation: 'StopDeployment' })
  expect(stop.params).toMatchObject({ deploymentId: run.outputs['deployment-id'], autoRollbackEnabled: true })
  const live = await liveServices(s.url, ['web-cd'])
  expect(live['web-cd'].taskSets?.find((t) => t.status === 'PRIMARY')?.taskDefinition).toMatch(tdRevision('web-cd', 1))
}, 180_000)

/** The release world with the first service `web` in a subnet of its own, so the migration's network tells whose it is. */
function releaseWithOwnSubnet(): WorldSpec {
  const spec = releaseWorld(3)
  const web = spec.services![0] as { networkConfiguration: unknown }
  web.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-0aaaaaaaaaaaaaaa1'], securityGroups: ['sg-0aaaaaaaaaaaaaaa1'] } }
  return spec
}

const release = (s: Sandbox, inputs: Record<string, string>) => deploy(s, { service: RELEASE_NAMES.join(', '), image: RELEASE_IMAGE, ...inputs })

test('a release runs its migration once, in the first service network, before any service moves', async () => {
  const s = await start(releaseWithOwnSubnet())
  const run = await release(s, { 'pre-deploy-command': '["./migrate"]' })
  expect(run.outputs.outcome).toBe('succeeded')
  const runTasks = s.control.calls({ operation: 'RunTask' })
  expect(runTasks).toHaveLength(1)
  expect(runTasks[0].params).toMatchObject({
    taskDefinition: expect.stringMatching(tdRevision('web', 2)),
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0aaaaaaaaaaaaaaa1'], securityGroups: ['sg-0aaaaaaaaaaaaaaa1'] } },
    overrides: { containerOverrides: [{ name: 'web', command: ['./migrate'] }] },
  })
  const calls = ecsOps(s)
  expect(calls.indexOf('UpdateService')).toBeGreaterThan(calls.indexOf('RunTask'))
  expect(s.control.calls({ operation: 'UpdateService' })).toHaveLength(3)
}, 180_000)

test('a release whose migration fails deploys nothing', async () => {
  const s = await start(releaseWithOwnSubnet())
  await s.control.setBehavior('app:v2 -- ./migrate', { kind: 'exit', exitCode: 1, logLines: ['Error: relation "users" already exists'] })
  const run = await release(s, { 'pre-deploy-command': '["./migrate"]' })
  expect(run.outputs.outcome).toBe('failed')
  expect(run.code).toBe(1)
  expect(errorAnnotations(run)).toContain('Nothing was deployed on any of the 3 services. web: Nothing was deployed: The pre-deploy command `./migrate` exited 1')
  expect(s.control.calls({ operation: 'RunTask' })).toHaveLength(1)
  expect(s.control.calls({ operation: 'UpdateService' })).toHaveLength(0)
  const live = await liveServices(s.url)
  for (const name of RELEASE_NAMES) expect(live[name].taskDefinition).toMatch(tdRevision(name, 1))
}, 180_000)

test('force-new-deployment with no new revision runs a one-off task only when one is given, with the running revision', async () => {
  const s = await start(world('demo.yaml'), 60)
  const plain = await deploy(s, { service: 'web', image: '', 'force-new-deployment': 'true' })
  expect(plain.outputs.outcome).toBe('succeeded')
  expect(s.control.calls({ operation: 'RunTask' })).toHaveLength(0)
  s.control.reset()
  const migrated = await deploy(s, { service: 'web', image: '', 'force-new-deployment': 'true', 'pre-deploy-command': '["./migrate"]' })
  expect(migrated.outputs.outcome).toBe('succeeded')
  expect(migrated.outputs['pre-deploy-exit-code']).toBe('0')
  const [runTask] = s.control.calls({ operation: 'RunTask' })
  expect(runTask.params).toMatchObject({ taskDefinition: expect.stringMatching(tdRevision('web', 1)) })
  expect(s.control.calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(0)
  const calls = ecsOps(s)
  expect(calls.indexOf('UpdateService')).toBeGreaterThan(calls.indexOf('RunTask'))
}, 180_000)
