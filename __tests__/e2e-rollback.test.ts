// End to end (issue #11): `rollback-to`, deploying a registered revision (`family:revision`, ARN), an explicit
// redeploy, `keep-revisions`, `desired-count` and the refusals, with the bundled action against the sandbox.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { errorAnnotations, repoRoot, runAction, type ActionRun } from '../scripts/action-runner.js'
import { webTaskDefinition } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { pushImage } from './sandbox-helpers.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const TD_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

let sandbox: Sandbox
let runnerTemp: string
beforeEach(async () => {
  sandbox = await startSandbox({ world: join(repoRoot, 'sandbox', 'worlds', 'demo.yaml'), timeScale: 60 })
  runnerTemp = mkdtempSync(join(tmpdir(), 'e2e-rollback-'))
})
afterEach(async () => {
  await sandbox.stop()
})

const ecs = () => new ECSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials })

const push = (tag: string) => pushImage(sandbox.url, tag)

/** A task definition file for release `version`: its own image and a VERSION environment variable. */
function release(version: string, image: string): string {
  const file = join(runnerTemp, `${version}.json`)
  const container = {
    image,
    environment: [{ name: 'VERSION', value: version }],
    logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web' } },
  }
  writeFileSync(file, JSON.stringify(webTaskDefinition({ executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole' }, container)))
  return file
}

function deploy(inputs: Record<string, string>): Promise<ActionRun> {
  sandbox.control.reset()
  return runAction({ inputs: { cluster: 'demo', service: 'web', timeout: '5m', ...inputs }, endpoint: sandbox.url, env: { RUNNER_TEMP: runnerTemp } })
}

const mutating = () => sandbox.control.calls({ mutating: true }).map((c) => c.operation)

async function running(): Promise<{ arn: string; version?: string; status?: string }> {
  const { services } = await ecs().send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))
  const arn = services![0].taskDefinition!
  const { taskDefinition } = await ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))
  return { arn, version: taskDefinition?.containerDefinitions?.[0].environment?.find((e) => e.name === 'VERSION')?.value, status: taskDefinition?.status }
}

const statusOf = async (ref: string) => (await ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: ref }))).taskDefinition?.status

describe('rollback-to through the bundled action (rolling)', () => {
  test('v1 → v2 (an env change) → rollback-to previous: the service runs v1’s task definition with v1’s env, nothing registered', async () => {
    const v1 = await deploy({ 'task-definition': release('v1', await push('r1')) })
    expect(v1.outputs.outcome).toBe('succeeded')
    const v2 = await deploy({ 'task-definition': release('v2', await push('r2')) })
    expect(v2.outputs.outcome).toBe('succeeded')
    expect(await running()).toMatchObject({ arn: `${TD_ARN}/web:3`, version: 'v2' })

    const back = await deploy({ 'rollback-to': 'previous' })
    expect(back.stderr).toBe('')
    expect(back.outputs.outcome).toBe('succeeded')
    expect(back.code).toBe(0)
    expect(await running()).toMatchObject({ arn: `${TD_ARN}/web:2`, version: 'v1' })
    expect(mutating()).not.toContain('RegisterTaskDefinition')
    expect(mutating()).toContain('UpdateService')
    expect(back.outputs['task-definition-arn']).toBe(`${TD_ARN}/web:2`)
    expect(back.outputs['previous-task-definition-arn']).toBe(`${TD_ARN}/web:3`)
    expect(back.stdout).toContain('`rollback-to: previous` chose web:2: the last task definition that completed successfully on this service before web:3')
    expect(back.summary).toMatch(/rolled back web:3 → web:2 \(deployed \d{4}-\d\d-\d\dT[\d:]+Z, image 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/web@sha256:[0-9a-f]{64}\)/)

    // Rolled back from, web:3 is never `previous` again: the one before it is web:1 (the world's own).
    const again = await deploy({ 'rollback-to': 'previous' })
    expect(again.outputs.outcome).toBe('succeeded')
    expect(again.stdout).toMatch(/chose web:1: .*skipped web:3 \(rolled back\)/)
    expect((await running()).arn).toBe(`${TD_ARN}/web:1`)
  }, 180_000)

  test('v1 → v2 → v3 rolled back by the circuit breaker: previous is v1, never v3; keep-revisions never deregisters the target', async () => {
    expect((await deploy({ 'task-definition': release('v1', await push('r1')) })).outputs.outcome).toBe('succeeded')
    expect((await deploy({ 'task-definition': release('v2', await push('r2')) })).outputs.outcome).toBe('succeeded')
    sandbox.control.setBehavior('web:r3', { kind: 'crash', exitCode: 3, afterSeconds: 2, logLines: ['boot failed'] })
    const v3 = await deploy({ 'task-definition': release('v3', await push('r3')) })
    expect(v3.outputs.outcome).toBe('rolled-back')
    expect(await running()).toMatchObject({ arn: `${TD_ARN}/web:3`, version: 'v2' })

    const back = await deploy({ 'rollback-to': 'previous', 'keep-revisions': '1' })
    expect(back.outputs.outcome).toBe('succeeded')
    expect(back.stdout).toMatch(/chose web:2: .*skipped web:4 \(rolled back\)/)
    expect(await running()).toMatchObject({ arn: `${TD_ARN}/web:2`, version: 'v1' })
    // keep-revisions 1 keeps the newest (web:4), the running rollback target (web:2) and the one it replaced (web:3).
    expect(back.stdout).toContain('keep-revisions 1: deregistered 1 old revision of web: web:1')
    expect(back.summary).toContain('deregistered 1 old revision of web: web:1')
    expect(await statusOf('web:1')).toBe('INACTIVE')
    for (const kept of ['web:2', 'web:3', 'web:4']) expect([kept, await statusOf(kept)]).toEqual([kept, 'ACTIVE'])
    expect(mutating().filter((op) => op === 'DeregisterTaskDefinition')).toHaveLength(1)
  }, 240_000)

  test('rollback-to a named revision (family:revision, then an ARN): deployed as it is, through the same engine', async () => {
    expect((await deploy({ 'task-definition': release('v1', await push('r1')) })).outputs.outcome).toBe('succeeded')
    expect((await deploy({ 'task-definition': release('v2', await push('r2')) })).outputs.outcome).toBe('succeeded')

    const named = await deploy({ 'rollback-to': 'web:2' })
    expect(named.outputs.outcome).toBe('succeeded')
    expect(named.stdout).toContain('`rollback-to` names web:2.')
    expect(await running()).toMatchObject({ arn: `${TD_ARN}/web:2`, version: 'v1' })
    expect(mutating()).not.toContain('RegisterTaskDefinition')
    expect(sandbox.control.calls({ operation: 'UpdateService' })[0].params).toMatchObject({ taskDefinition: `${TD_ARN}/web:2` })
    expect(named.summary).toContain('rolled back web:3 → web:2')

    const byArn = await deploy({ 'rollback-to': `${TD_ARN}/web:3` })
    expect(byArn.outputs.outcome).toBe('succeeded')
    expect(await running()).toMatchObject({ arn: `${TD_ARN}/web:3`, version: 'v2' })
    expect(mutating()).not.toContain('RegisterTaskDefinition')
    expect(byArn.summary).toContain('rolled back web:2 → web:3')
  }, 240_000)

  test('task-definition as family:revision deploys it as is; as an ARN with image, a new revision of it', async () => {
    expect((await deploy({ 'task-definition': release('v2', await push('r2')) })).outputs.outcome).toBe('succeeded')
    const asIs = await deploy({ 'task-definition': 'web:1' })
    expect(asIs.outputs.outcome).toBe('succeeded')
    expect(mutating()).not.toContain('RegisterTaskDefinition')
    expect(asIs.stdout).toContain('`task-definition` names web:1: deployed as it is, no new revision registered.')
    expect((await running()).arn).toBe(`${TD_ARN}/web:1`)

    const image = await push('r4')
    const copy = await deploy({ 'task-definition': `${TD_ARN}/web:2`, image, 'desired-count': '2' })
    expect(copy.outputs.outcome).toBe('succeeded')
    expect(copy.stdout).toContain(`\`task-definition\` names ${TD_ARN}/web:2: a new revision of it is registered with \`image\` ${image}.`)
    expect(mutating().filter((op) => op === 'RegisterTaskDefinition')).toHaveLength(1)
    const now = await running()
    expect(now).toMatchObject({ arn: `${TD_ARN}/web:3`, version: 'v2' })
    expect(sandbox.control.calls({ operation: 'UpdateService' })[0].params).toMatchObject({ desiredCount: 2 })
  }, 180_000)

  test('force-new-deployment with no image redeploys the running revision as is', async () => {
    const run = await deploy({ 'force-new-deployment': 'true' })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(mutating()).toEqual(['UpdateService'])
    expect(sandbox.control.calls({ operation: 'UpdateService' })[0].params).toMatchObject({ taskDefinition: `${TD_ARN}/web:1`, forceNewDeployment: true })
  }, 120_000)
})

describe('promotion', () => {
  test('staging resolves the image and outputs it by digest; production, another cluster, deploys exactly that digest', async () => {
    await ecs().send(new CreateClusterCommand({ clusterName: 'production' }))
    await ecs().send(
      new CreateServiceCommand({
        cluster: 'production',
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-0123456789abcdef0'], assignPublicIp: 'DISABLED' } },
      }),
    )
    const staging = await deploy({ image: await push('r7') })
    expect(staging.outputs.outcome).toBe('succeeded')
    const digest = staging.outputs.image
    expect(digest).toMatch(new RegExp(`^${ECR}/web@sha256:[0-9a-f]{64}$`))

    const production = await deploy({ cluster: 'production', image: digest })
    expect(production.outputs.outcome).toBe('succeeded')
    expect(production.outputs.image).toBe(digest)
    expect(sandbox.control.calls({ operation: 'DescribeImages' }).length).toBeGreaterThan(0)
    const { services } = await ecs().send(new DescribeServicesCommand({ cluster: 'production', services: ['web'] }))
    const { taskDefinition } = await ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: services![0].taskDefinition! }))
    expect(taskDefinition?.containerDefinitions?.[0].image).toBe(digest)

    // A digest that is not in the registry is refused before anything changes, saying which.
    const absent = `${ECR}/web@sha256:${'0'.repeat(64)}`
    const missing = await deploy({ cluster: 'production', image: absent })
    expect(missing.outputs.outcome).toBe('failed')
    expect(missing.code).toBe(1)
    expect(errorAnnotations(missing)).toContain(`image '${absent}' does not exist: ECR repository 'web' has no image with digest sha256:${'0'.repeat(64)}`)
    expect(mutating()).toEqual([])
  }, 120_000)
})

describe('refusals change nothing', () => {
  test('an empty image with nothing else to deploy names the dropped job output, before any call', async () => {
    const run = await deploy({})
    expect(run.outputs.outcome).toBe('failed')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toContain('the runner drops a job output that contains a masked value')
    expect(sandbox.control.calls()).toEqual([])
  })

  test('rollback-to previous with no earlier completed revision, the running one, or an INACTIVE one: zero mutating calls', async () => {
    const none = await deploy({ 'rollback-to': 'previous' })
    expect(none.outputs.outcome).toBe('failed')
    expect(errorAnnotations(none)).toContain('`rollback-to: previous`: no task definition other than web:1 (the one running) completed successfully')
    expect(mutating()).toEqual([])

    const same = await deploy({ 'rollback-to': 'web:1' })
    expect(same.outputs.outcome).toBe('failed')
    expect(errorAnnotations(same)).toContain('web:1 is the task definition service `web` already runs')
    expect(mutating()).toEqual([])

    const { taskDefinition } = await ecs().send(
      new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: `${ECR}/web:v1`, essential: true, memory: 512 }] }),
    )
    await ecs().send(new DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinition!.taskDefinitionArn! }))
    const inactive = await deploy({ 'rollback-to': taskDefinition!.taskDefinitionArn! })
    expect(inactive.outputs.outcome).toBe('failed')
    expect(errorAnnotations(inactive)).toContain('web:2 (rollback-to) is INACTIVE: ECS refuses to update a service to a task definition that is not ACTIVE')
    expect(mutating()).toEqual([])
  }, 120_000)
})
