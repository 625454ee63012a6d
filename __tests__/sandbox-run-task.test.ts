// RunTask, DescribeTasks and StopTask for one-off tasks through the real server and the SDK: the task runs the world's
// behaviour for its image and command (exit 0, exit 1 with its log lines, a hang), never starts when its image is
// missing, is idempotent by clientToken, and is refused as ECS refuses it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { GetLogEventsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
} from '@aws-sdk/client-ecs'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { clientConfig } from './sandbox-helpers.js'

const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-0123456789abcdef0'] } }

describe('ECS sandbox: one-off tasks (RunTask)', () => {
  let sandbox: Sandbox
  let ecs: ECSClient
  let logs: CloudWatchLogsClient
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 0, world: 'sandbox/worlds/demo.yaml' })
    ecs = new ECSClient(clientConfig(sandbox.url))
    logs = new CloudWatchLogsClient(clientConfig(sandbox.url))
  })
  afterAll(async () => {
    ecs.destroy()
    logs.destroy()
    await sandbox.stop()
  })

  const run = async (command: string[], extra: Partial<RunTaskCommandInput> = {}) => {
    const out = await ecs.send(
      new RunTaskCommand({
        cluster: 'demo',
        taskDefinition: 'web:1',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        overrides: { containerOverrides: [{ name: 'web', command }] },
        startedBy: 'ecs-safe-deploy/run-1',
        ...extra,
      }),
    )
    return out.tasks![0]
  }
  const describeTask = async (arn: string) => (await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: [arn], include: ['TAGS'] }))).tasks![0]

  it('a command with no behaviour of its own runs to its end and exits 0', async () => {
    const task = await run(['sh', '-c', 'echo ok'])
    expect(task).toMatchObject({ lastStatus: 'PROVISIONING', startedBy: 'ecs-safe-deploy/run-1', group: 'family:web', launchType: 'FARGATE' })
    expect(task.overrides?.containerOverrides).toEqual([{ name: 'web', command: ['sh', '-c', 'echo ok'] }])
    await sandbox.control.advance(60)
    const done = await describeTask(task.taskArn!)
    expect(done).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited' })
    expect(done.containers![0].exitCode).toBe(0)
  })

  it('a command the world makes fail exits 1 and writes its log lines', async () => {
    await sandbox.control.setBehavior('web:v1 -- npm run migrate', { kind: 'exit', exitCode: 1, afterSeconds: 3, logLines: ['Error: relation "users" already exists'] })
    const task = await run(['npm', 'run', 'migrate'], { tags: [{ key: 'team', value: 'web' }] })
    await sandbox.control.advance(60)
    const done = await describeTask(task.taskArn!)
    expect(done).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' })
    expect(done.containers![0].exitCode).toBe(1)
    expect(done.tags).toEqual([{ key: 'team', value: 'web' }])
    const id = task.taskArn!.split('/').pop()
    const events = await logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/web', logStreamName: `web/web/${id}` }))
    expect(events.events?.map((e) => e.message)).toEqual(['Error: relation "users" already exists'])
  })

  it('a command that hangs runs until StopTask', async () => {
    await sandbox.control.setBehavior('web:v1 -- ./hang', { kind: 'healthy' })
    const task = await run(['./hang'])
    await sandbox.control.advance(600)
    expect((await describeTask(task.taskArn!)).lastStatus).toBe('RUNNING')
    await ecs.send(new StopTaskCommand({ cluster: 'demo', task: task.taskArn!, reason: 'timed out' }))
    await sandbox.control.advance(60)
    expect(await describeTask(task.taskArn!)).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'timed out' })
  })

  it('a task whose image cannot be pulled never starts', async () => {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'migrate',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:missing' }],
      }),
    )
    const task = await run(['npm', 'run', 'migrate'], { taskDefinition: taskDefinition!.taskDefinitionArn })
    await sandbox.control.advance(60)
    const done = await describeTask(task.taskArn!)
    expect(done).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: expect.stringMatching(/^CannotPullContainerError/) })
    expect(done.containers![0].exitCode).toBeUndefined()
  })

  it('the same clientToken starts one task', async () => {
    const first = await run(['true'], { clientToken: 'token-1' })
    const again = await run(['true'], { clientToken: 'token-1' })
    expect(again.taskArn).toBe(first.taskArn)
  })

  it('refuses what ECS refuses: no network configuration for awsvpc, propagateTags SERVICE, an unknown container', async () => {
    await expect(run(['true'], { networkConfiguration: undefined })).rejects.toThrow("Network Configuration must be provided when networkMode 'awsvpc' is specified.")
    await expect(run(['true'], { propagateTags: 'SERVICE' })).rejects.toBeInstanceOf(InvalidParameterException)
    await expect(run(['true'], { overrides: { containerOverrides: [{ name: 'nope', command: ['true'] }] } })).rejects.toThrow(/nope is not a container/)
  })
})
