// The machine's AWS CLI (v1 here; CI installs Debian's awscli when missing) against the sandbox.
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { describeRequiring } from './helpers/requires.js'

const run = promisify(execFile)

/** Why the `aws` CLI cannot run here, or undefined when it can. */
function awsMissing(): string | undefined {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' })
    return undefined
  } catch (error) {
    return `the \`aws\` CLI (${(error as Error).message}). Install it: apt-get install awscli`
  }
}

let sandbox: Sandbox

// The AWS CLI's JSON output, read field by field as a user of the CLI would.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CliJson = any

/** Runs `aws --endpoint-url URL ...args --output json`; async so the in-process sandbox keeps answering. */
async function aws(...args: string[]): Promise<CliJson> {
  const { stdout } = await run('aws', ['--endpoint-url', sandbox.url, ...args, '--output', 'json'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_MAX_ATTEMPTS: '1',
      AWS_PAGER: '',
    },
  })
  return stdout.trim() ? JSON.parse(stdout) : undefined
}

const describeService = async () => (await aws('ecs', 'describe-services', '--cluster', 'cli', '--services', 'web')).services[0]

/** Lets simulated time pass `step` seconds at a time and reads the service until `done` holds. */
async function until(done: (service: CliJson) => boolean, what: string, step = 15) {
  for (let i = 0; i < 40; i++) {
    const service = await describeService()
    if (done(service)) return service
    sandbox.control.advance(step)
  }
  throw new Error(`service never reached: ${what}`)
}

const container = (image: string) => JSON.stringify([{ name: 'web', image, essential: true, portMappings: [{ containerPort: 8080 }] }])

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 0 })
})
afterAll(async () => {
  await sandbox.stop()
})

describeRequiring('AWS CLI against the sandbox', awsMissing(), () => {
  // Each `aws` call starts a Python interpreter (seconds on a loaded 2-core machine): the test gets room for it.
  it('creates a cluster and a Fargate service, rolls out an update, and sees a crashing one fail and roll back', async () => {
    expect((await aws('ecs', 'create-cluster', '--cluster-name', 'cli')).cluster.clusterName).toBe('cli')
    for (const image of ['example.com/web:v1', 'example.com/web:v2', 'example.com/web:v3-crash']) {
      await aws(
        'ecs',
        'register-task-definition',
        '--family',
        'web',
        '--requires-compatibilities',
        'FARGATE',
        '--network-mode',
        'awsvpc',
        '--cpu',
        '256',
        '--memory',
        '512',
        '--container-definitions',
        container(image),
      )
    }
    sandbox.control.setBehavior('web:v3-crash', { kind: 'crash', exitCode: 1 })
    const created = await aws(
      'ecs',
      'create-service',
      '--cluster',
      'cli',
      '--service-name',
      'web',
      '--task-definition',
      'web:1',
      '--desired-count',
      '3',
      '--launch-type',
      'FARGATE',
      '--network-configuration',
      'awsvpcConfiguration={subnets=[subnet-1],securityGroups=[sg-1],assignPublicIp=DISABLED}',
      '--deployment-configuration',
      'deploymentCircuitBreaker={enable=true,rollback=true},maximumPercent=200,minimumHealthyPercent=100',
    )
    expect(created.service.deployments[0].rolloutState).toBe('IN_PROGRESS')
    await until((s) => s.deployments[0].rolloutState === 'COMPLETED', 'first deployment COMPLETED')

    const updated = await aws('ecs', 'update-service', '--cluster', 'cli', '--service', 'web', '--task-definition', 'web:2')
    const v2 = updated.service.deployments.find((d: CliJson) => d.status === 'PRIMARY')
    expect(v2.taskDefinition).toMatch(/:task-definition\/web:2$/)
    const afterV2 = await until((s) => s.deployments.length === 1 && s.deployments[0].id === v2.id && s.deployments[0].rolloutState === 'COMPLETED', 'web:2 COMPLETED')
    expect(afterV2.runningCount).toBe(3)

    const crash = (await aws('ecs', 'update-service', '--cluster', 'cli', '--service', 'web', '--task-definition', 'web:3')).service.deployments.find(
      (d: CliJson) => d.status === 'PRIMARY',
    )
    await until((s) => s.deployments.some((d: CliJson) => d.id === crash.id && d.rolloutState === 'FAILED'), 'web:3 FAILED', 4)
    const rolledBack = await until((s) => s.deployments.length === 1 && s.deployments[0].rolloutState === 'COMPLETED', 'rollback COMPLETED')
    expect(rolledBack.taskDefinition).toMatch(/:task-definition\/web:2$/)
    expect(rolledBack.deployments[0].id).not.toBe(v2.id)
    expect(rolledBack.events.map((e: CliJson) => e.message)).toContain(`(service web) (deployment ${crash.id}) deployment failed: tasks failed to start.`)
    const stopped = await aws('ecs', 'list-tasks', '--cluster', 'cli', '--desired-status', 'STOPPED')
    expect(stopped.taskArns.length).toBeGreaterThanOrEqual(3)
  }, 300_000)
})
