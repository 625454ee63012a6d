// End to end: `approval: test-traffic` pauses an ECS-native deployment after test traffic moved (a PAUSE hook the
// action adds), and a later run approves or rejects it — the bundled action against the sandbox's ECS and GitHub.
import { afterEach, describe, expect, test } from '@jest/globals'
import { DescribeServiceDeploymentsCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { runAction, errorAnnotations, type ActionRun } from '../scripts/action-runner.js'
import { LOAD_BALANCER_ROLE, nativeWorld } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import type { WorldSpec } from '../sandbox/world-file.js'
import { pushImage } from './sandbox-helpers.js'

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const SMOKE_TEST = 'arn:aws:lambda:us-east-1:123456789012:function:smoke-test'
const TEST_URL = 'https://test.example.com:8443'
/** Simulated seconds per wall second: a one-minute approval timeout lapses in 6 s. */
const SCALE = 10

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

/** The native world with a canary service that has a Lambda hook of its own, and a second service `api`. */
function world(): WorldSpec {
  const hooks = [{ hookTargetArn: SMOKE_TEST, roleArn: LOAD_BALANCER_ROLE, lifecycleStages: ['POST_SCALE_UP'] }]
  const spec = nativeWorld(
    { deploymentConfiguration: { strategy: 'CANARY', bakeTimeInMinutes: 0, lifecycleHooks: hooks } },
    { hooks: { 'smoke-test': { outcome: 'succeed', afterSeconds: 1 } } },
  )
  const web = spec.services![0] as Record<string, unknown>
  return { ...spec, services: [web, { ...web, serviceName: 'api' }] }
}

async function start(spec: WorldSpec = world()): Promise<Sandbox> {
  sandbox = await startSandbox({ world: spec, timeScale: SCALE })
  return sandbox
}

/** A run of the action as the job would make it, with the sandbox's GitHub; `run` numbers the workflow run. */
function act(s: Sandbox, inputs: Record<string, string>, run = '1'): Promise<ActionRun> {
  s.control.reset()
  return runAction({
    inputs: { cluster: 'demo', service: 'web', timeout: '2m', 'github-token': 'ghs_test', environment: 'production', ...inputs },
    endpoint: s.url,
    env: { GITHUB_API_URL: s.githubUrl, GITHUB_REPOSITORY: 'org/app', GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: run },
  })
}

const ecs = (s: Sandbox) => new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })
const mutating = (s: Sandbox) => s.control.calls({ mutating: true }).map((c) => c.operation)

async function serviceDeployment(s: Sandbox, arn: string) {
  return (await ecs(s).send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0]
}

async function taskDefinitionNow(s: Sandbox): Promise<string | undefined> {
  return (await ecs(s).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))).services![0].taskDefinition
}

type Status = { state: string; description: string; environment_url?: string }
const records = (s: Sandbox) => s.github.deployments() as ({ id: number; statuses: Status[] } & Record<string, unknown>)[]

/** Deploys v2 with `approval: test-traffic` and expects the pause. */
async function pause(s: Sandbox, extra: Record<string, string> = {}): Promise<ActionRun> {
  const run = await act(s, { image: await pushImage(s.url, 'v2'), strategy: 'canary 20% 1m', approval: 'test-traffic', 'test-url': TEST_URL, ...extra })
  expect(run.stderr).toBe('')
  expect(run.outputs.outcome).toBe('awaiting-approval')
  expect(run.code).toBe(0)
  return run
}

describe('approval: test-traffic on the ECS-native engine', () => {
  test('deploy pauses with test traffic and no production traffic; approve moves production traffic → succeeded, on the same GitHub record', async () => {
    const s = await start()
    const paused = await pause(s)
    const id = paused.outputs['deployment-id']
    expect(id).toMatch(/^arn:aws:ecs:us-east-1:\d{12}:service-deployment\/demo\/web\//)
    expect(paused.outputs['test-url']).toBe(TEST_URL)
    expect(paused.stdout).toContain(`approve with \`approve: ${id}\``)
    expect(paused.summary).toContain('awaiting-approval')
    // The action's hook is added and marked; the service's own hook stays.
    const update = s.control.calls({ operation: 'UpdateService' })[0].params as { deploymentConfiguration: { lifecycleHooks: unknown[] } }
    expect(update.deploymentConfiguration.lifecycleHooks).toEqual([
      expect.objectContaining({ hookTargetArn: SMOKE_TEST }),
      {
        targetType: 'PAUSE',
        lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
        hookDetails: { addedBy: 'ecs-safe-deploy', for: 'approval' },
        timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' },
      },
    ])
    const waiting = await serviceDeployment(s, id)
    expect(waiting.status).toBe('IN_PROGRESS')
    expect(waiting.lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT')
    expect(waiting.targetServiceRevision?.requestedTestTrafficWeight).toBe(100)
    expect(waiting.targetServiceRevision?.requestedProductionTrafficWeight ?? 0).toBe(0)
    const [record] = records(s)
    expect(record.statuses.at(-1)).toMatchObject({ state: 'in_progress', environment_url: TEST_URL })
    expect(record.statuses.at(-1)!.description).toMatch(/^waiting for approval at POST_TEST_TRAFFIC_SHIFT, expires at \d{4}-/)

    const approved = await act(s, { approve: id }, '2')
    expect(approved.stderr).toBe('')
    expect(approved.outputs.outcome).toBe('succeeded')
    expect(approved.code).toBe(0)
    expect(mutating(s)).toEqual(['ContinueServiceDeployment'])
    expect(s.control.calls({ operation: 'ContinueServiceDeployment' })[0].params).toMatchObject({ serviceDeploymentArn: id, action: 'CONTINUE' })
    expect(approved.stdout).toMatch(/production traffic: 20% → 100% on the new revision/)
    expect((await serviceDeployment(s, id)).status).toBe('SUCCESSFUL')
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:2$/)
    // One record, carried on by the approving run: waiting → success.
    expect(records(s)).toHaveLength(1)
    expect(records(s)[0].statuses.at(-1)).toMatchObject({ state: 'success' })
  }, 180_000)

  test('reject rolls back to the old revision → rolled-back, saying the workflow run that rejected; the record ends failure', async () => {
    const s = await start()
    const id = (await pause(s)).outputs['deployment-id']
    const rejected = await act(s, { reject: id }, '77')
    expect(rejected.outputs.outcome).toBe('rolled-back')
    expect(s.control.calls({ operation: 'ContinueServiceDeployment' })[0].params).toMatchObject({ serviceDeploymentArn: id, action: 'ROLLBACK' })
    expect(errorAnnotations(rejected)).toContain('Rejected in GitHub by the workflow run https://github.com/org/app/actions/runs/77')
    expect((await serviceDeployment(s, id)).status).toBe('ROLLBACK_SUCCESSFUL')
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:1$/)
    expect(records(s)).toHaveLength(1)
    expect(records(s)[0].statuses.at(-1)).toMatchObject({ state: 'failure' })
  }, 180_000)

  test('nobody answers: the hook times out and ECS rolls back; a later approve says so, changes nothing and fails', async () => {
    const s = await start()
    const id = (await pause(s, { 'approval-timeout': '1m' })).outputs['deployment-id']
    let status: string | undefined
    for (let i = 0; i < 60 && status !== 'ROLLBACK_SUCCESSFUL'; i++) {
      await new Promise((done) => setTimeout(done, 500))
      status = (await serviceDeployment(s, id)).status
    }
    expect(status).toBe('ROLLBACK_SUCCESSFUL')
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:1$/)
    const late = await act(s, { approve: id }, '3')
    expect(late.code).not.toBe(0)
    expect(late.outputs.outcome).toBe('failed')
    expect(errorAnnotations(late)).toMatch(/timed out waiting for approval at \S+ and rolled back \(ROLLBACK_SUCCESSFUL/)
    expect(mutating(s)).toEqual([])
  }, 180_000)

  test('a deployment without approval removes the hook an earlier approval added, and keeps the service’s own', async () => {
    const s = await start()
    const id = (await pause(s)).outputs['deployment-id']
    await act(s, { approve: id }, '2')
    const next = await act(s, { image: await pushImage(s.url, 'v3'), strategy: 'canary 20% 1m' })
    expect(next.outputs.outcome).toBe('succeeded')
    const update = s.control.calls({ operation: 'UpdateService' })[0].params as { deploymentConfiguration: { lifecycleHooks: unknown[] } }
    expect(update.deploymentConfiguration.lifecycleHooks).toEqual([expect.objectContaining({ hookTargetArn: SMOKE_TEST })])
  }, 240_000)
})

describe('refused before any change', () => {
  test('approval on a rolling service fails preflight, saying there is no test traffic', async () => {
    const s = await start(nativeWorld({}))
    const run = await act(s, { image: await pushImage(s.url, 'v2'), approval: 'test-traffic' })
    expect(run.code).not.toBe(0)
    expect(run.outputs.outcome).toBe('failed')
    expect(errorAnnotations(run)).toContain('Input `approval` is `test-traffic`, but service `web` deploys by rolling update: a rolling update has no test traffic to verify')
    expect(mutating(s)).toEqual([])
  }, 120_000)

  test('approve naming another service’s deployment fails preflight and changes nothing', async () => {
    const s = await start()
    const id = (await pause(s)).outputs['deployment-id']
    const run = await act(s, { service: 'api', approve: id }, '2')
    expect(run.code).not.toBe(0)
    expect(run.outputs.outcome).toBe('failed')
    expect(errorAnnotations(run)).toMatch(/Service deployment \S+ is a deployment of \S+service\/demo\/web, not of service \S+service\/demo\/api/)
    expect(mutating(s)).toEqual([])
    expect((await serviceDeployment(s, id)).status).toBe('IN_PROGRESS')
  }, 120_000)
})
