// End to end: the bundled action (dist/index.js) on Node 24 as a child process, against the sandbox.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { ECSClient, DescribeTaskDefinitionCommand, DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, repoRoot, type ActionRun, errorAnnotations } from '../scripts/action-runner.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { webTaskDefinition } from '../scripts/worlds.js'
import { pushImage } from './sandbox-helpers.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const world = join(repoRoot, 'sandbox', 'worlds', 'demo.yaml')

let sandbox: Sandbox
beforeEach(async () => {
  sandbox = await startSandbox({ world, timeScale: 60 })
})
afterEach(async () => {
  await sandbox.stop()
})

const base = { cluster: 'demo', service: 'web', timeout: '5m' }
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

/** A release pushed to the sandbox's ECR (as CI would have pushed it). */
const push = (tag: string) => pushImage(sandbox.url, tag)

/** Runs the action; the call log starts empty here, so it holds only the action's calls. */
const deploy = (inputs: Record<string, string>, onLine?: (line: string) => void, env?: Record<string, string>): Promise<ActionRun> => {
  sandbox.control.reset()
  return runAction({ inputs: { ...base, ...inputs }, endpoint: sandbox.url, onLine, env })
}

function ecs(): ECSClient {
  return new ECSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials })
}

describe('rolling deployment through the bundled action', () => {
  test('a healthy release succeeds and the service runs the new task definition', async () => {
    const image = await push('v1-1')
    const run = await deploy({ image, 'container-name': 'web' })
    expect(run.stderr).toBe('')
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    expect(run.outputs['task-definition-arn']).toMatch(/:task-definition\/web:2$/)
    expect(run.outputs['previous-task-definition-arn']).toMatch(/:task-definition\/web:1$/)
    expect(run.outputs['deployment-id']).toMatch(/^ecs-svc\/\d{19}$/)
    // The tag is resolved through ECR and deployed pinned by digest.
    expect(run.outputs.image).toMatch(new RegExp(`^${ECR}/web@sha256:[0-9a-f]{64}$`))
    const client = ecs()
    const { taskDefinition } = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: run.outputs['task-definition-arn'] }))
    expect(taskDefinition?.containerDefinitions?.[0].image).toBe(run.outputs.image)
    // Everything else of the container survived the render.
    expect(taskDefinition?.containerDefinitions?.[0].logConfiguration?.options?.['awslogs-group']).toBe('/ecs/web')
    const { services } = await client.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))
    expect(services?.[0].taskDefinition).toBe(run.outputs['task-definition-arn'])
    expect(services?.[0].deployments?.[0].rolloutState).toBe('COMPLETED')
    expect(services?.[0].deploymentConfiguration?.deploymentCircuitBreaker).toEqual({ enable: true, rollback: true })
    expect(run.commands.some((c) => c.command === 'notice')).toBe(true)
    expect(run.summary).toContain('succeeded')
    expect(run.summary).toContain('web:1')
    expect(run.summary).toContain('web:2')
    expect(run.stdout).toMatch(/has reached a steady state/)
  })

  test('a crashing release is rolled back by the circuit breaker and the step fails with the reason', async () => {
    sandbox.control.setBehavior('web:v3', { kind: 'crash', exitCode: 3, afterSeconds: 2, logLines: ['boot', 'Error: DATABASE_URL is not set'] })
    const run = await deploy({ image: await push('v3') })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    const annotation = errorAnnotations(run)
    expect(annotation).toContain('ECS deployment circuit breaker: tasks failed to start.')
    expect(annotation).toMatch(/exit code 3|exit 3|exitCode 3/i)
    expect(annotation).toContain('DATABASE_URL is not set')
    expect(run.summary).toContain('rolled-back')
    expect(run.summary).toContain('Essential container in task exited')
    const { services } = await ecs().send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))
    expect(services?.[0].taskDefinition).toMatch(/:task-definition\/web:1$/)
  })

  test('an image that cannot be pulled fails with CannotPullContainerError', async () => {
    // `image` would be checked in preflight; a task definition file's own images are deployed as written.
    // Generated into the runner's temp directory: a task definition file must be there or in the workspace.
    const runnerTemp = mkdtempSync(join(tmpdir(), 'e2e-rolling-'))
    const file = join(runnerTemp, 'td.json')
    writeFileSync(file, JSON.stringify(webTaskDefinition({}, { image: `${ECR}/web:does-not-exist` })))
    const run = await deploy({ 'task-definition': file }, undefined, { RUNNER_TEMP: runnerTemp })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toContain('CannotPullContainerError')
    expect(run.summary).toContain('CannotPullContainerError')
  })

  test('an alarm that fires during the bake rolls the release back', async () => {
    let fired = false
    const image = await push('v1-2')
    const run = await deploy({ image, alarms: 'web-5xx', 'bake-time': '1m' }, (line) => {
      if (!fired && /\bbake\b/i.test(line) && /phase|bak(e|ing)/i.test(line)) {
        fired = true
        sandbox.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed: 12 5XX responses' })
      }
    })
    expect(fired).toBe(true)
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toContain('web-5xx')
    expect(run.stdout).toMatch(/rollback by the action/)
    const { services } = await ecs().send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))
    expect(services?.[0].taskDefinition).toMatch(/:task-definition\/web:1$/)
    expect(services?.[0].deployments?.[0].rolloutState).toBe('COMPLETED')
  })

  test('throttling while watching slows the action down but the outcome stays right', async () => {
    const image = await push('v1-4')
    let throttled = false
    const run = await deploy({ image }, (line) => {
      if (throttled || !/── watch/.test(line)) return
      throttled = true
      // More throttled calls than the SDK retries (8 attempts), so the watcher's own back-off is exercised too.
      sandbox.control.fault({ operation: 'DescribeServices', kind: 'throttling', count: 10 })
    })
    expect(sandbox.control.calls({ operation: 'DescribeServices', failed: true })).toHaveLength(10)
    expect(sandbox.control.calls({ operation: 'DescribeServices', failed: true })[0].errorCode).toBe('ThrottlingException')
    expect(run.stdout).toMatch(/warning: .*Rate exceeded/)
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    // The SDK's adaptive retry slows every call after a throttling streak: this run takes tens of seconds.
  }, 180_000)

  test('a deployment already in progress is waited for before ours starts', async () => {
    const image = await push('v1-5')
    // The other deployment's tasks take 5 sandbox minutes (5 s here) to start, so it is still under way when the
    // action looks, however slow the machine is to start the action.
    sandbox.control.setBehavior('web:v1', { kind: 'slow-start', seconds: 300 })
    await ecs().send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', forceNewDeployment: true }))
    const run = await deploy({ image })
    expect(run.stdout).toMatch(/already in progress on web; waiting for it to end/)
    expect(run.outputs.outcome).toBe('succeeded')
    // Our UpdateService came only after the other deployment had completed.
    const ours = sandbox.control.calls({ operation: 'UpdateService' })
    expect(ours).toHaveLength(1)
    const completed = sandbox.control.transitions({ kind: 'deployment', state: 'COMPLETED' })
    expect(completed.length).toBeGreaterThanOrEqual(2)
    expect(completed[0].wallMs).toBeLessThanOrEqual(ours[0].wallMs)
  })

  test('wait: false returns once the deployment has started, while it is still in progress', async () => {
    const image = await push('v1-3')
    // Its tasks take 5 sandbox minutes (5 s here) to start: the deployment cannot complete before a prompt return.
    sandbox.control.setBehavior('web:v1-3', { kind: 'slow-start', seconds: 300 })
    const run = await deploy({ image, wait: 'false' })
    expect(run.outputs.outcome).toBe('started')
    expect(run.code).toBe(0)
    const id = run.outputs['deployment-id']
    expect(id).toMatch(/^ecs-svc\/\d{19}$/)
    // Returned before the end: the deployment it started is still going.
    const { services } = await ecs().send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))
    expect(services![0].deployments?.find((d) => d.status === 'PRIMARY')).toMatchObject({ id, rolloutState: 'IN_PROGRESS' })
  })
})

describe('bad input changes nothing', () => {
  test('an ECR image that does not exist is a preflight error; nothing in ECS changes', async () => {
    const run = await deploy({ image: `${ECR}/web:does-not-exist` })
    expect(run.code).toBe(1)
    expect(run.outputs.outcome).toBe('failed')
    expect(errorAnnotations(run)).toContain("ECR repository 'web' has no image with tag 'does-not-exist'")
    expect(sandbox.control.calls({ mutating: true })).toEqual([])
  })

  test('invalid inputs are all reported and no AWS call is made', async () => {
    const run = await deploy({ 'bake-time': '10x', timeout: '7h', rollback: 'sometimes', strategy: 'yolo', image: `${ECR}/web:v1` })
    expect(run.code).toBe(1)
    expect(run.outputs.outcome).toBe('failed')
    const text = errorAnnotations(run)
    expect(text).toContain('`bake-time` is `10x`')
    expect(text).toContain('`timeout` is `7h`')
    expect(text).toContain('`rollback` is `sometimes`')
    expect(text).toMatch(/`strategy` is `yolo`.*rolling/)
    expect(sandbox.control.calls()).toEqual([])
    expect(run.summary).toContain('Nothing was changed')
  })

  test('a failing preflight names every problem and makes zero mutating calls', async () => {
    const run = await deploy({ service: 'web', 'container-name': 'api', alarms: 'web-5xx, no-such-alarm', image: `${ECR}/web:v1` })
    expect(run.code).toBe(1)
    expect(run.outputs.outcome).toBe('failed')
    // Both problems, each naming its input, what it got and what there is.
    expect(errorAnnotations(run).split('\n')).toEqual([
      "Input `container-name` is `api`: the service's task definition `web:1` has no such container; its containers are `web`.",
      'Input `alarms`: alarm `no-such-alarm` does not exist in CloudWatch in us-east-1 (names are case-sensitive).',
    ])
    expect(sandbox.control.calls().length).toBeGreaterThan(0)
    expect(sandbox.control.calls({ mutating: true })).toEqual([])
  })

  test('an unknown service is a preflight error, not a crash', async () => {
    const run = await deploy({ service: 'nope', image: `${ECR}/web:v1` })
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toMatch(/nope/)
    expect(sandbox.control.calls({ mutating: true })).toEqual([])
  })
})
