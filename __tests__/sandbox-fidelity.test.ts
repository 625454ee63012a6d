// Where the sandbox used to be laxer than AWS (issue #12): ECS's documented task definition limits, ListTasks'
// startedBy rule, ECS ignoring deployment alarms already in ALARM as a deployment starts, no empty log events, and
// CodeDeploy's alarm polling that leaves room for a client's own StopDeployment.
import { afterEach, describe, expect, it } from '@jest/globals'
import { CodeDeployClient, CreateDeploymentCommand, GetDeploymentCommand, StopDeploymentCommand, type DeploymentInfo } from '@aws-sdk/client-codedeploy'
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { progressiveWithBake } from '../scripts/worlds.js'
import { ALARM_POLL_MS } from '../sandbox/codedeploy/alarm-poll.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { Logs } from '../sandbox/logs.js'
import { handleChecked } from '../sandbox/model/index.js'
import { ecsHarness, type EcsHarness, registerWeb, service, steadyService } from './helpers/sandbox-fakes.js'
import { clientConfig } from './sandbox-helpers.js'

const container = (image: string, extra: Record<string, unknown> = {}) => ({ name: 'a', image, memory: 128, ...extra })
const taskDefinition = (image: string, extra: Record<string, unknown> = {}) => ({ family: 'web', containerDefinitions: [container(image, extra)] })

describe('ECS: RegisterTaskDefinition limits from the API reference', () => {
  it('an image digest must be sha256 with exactly 64 hexadecimal characters', () => {
    const h = ecsHarness()
    for (const image of ['nginx@sha256:abc', `nginx@sha256:${'g'.repeat(64)}`, `nginx@sha512:${'a'.repeat(64)}`]) {
      expect(h.callError('RegisterTaskDefinition', taskDefinition(image))).toMatchObject({ code: 'ClientException', message: expect.stringContaining('exactly 64 characters') })
    }
    expect(h.callError('RegisterTaskDefinition', taskDefinition(`${'r'.repeat(256)}:v1`))).toMatchObject({
      code: 'ClientException',
      message: 'Container.image should be 255 characters or less.',
    })
    expect(h.callError('RegisterTaskDefinition', taskDefinition('web:v1 latest'))).toMatchObject({
      code: 'ClientException',
      message: 'Container.image contains invalid characters.',
    })
    expect(h.call('RegisterTaskDefinition', taskDefinition(`nginx@sha256:${'aB'.repeat(32)}`)).taskDefinition.revision).toBe(1)
  })

  it('a task definition is at most 64 KiB', () => {
    const h = ecsHarness()
    const sized = (n: number) => taskDefinition('nginx:1.27', { environment: [{ name: 'BLOB', value: 'x'.repeat(n) }] })
    expect(h.callError('RegisterTaskDefinition', sized(66_000))).toMatchObject({
      code: 'ClientException',
      message: expect.stringMatching(/^Actual length: '\d+'\. Max allowed length is '65536' bytes\.$/),
    })
    expect(h.call('RegisterTaskDefinition', sized(60_000)).taskDefinition.revision).toBe(1)
  })

  it('the same over the wire through the SDK', async () => {
    const s = await startSandbox({ timeScale: 0 })
    const ecs = new ECSClient(clientConfig(s.url))
    try {
      await expect(ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('nginx@sha256:abc')))).rejects.toMatchObject({ name: 'ClientException' })
    } finally {
      ecs.destroy()
      await s.stop()
    }
  })
})

describe('ECS: ListTasks startedBy', () => {
  it('must be the only filter (family, serviceName, launchType); cluster and desiredStatus go with it', () => {
    const h = ecsHarness()
    steadyService(h, 2)
    const deploymentId = service(h).deployments[0].id as string
    for (const other of [{ serviceName: 'web' }, { family: 'web' }, { launchType: 'FARGATE' }]) {
      expect(h.callError('ListTasks', { cluster: 'prod', startedBy: deploymentId, ...other })).toMatchObject({
        code: 'InvalidParameterException',
        message: 'cannot specify startedBy with other arguments',
      })
    }
    const running = h.call('ListTasks', { cluster: 'prod', startedBy: deploymentId, desiredStatus: 'RUNNING' }).taskArns as string[]
    expect(running).toHaveLength(2)
    h.call('StopTask', { cluster: 'prod', task: running[0] })
    expect(h.call('ListTasks', { cluster: 'prod', startedBy: deploymentId, desiredStatus: 'STOPPED' }).taskArns).toEqual([running[0]])
  })
})

function alarmedRollout(h: EcsHarness) {
  h.alarms.define('api-5xx', 60, 2)
  steadyService(h, 2, { alarms: { alarmNames: ['api-5xx'], enable: true, rollback: true } })
  h.images.push('web:v2')
  const td2 = registerWeb(h, 'v2')
  return () => h.call('UpdateService', { cluster: 'prod', service: 'web', taskDefinition: td2 }).service
}

describe('ECS: a deployment alarm already in ALARM when a deployment starts', () => {
  it('is ignored for the whole deployment, as ECS documents: no failure, no alarm bake, alarms DISABLED', () => {
    const h = ecsHarness()
    const update = alarmedRollout(h)
    h.alarms.setState('api-5xx', 'ALARM')
    const started = update()
    const sd = () => h.call('DescribeServiceDeployments', { serviceDeploymentArns: [started.currentServiceDeployment] }).serviceDeployments[0]
    expect(sd().alarms).toEqual({ status: 'DISABLED' })
    h.advance(20)
    // Going back to OK and into ALARM again within the deployment changes nothing either.
    h.alarms.setState('api-5xx', 'OK')
    h.advance(1)
    h.alarms.setState('api-5xx', 'ALARM')
    const took = h.advanceUntil(() => service(h).deployments[0].rolloutState !== 'IN_PROGRESS', 300)
    expect(service(h).deployments).toMatchObject([{ id: started.deployments[0].id, rolloutState: 'COMPLETED' }])
    // No bake of Period × EvaluationPeriods (120 s) behind steady state.
    expect(took).toBeLessThan(60)
    expect(sd().status).toBe('SUCCESSFUL')
  })

  it('an alarm that goes into ALARM after the start still fails it', () => {
    const h = ecsHarness()
    const started = alarmedRollout(h)()
    h.advance(5)
    h.alarms.setState('api-5xx', 'ALARM')
    h.advance(1)
    expect(service(h).deployments.find((d: { id: string }) => d.id === started.deployments[0].id)).toMatchObject({ rolloutState: 'FAILED' })
  })
})

describe('CloudWatch Logs: what the awslogs driver writes', () => {
  it('has no empty messages (a blank line of a crash log is not an event; PutLogEvents refuses empty ones)', () => {
    const logs = new Logs({ now: () => 1_767_225_600_000 }, { region: 'us-east-1', accountId: '123456789012' })
    logs.handle('CreateLogGroup', { logGroupName: '/ecs/web' })
    // What the ECS task lifecycle does with a behaviour's logLines.
    logs.put('/ecs/web', 'web/app/1', [
      { timestamp: 1, message: 'Error: boom' },
      { timestamp: 2, message: '' },
      { timestamp: 3, message: 'Node.js v22' },
    ])
    const out = handleChecked(logs, 'GetLogEvents', { logGroupName: '/ecs/web', logStreamName: 'web/app/1', startFromHead: true }, true)
    expect((out.events as { message: string }[]).map((e) => e.message)).toEqual(['Error: boom', 'Node.js v22'])
  })
})

describe('CodeDeploy: alarms during the termination wait', () => {
  let sandbox: Sandbox | undefined
  afterEach(async () => {
    await sandbox?.stop()
    sandbox = undefined
  })

  /** The progressive world with blue kept 10 minutes after the shift; an all-at-once deployment of web-cd:1 again. */
  async function deployment(): Promise<{ cd: CodeDeployClient; id: string; info: () => Promise<DeploymentInfo> }> {
    sandbox = await startSandbox({ timeScale: 0, world: progressiveWithBake(10) })
    const cd = new CodeDeployClient(clientConfig(sandbox.url))
    const content = JSON.stringify({
      version: 0.0,
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: 'web-cd:1', LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 } } } }],
    })
    const { deploymentId } = await cd.send(
      new CreateDeploymentCommand({
        applicationName: 'AppECS-demo-web-cd',
        deploymentGroupName: 'DgpECS-demo-web-cd',
        deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
      }),
    )
    const info = async () => (await cd.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!
    for (let i = 0; i < 120 && !(await info()).instanceTerminationWaitTimeStarted; i++) sandbox.control.advance(5)
    expect(await info()).toMatchObject({ status: 'InProgress', instanceTerminationWaitTimeStarted: true })
    return { cd, id: deploymentId!, info }
  }

  /** Moves to CodeDeploy's next alarm poll (one as the deployment starts, then every minute), which finds no alarm. */
  async function atPoll(info: () => Promise<DeploymentInfo>) {
    const sinceStart = sandbox!.control.now() - (await info()).createTime!.getTime()
    sandbox!.control.advance((ALARM_POLL_MS - (sinceStart % ALARM_POLL_MS)) / 1000)
    expect((await info()).status).toBe('InProgress')
  }

  it('CodeDeploy stops the deployment on its own at its next alarm poll (ALARM_ACTIVE) and rolls back', async () => {
    const { cd, info } = await deployment()
    await atPoll(info)
    sandbox!.control.setAlarmState('web-cd-5xx', 'ALARM')
    sandbox!.control.advance(ALARM_POLL_MS / 1000 - 1)
    expect((await info()).status).toBe('InProgress')
    sandbox!.control.advance(1)
    expect(await info()).toMatchObject({ status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE' }, rollbackInfo: { rollbackDeploymentId: expect.any(String) } })
    cd.destroy()
  })

  it('a StopDeployment that arrives before that poll stops it (MANUAL_STOP), with the rollback it asks for', async () => {
    const { cd, id, info } = await deployment()
    await atPoll(info)
    sandbox!.control.setAlarmState('web-cd-5xx', 'ALARM')
    sandbox!.control.advance(30)
    const stopped = await cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }))
    expect(stopped.status).toBe('Succeeded')
    sandbox!.control.advance(ALARM_POLL_MS / 1000)
    expect(await info()).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' }, rollbackInfo: { rollbackDeploymentId: expect.any(String) } })
    cd.destroy()
  })
})
