// End to end: `approval: test-traffic` on a CODE_DEPLOY service holds the deployment in CodeDeploy's ready wait (set
// on the group for that one deployment), and a later run approves (ContinueDeployment READY_WAIT) or rejects
// (StopDeployment with auto-rollback) it — the bundled action against the sandbox's ECS, CodeDeploy and GitHub.
import { afterEach, describe, expect, test } from '@jest/globals'
import { CodeDeployClient, GetDeploymentCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy'
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { runAction, errorAnnotations, type ActionRun } from '../scripts/action-runner.js'
import { progressiveWithBake } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1.1'
const config = (s: Sandbox) => ({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })
/** Simulated seconds per wall second: a one-minute approval timeout lapses in 6 s. */
const SCALE = 10

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

async function start(): Promise<Sandbox> {
  sandbox = await startSandbox({ world: progressiveWithBake(), timeScale: SCALE })
  return sandbox
}

function act(s: Sandbox, inputs: Record<string, string>, run = '1'): Promise<ActionRun> {
  s.control.reset()
  return runAction({
    inputs: { cluster: 'demo', service: 'web-cd', timeout: '3m', 'github-token': 'ghs_test', environment: 'production', ...inputs },
    endpoint: s.url,
    env: { GITHUB_API_URL: s.githubUrl, GITHUB_REPOSITORY: 'org/app', GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: run },
  })
}

const mutating = (s: Sandbox) => s.control.calls({ mutating: true }).map((c) => c.operation)
const deployment = async (s: Sandbox, id: string) => (await new CodeDeployClient(config(s)).send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo!
const readyOption = async (s: Sandbox) =>
  (await new CodeDeployClient(config(s)).send(new GetDeploymentGroupCommand({ applicationName: 'AppECS-demo-web-cd', deploymentGroupName: 'DgpECS-demo-web-cd' })))
    .deploymentGroupInfo!.blueGreenDeploymentConfiguration!.deploymentReadyOption
const taskDefinitionNow = async (s: Sandbox) =>
  (await new ECSClient(config(s)).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web-cd'] }))).services![0].taskDefinition
const records = (s: Sandbox) => s.github.deployments() as ({ id: number; statuses: { state: string; description: string }[] } & Record<string, unknown>)[]

async function pause(s: Sandbox, extra: Record<string, string> = {}): Promise<string> {
  const run = await act(s, { image: IMAGE, strategy: 'canary 20% 1m', approval: 'test-traffic', ...extra })
  expect(run.stderr).toBe('')
  expect(run.outputs.outcome).toBe('awaiting-approval')
  expect(run.code).toBe(0)
  const id = run.outputs['deployment-id']
  expect(id).toMatch(/^d-[A-Z0-9]{9}$/)
  // The group holds this deployment only: its own ready option is back once the deployment was created.
  const updates = s.control
    .calls({ operation: 'UpdateDeploymentGroup' })
    .map((c) => (c.params as { blueGreenDeploymentConfiguration: { deploymentReadyOption: unknown } }).blueGreenDeploymentConfiguration.deploymentReadyOption)
  expect(updates).toEqual([
    { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: Number(extra['approval-timeout']?.replace('m', '') ?? 60) },
    { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
  ])
  expect(await readyOption(s)).toEqual({ actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 })
  expect((await deployment(s, id)).status).toBe('Ready')
  expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web-cd:1$/)
  expect(records(s)[0].statuses.at(-1)!.description).toMatch(/^waiting for approval at the ready wait after AfterAllowTestTraffic, expires at /)
  return id
}

describe('approval: test-traffic on the CodeDeploy engine', () => {
  test('deploy waits in the ready wait with no production traffic; approve moves it → succeeded, on the same record', async () => {
    const s = await start()
    const id = await pause(s)
    const approved = await act(s, { approve: id }, '2')
    expect(approved.stderr).toBe('')
    expect(approved.outputs.outcome).toBe('succeeded')
    expect(approved.code).toBe(0)
    expect(mutating(s)).toEqual(['ContinueDeployment'])
    expect(s.control.calls({ operation: 'ContinueDeployment' })[0].params).toEqual({ deploymentId: id, deploymentWaitType: 'READY_WAIT' })
    expect(approved.stdout).toMatch(/production traffic: 0% → 20% on the new revision/)
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web-cd:2$/)
    expect(records(s)).toHaveLength(1)
    expect(records(s)[0].statuses.at(-1)).toMatchObject({ state: 'success' })
  }, 180_000)

  test('reject stops it with auto-rollback → rolled-back, the old task set serving', async () => {
    const s = await start()
    const id = await pause(s)
    const rejected = await act(s, { reject: id }, '78')
    expect(rejected.outputs.outcome).toBe('rolled-back')
    expect(s.control.calls({ operation: 'StopDeployment' })[0].params).toEqual({ deploymentId: id, autoRollbackEnabled: true })
    expect(errorAnnotations(rejected)).toContain('Rejected in GitHub by the workflow run https://github.com/org/app/actions/runs/78')
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web-cd:1$/)
    expect(records(s)[0].statuses.at(-1)).toMatchObject({ state: 'failure' })
  }, 180_000)

  test('nobody answers: the ready wait times out and CodeDeploy stops it; a later approve says so and fails', async () => {
    const s = await start()
    const id = await pause(s, { 'approval-timeout': '1m' })
    let status: string | undefined
    for (let i = 0; i < 60 && status !== 'Stopped'; i++) {
      await new Promise((done) => setTimeout(done, 500))
      status = (await deployment(s, id)).status
    }
    expect(status).toBe('Stopped')
    const late = await act(s, { approve: id }, '3')
    expect(late.code).not.toBe(0)
    expect(late.outputs.outcome).toBe('failed')
    expect(errorAnnotations(late)).toContain(`CodeDeploy deployment ${id} timed out waiting for approval: it was stopped`)
    expect(mutating(s)).toEqual([])
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web-cd:1$/)
  }, 180_000)
})
