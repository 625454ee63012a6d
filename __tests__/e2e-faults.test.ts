// End to end: the outcome is right under faults (issue #9). The bundled action runs against the sandbox, which
// injects the fault; each test asserts the outcome, the message and the service's final state.
import { afterEach, describe, expect, test } from '@jest/globals'
import { CodeDeployClient, CreateDeploymentCommand } from '@aws-sdk/client-codedeploy'
import { DeleteServiceCommand, DescribeServicesCommand, ECSClient, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs'
import { errorAnnotations, runAction, type ActionRun } from '../scripts/action-runner.js'
import { progressiveWithBake, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import type { WorldSpec } from '../sandbox/world-file.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

async function start(spec: WorldSpec = world('demo.yaml'), timeScale = 60): Promise<Sandbox> {
  sandbox = await startSandbox({ world: spec, timeScale })
  return sandbox
}

function deploy(s: Sandbox, inputs: Record<string, string>, onLine?: (line: string) => void): Promise<ActionRun> {
  return runAction({ endpoint: s.url, inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, timeout: '5m', ...inputs }, onLine })
}

const ecs = (s: Sandbox) => new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })
const taskDefinitionNow = async (s: Sandbox, service = 'web') =>
  (await ecs(s).send(new DescribeServicesCommand({ cluster: 'demo', services: [service] }))).services?.[0]?.taskDefinition

describe('a bake that cannot read its alarms never passes', () => {
  test('DescribeAlarms throttled for the whole bake while the alarm is in ALARM: NOT baked, rolled back', async () => {
    const s = await start()
    let armed = false
    const run = await deploy(s, { alarms: 'web-5xx', 'bake-time': '2m', timeout: '10m' }, (line) => {
      if (armed || !/── bake/.test(line)) return
      armed = true
      s.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed: 40 5XX responses' })
      s.control.fault({ operation: 'DescribeAlarms', kind: 'throttling', count: 'forever' })
    })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(errorAnnotations(run)).toMatch(/Release web:2 is live and was NOT baked: alarms unreadable since \S+ UTC \(ThrottlingException: Rate exceeded\); rolled back to web:1\./)
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:1$/)
  }, 180_000)

  test('AccessDenied on DescribeAlarms during the bake: NOT baked, rolled back at once', async () => {
    const s = await start()
    s.control.fault({ operation: 'DescribeAlarms', kind: 'error', code: 'AccessDenied', status: 403, after: 1, count: 'forever' })
    const run = await deploy(s, { alarms: 'web-5xx', 'bake-time': '2m' })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(errorAnnotations(run)).toMatch(/Release web:2 is live and was NOT baked: alarms unreadable since \S+ UTC \(AccessDenied: /)
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:1$/)
  }, 120_000)

  test('with rollback: never, the unbaked release stays and the step fails saying so', async () => {
    const s = await start()
    s.control.fault({ operation: 'DescribeAlarms', kind: 'error', code: 'AccessDenied', status: 403, after: 1, count: 'forever' })
    const run = await deploy(s, { alarms: 'web-5xx', 'bake-time': '2m', rollback: 'never' })
    expect(run.outputs.outcome).toBe('failed')
    expect(errorAnnotations(run)).toMatch(/Release web:2 is live and was NOT baked: .*; not rolled back \(rollback: never\)\./)
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:2$/)
  }, 120_000)
})

describe('an answer lost after AWS applied the call', () => {
  test('RegisterTaskDefinition: the revision it registered is deployed, none is registered twice', async () => {
    const s = await start()
    s.control.fault({ operation: 'RegisterTaskDefinition', kind: 'lost-answer' })
    const run = await deploy(s, {})
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.stdout).toMatch(/RegisterTaskDefinition's answer was lost .* but ECS registered .*web:2: deploying it/)
    const families = await ecs(s).send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }))
    expect(families.taskDefinitionArns?.map((a) => a.split('/').pop())).toEqual(['web:1', 'web:2'])
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:2$/)
  }, 120_000)

  test('UpdateService: every answer lost, yet ECS applied it: the deployment is found and followed', async () => {
    const s = await start()
    s.control.fault({ operation: 'UpdateService', kind: 'lost-answer', count: 'forever' })
    const run = await deploy(s, {})
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.stdout).toMatch(/UpdateService's answer was lost .* ECS applied it/)
    expect(run.outputs['deployment-id']).toMatch(/^ecs-svc\//)
    expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:2$/)
  }, 120_000)

  test('CreateDeployment: the retry meets our own deployment (DeploymentLimitExceeded) and adopts it', async () => {
    const s = await start(progressiveWithBake())
    s.control.fault({ operation: 'CreateDeployment', kind: 'lost-answer' })
    const run = await deploy(s, { service: 'web-cd', strategy: 'blue-green' })
    expect(run.outputs.outcome).toBe('succeeded')
    const creates = s.control.calls({ operation: 'CreateDeployment' })
    expect(creates.map((c) => c.errorCode ?? 'ok')).toEqual(['AnswerLost', 'DeploymentLimitExceededException'])
    expect(run.stdout).toMatch(/CreateDeployment's answer was lost after CodeDeploy started deployment d-\w+ of web-cd:2; following it/)
    expect(run.outputs['deployment-id']).toMatch(/^d-[A-Z0-9]{9}$/)
    expect(await taskDefinitionNow(s, 'web-cd')).toMatch(/:task-definition\/web-cd:2$/)
  }, 180_000)
})

describe('the world changes underneath', () => {
  test('the service is deleted mid-deploy: failed within a poll, not at the timeout', async () => {
    const s = await start(world('demo.yaml'), 5)
    let deletedAt = 0
    const run = await deploy(s, { timeout: '10m' }, (line) => {
      if (deletedAt || !/── watch/.test(line)) return
      deletedAt = Date.now()
      void ecs(s).send(new DeleteServiceCommand({ cluster: 'demo', service: 'web', force: true }))
    })
    expect(run.outputs.outcome).toBe('failed')
    expect(errorAnnotations(run)).toMatch(/Service web is (DRAINING|INACTIVE) \(being deleted\) while deployment ecs-svc\/\S+ was in progress/)
    expect(run.endedAt - deletedAt).toBeLessThan(20_000)
  }, 120_000)

  test('a CodeDeploy deployment already in progress on the group is waited for before anything is registered', async () => {
    const s = await start(progressiveWithBake())
    const codedeploy = new CodeDeployClient({ endpoint: s.url, region: 'us-east-1', credentials })
    const appSpec = {
      version: 0.0,
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: 'web-cd:1', LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 } } } }],
    }
    const other = await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'AppECS-demo-web-cd',
        deploymentGroupName: 'DgpECS-demo-web-cd',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: JSON.stringify(appSpec) } },
      }),
    )
    s.control.reset()
    const run = await deploy(s, { service: 'web-cd', strategy: 'blue-green' })
    expect(run.stdout).toContain(`CodeDeploy deployment ${other.deploymentId} is already in progress on AppECS-demo-web-cd/DgpECS-demo-web-cd; waiting for it to end`)
    expect(run.outputs.outcome).toBe('succeeded')
    // Nothing registered or created before the other deployment ended: no orphan revision, no DeploymentLimitExceeded.
    expect(s.control.calls({ operation: 'CreateDeployment' }).map((c) => c.errorCode ?? 'ok')).toEqual(['ok'])
    expect(s.control.calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1)
  }, 180_000)
})
