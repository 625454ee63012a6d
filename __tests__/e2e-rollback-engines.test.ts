// End to end (issue #11): `rollback-to: previous` through the ECS-native engine (with its strategy) and the CodeDeploy
// engine (CreateDeployment with the old task definition), after a release the engine itself rolled back.
import { afterEach, describe, expect, test } from '@jest/globals'
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { errorAnnotations, runAction, type ActionRun } from '../scripts/action-runner.js'
import { nativeWorld, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { pushImage } from './sandbox-helpers.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const TD_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

const push = (s: Sandbox, tag: string) => pushImage(s.url, tag)

function deploy(s: Sandbox, inputs: Record<string, string>): Promise<ActionRun> {
  s.control.reset()
  return runAction({ inputs: { cluster: 'demo', timeout: '5m', ...inputs }, endpoint: s.url })
}

async function runningOf(s: Sandbox, service: string): Promise<string | undefined> {
  const { services } = await new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials }).send(new DescribeServicesCommand({ cluster: 'demo', services: [service] }))
  return services?.[0].taskDefinition
}

const mutating = (s: Sandbox) => s.control.calls({ mutating: true }).map((c) => c.operation)

describe('rollback-to previous on the other engines', () => {
  test('ECS blue/green: v1 → v2 → v3 (rolled back by the circuit breaker) → previous is v1, deployed blue/green as is', async () => {
    const crash = { kind: 'crash' as const, exitCode: 3, afterSeconds: 2, logLines: ['boot failed'] }
    sandbox = await startSandbox({
      world: nativeWorld({ deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 } }, { behaviors: { 'web:r3': crash } }),
      timeScale: 10,
    })
    const s = sandbox
    expect((await deploy(s, { service: 'web', image: await push(s, 'r1') })).outputs.outcome).toBe('succeeded')
    expect((await deploy(s, { service: 'web', image: await push(s, 'r2') })).outputs.outcome).toBe('succeeded')
    expect((await deploy(s, { service: 'web', image: await push(s, 'r3') })).outputs.outcome).toBe('rolled-back')
    expect(await runningOf(s, 'web')).toBe(`${TD_ARN}/web:3`)

    const back = await deploy(s, { service: 'web', 'rollback-to': 'previous' })
    expect(back.outputs.outcome).toBe('succeeded')
    expect(back.stdout).toMatch(/`rollback-to: previous` chose web:2: .*skipped web:4 \(rolled back\)/)
    expect(await runningOf(s, 'web')).toBe(`${TD_ARN}/web:2`)
    expect(mutating(s)).not.toContain('RegisterTaskDefinition')
    expect(s.control.calls({ operation: 'UpdateService' })[0].params).toMatchObject({ taskDefinition: `${TD_ARN}/web:2`, deploymentConfiguration: { strategy: 'BLUE_GREEN' } })
    expect(back.summary).toMatch(/rolled back web:3 → web:2 \(deployed [^,]+, image [^)]+@sha256:[0-9a-f]{64}\)/)
  }, 240_000)

  test('CodeDeploy: v1 → v2 → v3 (rolled back by CodeDeploy) → previous is v1, a CreateDeployment of that revision', async () => {
    sandbox = await startSandbox({ world: world('progressive.yaml'), timeScale: 60 })
    const s = sandbox
    expect((await deploy(s, { service: 'web-cd', image: `${ECR}/web:v1.1` })).outputs.outcome).toBe('succeeded')
    expect((await deploy(s, { service: 'web-cd', image: `${ECR}/web:v1` })).outputs.outcome).toBe('succeeded')
    expect((await deploy(s, { service: 'web-cd', image: `${ECR}/web:v2-crash` })).outputs.outcome).toBe('rolled-back')
    expect(await runningOf(s, 'web-cd')).toBe(`${TD_ARN}/web-cd:3`)

    const back = await deploy(s, { service: 'web-cd', 'rollback-to': 'previous' })
    expect(back.outputs.outcome).toBe('succeeded')
    expect(back.stdout).toContain('`rollback-to: previous` chose web-cd:2')
    expect(await runningOf(s, 'web-cd')).toBe(`${TD_ARN}/web-cd:2`)
    expect(mutating(s)).not.toContain('RegisterTaskDefinition')
    const [create] = s.control.calls({ operation: 'CreateDeployment' })
    const appSpec = JSON.parse((create.params as { revision: { appSpecContent: { content: string } } }).revision.appSpecContent.content)
    expect(appSpec.Resources[0].TargetService.Properties.TaskDefinition).toBe(`${TD_ARN}/web-cd:2`)
    expect(back.summary).toContain('rolled back web-cd:3 → web-cd:2')

    // Rolled back to, web-cd:3 (replaced by a return to web-cd:2) is never `previous`; web-cd:2 runs: refused, nothing changed.
    const again = await deploy(s, { service: 'web-cd', 'rollback-to': 'previous' })
    expect(again.outputs.outcome).toBe('failed')
    expect(again.code).toBe(1)
    expect(errorAnnotations(again)).toContain(
      '`rollback-to: previous`: no task definition other than web-cd:2 (the one running) completed successfully on service `web-cd` in its deployment history; skipped web-cd:3 (rolled back).',
    )
    expect(mutating(s)).toEqual([])
    expect(await runningOf(s, 'web-cd')).toBe(`${TD_ARN}/web-cd:2`)
  }, 240_000)
})
