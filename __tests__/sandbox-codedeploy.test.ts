// CodeDeploy blue/green for CODE_DEPLOY ECS services, through the real server and the AWS SDK clients: traffic
// shifting per deployment config, hooks, alarms, StopDeployment, Install failures, rollbacks, and the task sets ECS shows.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  ApplicationDoesNotExistException,
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeploymentConfigAlreadyExistsException,
  DeploymentConfigDoesNotExistException,
  DeploymentDoesNotExistException,
  DeploymentGroupDoesNotExistException,
  DeploymentIsNotInReadyStateException,
  DeploymentLimitExceededException,
  ECSServiceMappingLimitExceededException,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  InvalidDeploymentStyleException,
  InvalidECSServiceException,
  InvalidLifecycleEventHookExecutionIdException,
  InvalidRevisionException,
  LifecycleEventAlreadyCompletedException,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy'
import { CreateServiceCommand, DescribeServicesCommand, ECSClient, InvalidParameterException, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { ALARM_POLL_MS } from '../sandbox/codedeploy/alarm-poll.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { clientConfig } from './sandbox-helpers.js'

const WORLD = 'sandbox/worlds/progressive.yaml'
const APP = 'AppECS-demo-web-cd'
const GROUP = 'DgpECS-demo-web-cd'
const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

let sandbox: Sandbox
let cd: CodeDeployClient
let ecs: ECSClient

beforeEach(async () => {
  sandbox = await startSandbox({ timeScale: 0, world: WORLD })
  cd = new CodeDeployClient(clientConfig(sandbox.url))
  ecs = new ECSClient(clientConfig(sandbox.url))
})
afterEach(async () => {
  cd.destroy()
  ecs.destroy()
  await sandbox.stop()
})

/** Registers web-cd with `web:<tag>`; returns its ARN. */
async function register(tag: string, port = 8080): Promise<string> {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'web-cd',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
      containerDefinitions: [
        {
          name: 'web',
          image: `${ECR}/web:${tag}`,
          essential: true,
          portMappings: [{ containerPort: port }],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web-cd', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web' } },
        },
      ],
    }),
  )
  return taskDefinition!.taskDefinitionArn!
}

function appSpecYaml(taskDefinition: string, hooks: Record<string, string> = {}, container = { name: 'web', port: 8080 }): string {
  const hookLines = Object.entries(hooks).map(([event, fn]) => `  - ${event}: "${fn}"`)
  return [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: "${taskDefinition}"`,
    '        LoadBalancerInfo:',
    `          ContainerName: "${container.name}"`,
    `          ContainerPort: ${container.port}`,
    ...(hookLines.length > 0 ? ['Hooks:', ...hookLines] : []),
  ].join('\n')
}

async function deploy(taskDefinition: string, options: { config?: string; hooks?: Record<string, string>; content?: string } = {}): Promise<string> {
  const out = await cd.send(
    new CreateDeploymentCommand({
      applicationName: APP,
      deploymentGroupName: GROUP,
      ...(options.config ? { deploymentConfigName: options.config } : {}),
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: options.content ?? appSpecYaml(taskDefinition, options.hooks) } },
    }),
  )
  return out.deploymentId!
}

async function info(id: string): Promise<DeploymentInfo> {
  return (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo!
}

/** Advance simulated time in `step`-second moves until `done` holds; fails after `maxSeconds`. */
async function advanceUntil(done: () => Promise<boolean> | boolean, maxSeconds: number, step = 5): Promise<number> {
  for (let waited = 0; waited <= maxSeconds; waited += step) {
    if (await done()) return waited
    sandbox.control.advance(step)
  }
  throw new Error(`condition not reached within ${maxSeconds} simulated seconds`)
}

const finished = (id: string) => async () => ['Succeeded', 'Failed', 'Stopped'].includes((await info(id)).status!)
const weights = (id: string) => sandbox.control.transitions({ kind: 'traffic', id }).map((t) => t.state)

async function service() {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web-cd'] }))).services![0]!
}

async function target(id: string) {
  const out = await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds: ['demo:web-cd'] }))
  return out.deploymentTargets![0]!.ecsTarget!
}

describe('CodeDeploy sandbox: successful blue/green deployments', () => {
  it('canary: 10% of traffic to green, the rest after 5 minutes, then green is PRIMARY and blue is gone', async () => {
    const before = await service()
    const blueId = before.taskSets![0]!.id!
    const td = await register('v1.1')
    const id = await deploy(td)
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/)

    await advanceUntil(finished(id), 900)
    const d = await info(id)
    expect(d).toMatchObject({ status: 'Succeeded', creator: 'user', computePlatform: 'ECS', deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes' })
    expect(d.deploymentOverview).toEqual({ Pending: 0, InProgress: 0, Succeeded: 1, Failed: 0, Skipped: 0, Ready: 0 })
    expect(d.completeTime).toBeInstanceOf(Date)
    expect(d.revision?.appSpecContent?.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(d.errorInformation).toBeUndefined()

    expect(weights(id)).toEqual(['0', '10', '100'])
    const [, ten, hundred] = sandbox.control.transitions({ kind: 'traffic', id })
    expect(hundred!.simMs - ten!.simMs).toBe(5 * 60_000)
    expect(sandbox.control.transitions({ kind: 'codedeploy', id }).map((t) => t.state)).toEqual(['Created', 'InProgress', 'Succeeded'])
    expect(
      sandbox.control
        .transitions({ kind: 'lifecycle-event', id })
        .filter((t) => t.state.endsWith(':Succeeded'))
        .map((t) => t.state.split(':')[0]),
    ).toEqual(['BeforeInstall', 'Install', 'AfterInstall', 'AllowTestTraffic', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'])

    // The original task set drains (DEACTIVATING 2 s, STOPPING 10 s, DEPROVISIONING 3 s), then leaves.
    sandbox.control.advance(30)
    const after = await service()
    expect(after.taskDefinition).toBe(td)
    expect(after.taskSets).toHaveLength(1)
    expect(after.taskSets![0]).toMatchObject({ status: 'PRIMARY', taskDefinition: td, startedBy: 'CODE_DEPLOY', externalId: id, runningCount: 3, stabilityStatus: 'STEADY_STATE' })
    expect(after.taskSets![0]!.id).not.toBe(blueId)
    expect(after.taskSets![0]!.loadBalancers![0]!.targetGroupArn).toContain(':targetgroup/web-cd-green/')
    expect(after.deployments).toEqual([])
    const group = (await cd.send(new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }))).deploymentGroupInfo!
    expect(group.lastSuccessfulDeployment?.deploymentId).toBe(id)
  })

  it('linear: every 10% step, one minute apart', async () => {
    const id = await deploy(await register('v1.1'), { config: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' })
    await advanceUntil(finished(id), 900)
    expect((await info(id)).status).toBe('Succeeded')
    expect(weights(id)).toEqual(['0', '10', '20', '30', '40', '50', '60', '70', '80', '90', '100'])
    const steps = sandbox.control.transitions({ kind: 'traffic', id }).slice(1)
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.simMs - steps[i - 1]!.simMs).toBe(60_000)
  })

  it('all at once, with a custom config too, and the next deployment goes back to the blue target group', async () => {
    const id = await deploy(await register('v1.1'), { config: 'CodeDeployDefault.ECSAllAtOnce' })
    await advanceUntil(finished(id), 300)
    expect((await info(id)).status).toBe('Succeeded')
    expect(weights(id)).toEqual(['0', '100'])

    await cd.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: 'Canary25Percent2Minutes',
        computePlatform: 'ECS',
        trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 25, canaryInterval: 2 } },
      }),
    )
    const td2 = await register('v1')
    const id2 = await deploy(td2, { config: 'Canary25Percent2Minutes' })
    await advanceUntil(finished(id2), 600)
    expect((await info(id2)).status).toBe('Succeeded')
    expect(weights(id2)).toEqual(['0', '25', '100'])
    sandbox.control.advance(30)
    const svc = await service()
    expect(svc.taskSets!.map((t) => t.loadBalancers![0]!.targetGroupArn)).toEqual(['arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-cd-blue/0123456789abcdef'])
    expect(svc.taskDefinition).toBe(td2)
  })
})

describe('CodeDeploy sandbox: failures and rollbacks', () => {
  it('a failing hook fails the deployment with HOOK_EXECUTION_FAILURE and rolls back to the original task set', async () => {
    sandbox.control.setHook('web-cd-after-test', { outcome: 'fail', afterSeconds: 3, message: 'smoke test: GET /health returned 500' })
    const original = (await service()).taskDefinition
    const id = await deploy(await register('v1.1'), { hooks: { AfterAllowTestTraffic: 'web-cd-after-test' } })
    await advanceUntil(finished(id), 300)
    const d = await info(id)
    expect(d.status).toBe('Failed')
    expect(d.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE')
    expect(d.errorInformation?.message).toContain('AfterAllowTestTraffic')
    expect(d.errorInformation?.message).toContain('web-cd-after-test')
    expect(d.errorInformation?.message).toContain('smoke test: GET /health returned 500')
    expect(d.deploymentOverview?.Failed).toBe(1)
    expect(d.deploymentStatusMessages).toEqual([d.errorInformation?.message])

    const rollbackId = d.rollbackInfo?.rollbackDeploymentId
    expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/)
    expect(d.rollbackInfo?.rollbackMessage).toContain(rollbackId)
    const r = await info(rollbackId!)
    expect(r).toMatchObject({ status: 'Succeeded', creator: 'codeDeployRollback', rollbackInfo: { rollbackTriggeringDeploymentId: id } })
    expect(weights(id)).toEqual(['0'])

    const t = await target(id)
    const hook = t.lifecycleEvents!.find((e) => e.lifecycleEventName === 'AfterAllowTestTraffic')!
    expect(hook.status).toBe('Failed')
    expect(hook.diagnostics).toMatchObject({ errorCode: 'ScriptFailed', message: 'smoke test: GET /health returned 500' })
    expect(t.lifecycleEvents!.find((e) => e.lifecycleEventName === 'AllowTraffic')!.status).toBe('Skipped')

    sandbox.control.advance(30)
    const svc = await service()
    expect(svc.taskDefinition).toBe(original)
    expect(svc.taskSets!.map((ts) => [ts.status, ts.taskDefinition])).toEqual([['PRIMARY', original]])
  })

  it('an alarm going off during the traffic shift stops the deployment (ALARM_ACTIVE) and rolls traffic back', async () => {
    const id = await deploy(await register('v1.1'))
    await advanceUntil(() => weights(id).includes('10'), 300)
    sandbox.control.setAlarmState('web-cd-5xx', 'ALARM', { reason: 'Threshold Crossed: 7 5xx' })
    // CodeDeploy sees it at its next alarm poll, at most a minute later.
    sandbox.control.advance(ALARM_POLL_MS / 1000)
    const d = await info(id)
    expect(d.status).toBe('Stopped')
    expect(d.errorInformation?.code).toBe('ALARM_ACTIVE')
    expect(d.errorInformation?.message).toContain('web-cd-5xx')
    const r = await info(d.rollbackInfo!.rollbackDeploymentId!)
    expect(r.status).toBe('Succeeded')
    expect(weights(r.deploymentId!)).toEqual(['0'])
    expect(weights(id)).toEqual(['0', '10'])
    sandbox.control.advance(30)
    expect((await service()).taskSets).toHaveLength(1)
  })

  it('StopDeployment with autoRollbackEnabled stops with MANUAL_STOP and rolls back; without it, nothing is rolled back', async () => {
    const id = await deploy(await register('v1.1'))
    await advanceUntil(() => weights(id).includes('10'), 300)
    const stopped = await cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }))
    expect(stopped.status).toBe('Succeeded')
    const d = await info(id)
    expect(d).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } })
    expect((await info(d.rollbackInfo!.rollbackDeploymentId!)).status).toBe('Succeeded')

    const id2 = await deploy(await register('v1.1'))
    await advanceUntil(() => weights(id2).includes('10'), 300)
    await cd.send(new StopDeploymentCommand({ deploymentId: id2 }))
    const d2 = await info(id2)
    expect(d2.status).toBe('Stopped')
    expect(d2.rollbackInfo).toBeUndefined()
  })

  it('a crashing image fails Install (HEALTH_CONSTRAINTS, quoting the stopped reason); an unpullable one with ECS_UPDATE_ERROR', async () => {
    const id = await deploy(await register('v2-crash'))
    await advanceUntil(finished(id), 300)
    const d = await info(id)
    expect(d.status).toBe('Failed')
    expect(d.errorInformation?.code).toBe('HEALTH_CONSTRAINTS')
    expect(d.errorInformation?.message).toContain('Essential container in task exited')
    expect(d.errorInformation?.message).toContain('exit code 1')
    const events = (await target(id)).lifecycleEvents!
    expect(events.find((e) => e.lifecycleEventName === 'Install')!.status).toBe('Failed')
    expect(weights(id)).toEqual(['0'])
    expect((await info(d.rollbackInfo!.rollbackDeploymentId!)).status).toBe('Succeeded')

    const id2 = await deploy(await register('v9-missing'))
    await advanceUntil(finished(id2), 300)
    const d2 = await info(id2)
    expect(d2.errorInformation?.code).toBe('ECS_UPDATE_ERROR')
    expect(d2.errorInformation?.message).toContain('CannotPullContainerError')
    sandbox.control.advance(30)
    expect((await service()).taskSets!.map((ts) => ts.status)).toEqual(['PRIMARY'])
  })
})

describe('CodeDeploy sandbox: hooks waiting for their Lambda', () => {
  it('an in-progress hook waits for PutLifecycleEventHookExecutionStatus', async () => {
    sandbox.control.setHook('arn:aws:lambda:us-east-1:123456789012:function:web-cd-approve', { outcome: 'in-progress' })
    const id = await deploy(await register('v1.1'), {
      config: 'CodeDeployDefault.ECSAllAtOnce',
      hooks: { BeforeAllowTraffic: 'arn:aws:lambda:us-east-1:123456789012:function:web-cd-approve' },
    })
    await advanceUntil(() => sandbox.control.hookExecutions(id).length > 0, 300)
    const [pending] = sandbox.control.hookExecutions(id)
    expect(pending).toMatchObject({ deploymentId: id, lifecycleEventName: 'BeforeAllowTraffic', functionName: 'arn:aws:lambda:us-east-1:123456789012:function:web-cd-approve' })
    const started = sandbox.control.transitions({ kind: 'lifecycle-event', id, state: 'BeforeAllowTraffic:InProgress' })[0]!
    expect(started.detail?.lifecycleEventHookExecutionId).toBe(pending!.lifecycleEventHookExecutionId)

    sandbox.control.advance(600)
    expect((await info(id)).status).toBe('InProgress')
    expect(weights(id)).toEqual(['0'])
    await expect(cd.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: id, lifecycleEventHookExecutionId: 'nope', status: 'Succeeded' }))).rejects.toBeInstanceOf(
      InvalidLifecycleEventHookExecutionIdException,
    )
    await expect(cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }))).rejects.toBeInstanceOf(DeploymentIsNotInReadyStateException)

    const put = await cd.send(
      new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: id, lifecycleEventHookExecutionId: pending!.lifecycleEventHookExecutionId, status: 'Succeeded' }),
    )
    expect(put.lifecycleEventHookExecutionId).toBe(pending!.lifecycleEventHookExecutionId)
    await expect(
      cd.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: id, lifecycleEventHookExecutionId: pending!.lifecycleEventHookExecutionId, status: 'Failed' })),
    ).rejects.toBeInstanceOf(LifecycleEventAlreadyCompletedException)
    expect(weights(id)).toEqual(['0', '100'])
    await advanceUntil(finished(id), 60)
    expect((await info(id)).status).toBe('Succeeded')
    expect(sandbox.control.hookExecutions()).toEqual([])
  })

  it('hook rules set through the control route and the world file', async () => {
    const res = await fetch(`${sandbox.url}/_sandbox/hooks`, { method: 'POST', body: JSON.stringify({ target: 'web-cd-gate', rule: { outcome: 'fail', message: 'no' } }) })
    expect(res.status).toBe(200)
    const all = (await (await fetch(`${sandbox.url}/_sandbox/hooks`)).json()) as Record<string, unknown>
    expect(all).toEqual({ 'web-cd-smoke-test': { outcome: 'succeed', afterSeconds: 5 }, 'web-cd-gate': { outcome: 'fail', message: 'no' } })
    const bad = await fetch(`${sandbox.url}/_sandbox/hooks`, { method: 'POST', body: JSON.stringify({ target: 'x', rule: { outcome: 'maybe' } }) })
    expect(bad.status).toBe(400)
    const listed = await (await fetch(`${sandbox.url}/_sandbox/codedeploy/hook-executions`)).json()
    expect(listed).toEqual([])

    // The world's smoke-test hook takes 5 s on AfterInstall.
    const id = await deploy(await register('v1.1'), { config: 'CodeDeployDefault.ECSAllAtOnce', hooks: { AfterInstall: 'web-cd-smoke-test' } })
    await advanceUntil(finished(id), 300)
    const [start, end] = sandbox.control.transitions({ kind: 'lifecycle-event', id }).filter((t) => t.state.startsWith('AfterInstall:'))
    expect([start!.state, end!.state]).toEqual(['AfterInstall:InProgress', 'AfterInstall:Succeeded'])
    expect(end!.simMs - start!.simMs).toBe(5000)
  })
})

describe('CodeDeploy sandbox: waits', () => {
  it('READY_WAIT holds production traffic until ContinueDeployment, and the termination wait keeps blue until it ends', async () => {
    const tgArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-blue/0123456789abcdef'
    const td = await register('v1')
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: 'api',
        taskDefinition: td,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        deploymentController: { type: 'CODE_DEPLOY' },
        loadBalancers: [{ targetGroupArn: tgArn, containerName: 'web', containerPort: 8080 }],
      }),
    )
    await cd.send(new CreateApplicationCommand({ applicationName: 'api', computePlatform: 'ECS' }))
    const group = {
      applicationName: 'api',
      deploymentGroupName: 'api',
      serviceRoleArn: 'arn:aws:iam::123456789012:role/cd',
      deploymentStyle: { deploymentType: 'BLUE_GREEN' as const, deploymentOption: 'WITH_TRAFFIC_CONTROL' as const },
      ecsServices: [{ clusterName: 'demo', serviceName: 'api' }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: 'api-blue' }, { name: 'api-green' }],
            prodTrafficRoute: { listenerArns: ['arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/api/1/2'] },
          },
        ],
      },
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE' as const, terminationWaitTimeInMinutes: 5 },
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT' as const, waitTimeInMinutes: 10 },
      },
    }
    await expect(cd.send(new CreateDeploymentGroupCommand({ ...group, ecsServices: [{ clusterName: 'demo', serviceName: 'ghost' }] }))).rejects.toBeInstanceOf(
      InvalidECSServiceException,
    )
    await expect(
      cd.send(new CreateDeploymentGroupCommand({ ...group, deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' } })),
    ).rejects.toBeInstanceOf(InvalidDeploymentStyleException)
    await expect(cd.send(new CreateDeploymentGroupCommand({ ...group, ecsServices: [{ clusterName: 'demo', serviceName: 'web-cd' }] }))).rejects.toBeInstanceOf(
      ECSServiceMappingLimitExceededException,
    )
    await cd.send(new CreateDeploymentGroupCommand(group))
    const run = async (content: string) =>
      (
        await cd.send(
          new CreateDeploymentCommand({ applicationName: 'api', deploymentGroupName: 'api', revision: { revisionType: 'AppSpecContent', appSpecContent: { content } } }),
        )
      ).deploymentId!

    const id = await run(appSpecYaml(await register('v1.1')))
    await advanceUntil(async () => (await info(id)).status === 'Ready', 120)
    expect((await info(id)).deploymentOverview?.Ready).toBe(1)
    sandbox.control.advance(300)
    expect(weights(id)).toEqual(['0'])
    await cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }))
    expect(weights(id)).toEqual(['0', '100'])
    sandbox.control.advance(60)
    const waiting = await info(id)
    expect([waiting.status, waiting.instanceTerminationWaitTimeStarted]).toEqual(['InProgress', true])
    expect((await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['api'] }))).services![0]!.taskSets!.map((ts) => ts.status)).toEqual(['ACTIVE', 'PRIMARY'])
    await cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }))
    expect((await info(id)).status).toBe('Succeeded')

    const id2 = await run(appSpecYaml(await register('v1')))
    await advanceUntil(finished(id2), 900)
    expect(await info(id2)).toMatchObject({ status: 'Stopped', errorInformation: { code: 'TIMEOUT' } })
    expect(weights(id2)).toEqual(['0'])
  })
})

describe('CodeDeploy sandbox: API shapes and validation', () => {
  it('BatchGetDeploymentTargets returns the ECS target with lifecycle events and both task sets (identifer, weights)', async () => {
    const id = await deploy(await register('v1.1'))
    await expect(cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }))).resolves.toMatchObject({ targetIds: ['demo:web-cd'] })
    await advanceUntil(() => weights(id).includes('10'), 300)
    const t = await target(id)
    const svc = await service()
    const blue = svc.taskSets!.find((ts) => ts.status === 'PRIMARY')!
    const green = svc.taskSets!.find((ts) => ts.status === 'ACTIVE')!
    expect(t).toMatchObject({ deploymentId: id, targetId: 'demo:web-cd', targetArn: svc.serviceArn, status: 'InProgress' })
    expect(t.lastUpdatedAt).toBeInstanceOf(Date)
    expect(t.lifecycleEvents!.map((e) => [e.lifecycleEventName, e.status])).toEqual([
      ['BeforeInstall', 'Succeeded'],
      ['Install', 'Succeeded'],
      ['AfterInstall', 'Succeeded'],
      ['AllowTestTraffic', 'Succeeded'],
      ['AfterAllowTestTraffic', 'Succeeded'],
      ['BeforeAllowTraffic', 'Succeeded'],
      ['AllowTraffic', 'InProgress'],
      ['AfterAllowTraffic', 'Pending'],
    ])
    expect(t.lifecycleEvents![1]!.startTime).toBeInstanceOf(Date)
    expect(t.taskSetsInfo).toEqual([
      { identifer: blue.id, desiredCount: 3, pendingCount: 0, runningCount: 3, status: 'PRIMARY', trafficWeight: 90, targetGroup: { name: 'web-cd-blue' }, taskSetLabel: 'Blue' },
      { identifer: green.id, desiredCount: 3, pendingCount: 0, runningCount: 3, status: 'ACTIVE', trafficWeight: 10, targetGroup: { name: 'web-cd-green' }, taskSetLabel: 'Green' },
    ])
    expect(green).toMatchObject({ startedBy: 'CODE_DEPLOY', externalId: id, scale: { value: 100, unit: 'PERCENT' }, computedDesiredCount: 3 })
    expect(green.taskSetArn).toBe(`arn:aws:ecs:us-east-1:123456789012:task-set/demo/web-cd/${green.id}`)
    expect(green.id).toMatch(/^ecs-svc\/\d{19}$/)
  })

  it('rejects bad deployments with the CodeDeploy exceptions', async () => {
    const td = await register('v1.1')
    const send = (input: Partial<ConstructorParameters<typeof CreateDeploymentCommand>[0]>, content = appSpecYaml(td)) =>
      cd.send(
        new CreateDeploymentCommand({ applicationName: APP, deploymentGroupName: GROUP, revision: { revisionType: 'AppSpecContent', appSpecContent: { content } }, ...input }),
      )
    await expect(send({ applicationName: 'nope' })).rejects.toBeInstanceOf(ApplicationDoesNotExistException)
    await expect(send({ deploymentGroupName: 'nope' })).rejects.toBeInstanceOf(DeploymentGroupDoesNotExistException)
    await expect(send({ deploymentConfigName: 'nope' })).rejects.toBeInstanceOf(DeploymentConfigDoesNotExistException)
    const td9 = td.replace(/:\d+$/, ':99')
    await expect(send({}, appSpecYaml(td9))).rejects.toThrow(`The task definition ${td9} in the AppSpec file does not exist.`)
    await expect(send({}, appSpecYaml(td, {}, { name: 'api', port: 8080 }))).rejects.toBeInstanceOf(InvalidRevisionException)
    await expect(send({}, appSpecYaml(td, {}, { name: 'web', port: 80 }))).rejects.toThrow(/container port 80/)
    await expect(send({}, appSpecYaml(td, { Install: 'fn' }))).rejects.toBeInstanceOf(InvalidRevisionException)
    await expect(send({}, 'Resources: [')).rejects.toBeInstanceOf(InvalidRevisionException)

    const json = JSON.stringify({
      version: 0,
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: td, LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 } } } }],
    })
    const id = (await send({}, json)).deploymentId!
    await expect(send({})).rejects.toBeInstanceOf(DeploymentLimitExceededException)
    await expect(send({})).rejects.toThrow(id)
    await expect(cd.send(new GetDeploymentCommand({ deploymentId: 'd-AAAAAAAAA' }))).rejects.toBeInstanceOf(DeploymentDoesNotExistException)

    await expect(cd.send(new CreateDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce', computePlatform: 'ECS' }))).rejects.toBeInstanceOf(
      DeploymentConfigAlreadyExistsException,
    )
    for (const name of ['ECSAllAtOnce', 'ECSLinear10PercentEvery1Minutes', 'ECSLinear10PercentEvery3Minutes', 'ECSCanary10Percent5Minutes', 'ECSCanary10Percent15Minutes']) {
      const c = (await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: `CodeDeployDefault.${name}` }))).deploymentConfigInfo!
      expect(c.computePlatform).toBe('ECS')
    }
    const canary = (await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent15Minutes' }))).deploymentConfigInfo!
    expect(canary.trafficRoutingConfig).toEqual({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 15 } })
  })

  it('ECS: a CODE_DEPLOY service needs a target group, and UpdateService cannot change its task definition', async () => {
    const td = await register('v1.1')
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web-cd', taskDefinition: td }))).rejects.toThrow(
      'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    )
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web-cd', forceNewDeployment: true }))).rejects.toBeInstanceOf(InvalidParameterException)
    const scaled = await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web-cd', desiredCount: 4 }))
    expect(scaled.service?.deploymentController?.type).toBe('CODE_DEPLOY')
    sandbox.control.advance(30)
    const svc = await service()
    expect(svc.runningCount).toBe(4)
    expect(svc.taskSets![0]).toMatchObject({ computedDesiredCount: 4, runningCount: 4, stabilityStatus: 'STEADY_STATE' })
    expect(svc.taskSets![0]!.createdAt).toBeInstanceOf(Date)

    const noLb = {
      cluster: 'demo',
      serviceName: 'no-lb',
      taskDefinition: td,
      desiredCount: 1,
      launchType: 'FARGATE' as const,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
      deploymentController: { type: 'CODE_DEPLOY' as const },
    }
    await expect(ecs.send(new CreateServiceCommand(noLb))).rejects.toThrow(/targetGroupArn is required/)
    await expect(
      ecs.send(
        new CreateServiceCommand({
          ...noLb,
          loadBalancers: [{ targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1', containerName: 'web', containerPort: 8080 }],
          deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        }),
      ),
    ).rejects.toThrow('The deployment circuit breaker requires the ECS deployment controller, not CODE_DEPLOY.')
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['no-lb'] }))).resolves.toMatchObject({ failures: [{ reason: 'MISSING' }] })
  })
})
