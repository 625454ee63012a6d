// End to end: the bundled action records its deployment in the sandbox's GitHub Deployments API, and nothing GitHub
// does fails or delays the ECS deployment.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction, type ActionRun } from '../scripts/action-runner.js'
import { progressiveWithBake, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const SHA = 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d'
const LOG_URL = 'https://github.com/org/app/actions/runs/4242/attempts/2'
const URL = 'https://staging.example.com'

let sandbox: Sandbox
beforeEach(async () => {
  sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 })
})
afterEach(async () => {
  await sandbox.stop()
})

function deploy(inputs: Record<string, string>): Promise<ActionRun> {
  sandbox.control.reset()
  return runAction({
    inputs: { cluster: 'demo', service: 'web', timeout: '5m', 'github-token': 'ghs_test', 'environment-url': URL, ...inputs },
    endpoint: sandbox.url,
    env: {
      GITHUB_API_URL: sandbox.githubUrl,
      GITHUB_REPOSITORY: 'org/app',
      GITHUB_SHA: SHA,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '2',
    },
  })
}

interface Status {
  state: string
  description: string
  log_url: string
  environment_url: string
}
/** The sandbox's deployments, each with its statuses, oldest first. */
const records = () => sandbox.github.deployments() as ({ id: number; statuses: Status[] } & Record<string, unknown>)[]

const warnings = (run: ActionRun) => run.commands.filter((c) => c.command === 'warning')

describe('GitHub deployment record', () => {
  test('a successful deployment: in_progress, its phases, then success, with log_url and environment_url', async () => {
    const run = await deploy({ image: `${ECR}/web:v1.1` })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    const [record, ...others] = records()
    expect(others).toEqual([])
    expect(record).toMatchObject({
      ref: 'main',
      environment: 'demo',
      task: 'deploy',
      production_environment: false,
      transient_environment: false,
      payload: {
        cluster: 'demo',
        service: 'web',
        engine: 'rolling',
        previousTaskDefinitionArn: expect.stringMatching(/task-definition\/web:1$/),
        taskDefinitionArn: run.outputs['task-definition-arn'],
        deploymentId: run.outputs['deployment-id'],
      },
    })
    expect(run.outputs['github-deployment-id']).toBe(String(record.id))
    expect(run.outputs.url).toBe(URL)
    const states = record.statuses.map((s) => s.state)
    expect(states[0]).toBe('in_progress')
    expect(states.at(-1)).toBe('success')
    expect(states.slice(0, -1).every((s) => s === 'in_progress')).toBe(true)
    for (const status of record.statuses) expect(status).toMatchObject({ log_url: LOG_URL, environment_url: URL })
    expect(record.statuses.at(-1)?.description).toMatch(/^succeeded web:2/)
    expect(sandbox.github.calls({ failed: true })).toEqual([])
    expect(warnings(run)).toEqual([])
  })

  test('a release the circuit breaker rolls back: in_progress, then failure', async () => {
    const run = await deploy({ image: `${ECR}/web:v2-crash`, environment: 'production' })
    expect(run.outputs.outcome).toBe('rolled-back')
    const [record] = records()
    expect(record).toMatchObject({ environment: 'production', production_environment: true })
    const states = record.statuses.map((s) => s.state)
    expect(states[0]).toBe('in_progress')
    expect(states.at(-1)).toBe('failure')
    expect(record.statuses.at(-1)?.description).toMatch(/^rolled-back/)
    expect(record.statuses.every((s) => s.description.length <= 140)).toBe(true)
  })

  test('an alarm during the bake: in_progress, baking, rolling back, then failure', async () => {
    let armed = false
    sandbox.control.reset()
    const run = await runAction({
      inputs: { cluster: 'demo', service: 'web', timeout: '5m', 'github-token': 'ghs_test', image: `${ECR}/web:v1.1`, alarms: 'web-5xx', 'bake-time': '2m' },
      endpoint: sandbox.url,
      env: { GITHUB_API_URL: sandbox.githubUrl, GITHUB_REPOSITORY: 'org/app', GITHUB_SHA: SHA, GITHUB_RUN_ID: '4242' },
      onLine: (line) => {
        if (armed || !/── bake/.test(line)) return
        armed = true
        // Past the record's 10 s between descriptions, so "baking" is seen before the alarm.
        setTimeout(() => sandbox.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed' }), 11_000)
      },
    })
    expect(run.outputs.outcome).toBe('rolled-back')
    const [record] = records()
    const descriptions = record.statuses.map((s) => `${s.state}: ${s.description}`)
    expect(descriptions[0]).toMatch(/^in_progress: /)
    expect(descriptions.some((d) => /^in_progress: baking/.test(d))).toBe(true)
    expect(descriptions.at(-1)).toMatch(/^failure: rolled-back web:2: Alarm web-5xx went to ALARM during the bake/)
  }, 120_000)

  test('a timeout: in_progress, then failure saying timed-out', async () => {
    const run = await deploy({ image: `${ECR}/web:v1.1`, timeout: '1s' })
    expect(run.outputs.outcome).toBe('timed-out')
    const [record] = records()
    expect(record.statuses[0].state).toBe('in_progress')
    expect(record.statuses.at(-1)).toMatchObject({ state: 'failure', description: expect.stringMatching(/^timed-out web:2: /) })
  }, 120_000)

  test('a CodeDeploy canary: in_progress, then success, the payload naming the CodeDeploy deployment', async () => {
    await sandbox.stop()
    sandbox = await startSandbox({ world: progressiveWithBake(), timeScale: 30 })
    const run = await deploy({ service: 'web-cd', image: `${ECR}/web:v1.1`, strategy: 'canary 20% 2m' })
    expect(run.outputs.outcome).toBe('succeeded')
    const [record] = records()
    expect(record).toMatchObject({ payload: { engine: 'codedeploy', deploymentId: run.outputs['deployment-id'] } })
    const descriptions = record.statuses.map((s) => `${s.state}: ${s.description}`)
    expect(descriptions[0]).toMatch(/^in_progress: /)
    expect(descriptions.at(-1)).toMatch(/^success: succeeded web-cd:2/)
  }, 180_000)

  test('a token without deployments: write: the ECS deployment succeeds, with one warning naming the permission', async () => {
    sandbox.github.fault({ kind: 'forbidden', operation: 'createDeployment' })
    const run = await deploy({ image: `${ECR}/web:v1.1` })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    expect(warnings(run)).toHaveLength(1)
    expect(warnings(run)[0].message).toContain('deployments: write')
    expect(sandbox.github.calls().map((c) => [c.operation, c.status])).toEqual([['createDeployment', 403]])
    expect(run.outputs['github-deployment-id']).toBe('')
  })

  test('a 5xx from GitHub abandons the record for the run, once, and the deployment goes on', async () => {
    sandbox.github.fault({ kind: 'server-error', status: 502, operation: 'createDeploymentStatus' })
    const run = await deploy({ image: `${ECR}/web:v1.1` })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    expect(warnings(run)).toHaveLength(1)
    expect(warnings(run)[0].message).toMatch(/createDeploymentStatus answered 502 \(.*\): GitHub had a server error; nothing to change/)
    expect(warnings(run)[0].message).not.toContain('deployments: write')
    expect(sandbox.github.calls().map((c) => [c.operation, c.status])).toEqual([
      ['createDeployment', 201],
      ['createDeploymentStatus', 502],
    ])
  })

  test.each([
    ['a rate limit', { kind: 'rate-limit' as const }, 403],
    ['a secondary rate limit', { kind: 'secondary-rate-limit' as const, status: 429 }, 429],
  ])('%s from GitHub: the ECS deployment succeeds, with one warning saying the token was rate-limited', async (_, fault, status) => {
    sandbox.github.fault({ ...fault, operation: 'createDeployment' })
    const run = await deploy({ image: `${ECR}/web:v1.1` })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    expect(warnings(run)).toHaveLength(1)
    expect(warnings(run)[0].message).toContain('GitHub rate-limited the token')
    expect(sandbox.github.calls().map((c) => [c.operation, c.status])).toEqual([['createDeployment', status]])
    expect(run.outputs['github-deployment-id']).toBe('')
  })

  test('github-deployment: false makes no GitHub call', async () => {
    const run = await deploy({ image: `${ECR}/web:v1.1`, 'github-deployment': 'false' })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(sandbox.github.calls()).toEqual([])
    expect(run.outputs['github-deployment-id']).toBe('')
  })
})
