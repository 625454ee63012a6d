import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr'
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch'
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { Clock } from '../sandbox/clock.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { World } from '../sandbox/world.js'
import { clientConfig, rawCall } from './sandbox-helpers.js'

const running: Sandbox[] = []
const clients: { destroy(): void }[] = []
afterEach(async () => {
  clients.splice(0).forEach((c) => c.destroy())
  await Promise.all(running.splice(0).map((s) => s.stop()))
})

async function start(options: Parameters<typeof startSandbox>[0]) {
  const s = await startSandbox(options)
  running.push(s)
  return s
}

function client<T extends { destroy(): void }>(c: T): T {
  clients.push(c)
  return c
}

describe('clock', () => {
  it('runs timeScale times faster than the wall clock, plus what was advanced', () => {
    let wall = 1_000
    const clock = new Clock(60, 5_000_000, () => wall)
    expect(clock.now()).toBe(5_000_000)
    wall += 1_000
    expect(clock.now()).toBe(5_060_000)
    expect(clock.advance(30)).toBe(5_090_000)
    expect(() => clock.advance(-1)).toThrow()
  })

  it('stands still at timeScale 0 until advanced', () => {
    let wall = 0
    const clock = new Clock(0, 1_000, () => wall)
    wall += 10_000
    expect(clock.now()).toBe(1_000)
    expect(clock.advance(2.5)).toBe(3_500)
  })
})

describe('world stepping', () => {
  it('walks services in order cloudwatch → ecr → ecs → codedeploy → logs, in steps of at most 1 s', () => {
    const world = new World({ timeScale: 0, account: { region: 'us-east-1', accountId: '123456789012' } })
    const seen: [string, number][] = []
    for (const s of world.services.ordered) s.advanceTo = (ms: number) => void seen.push([s.targetPrefix, ms])
    const t0 = world.now()
    world.advanceTo(t0 + 2_500)
    expect(seen.map(([p]) => p).slice(0, 5)).toEqual([
      'GraniteServiceVersion20100801',
      'AmazonEC2ContainerRegistry_V20150921',
      'AmazonEC2ContainerServiceV20141113',
      'CodeDeploy_20141006',
      'Logs_20140328',
    ])
    expect([...new Set(seen.map(([, ms]) => ms - t0))]).toEqual([1_000, 2_000, 2_500])
    world.advanceTo(t0 + 1_000)
    expect(seen).toHaveLength(15)
  })
})

describe('world files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-world-'))

  it('loads a JSON world: account, ECR images with a pinned digest, alarms with state, log groups, behaviours', async () => {
    const digest = `sha256:${'b'.repeat(64)}`
    const path = join(dir, 'world.json')
    writeFileSync(
      path,
      JSON.stringify({
        region: 'eu-west-1',
        accountId: '111122223333',
        repositories: [{ repositoryName: 'api' }],
        images: [
          { repositoryName: 'api', imageTag: 'v1' },
          { repositoryName: 'api', imageTag: 'v2', imageDigest: digest },
        ],
        alarms: [
          {
            AlarmName: 'api-errors',
            Namespace: 'App',
            MetricName: 'Errors',
            Period: 30,
            EvaluationPeriods: 2,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanThreshold',
            state: 'ALARM',
          },
        ],
        logGroups: ['/ecs/api'],
        behaviors: { 'api:v2': { kind: 'crash', exitCode: 137 } },
      }),
    )
    const s = await start({ timeScale: 0, world: path })
    expect(s.account).toEqual({ region: 'eu-west-1', accountId: '111122223333' })
    const ecr = client(new ECRClient({ ...clientConfig(s.url), region: 'eu-west-1' }))
    const v2 = await ecr.send(new DescribeImagesCommand({ repositoryName: 'api', imageIds: [{ imageTag: 'v2' }] }))
    expect(v2.imageDetails?.[0].imageDigest).toBe(digest)
    const alarms = await client(new CloudWatchClient(clientConfig(s.url))).send(new DescribeAlarmsCommand({}))
    expect(alarms.MetricAlarms?.map((a) => [a.AlarmArn, a.StateValue])).toEqual([['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:api-errors', 'ALARM']])
    const groups = await client(new CloudWatchLogsClient(clientConfig(s.url))).send(new DescribeLogGroupsCommand({}))
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['/ecs/api'])
    expect(s.control.behaviors()).toEqual({ 'api:v2': { kind: 'crash', exitCode: 137 } })
  })

  it('loads a YAML world and says which entry is wrong', async () => {
    const good = join(dir, 'good.yaml')
    writeFileSync(good, 'logGroups:\n  - /a\n  - /b\n')
    const s = await start({ timeScale: 0, world: good })
    const groups = await client(new CloudWatchLogsClient(clientConfig(s.url))).send(new DescribeLogGroupsCommand({}))
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['/a', '/b'])
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'repositories:\n  - repositoryName: web\nimages:\n  - repositoryName: missing\n    imageTag: v1\n')
    await expect(startSandbox({ timeScale: 0, world: bad })).rejects.toThrow(/images\[0\].*RepositoryNotFoundException/)
    await expect(startSandbox({ timeScale: 0, world: { clusterz: [] } as never })).rejects.toThrow(/unknown key 'clusterz'/)
  })

  it('starts 10 simulated minutes after seeding, so the demo world is steady before the first request', async () => {
    const s = await start({ timeScale: 0, world: 'sandbox/worlds/demo.yaml' })
    const ecs = client(new ECSClient(clientConfig(s.url)))
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))
    expect(services?.[0]).toMatchObject({ serviceName: 'web', desiredCount: 3, runningCount: 3, launchType: 'FARGATE' })
    expect(services?.[0].deployments?.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'COMPLETED']])
    expect(s.control.alarm('web-5xx')?.state).toBe('OK')
    expect(s.control.behaviors()['web:v2-crash']).toMatchObject({ kind: 'crash', exitCode: 1 })
  })

  it('seeds hook rules and CodeDeploy, naming the entry that fails', async () => {
    const s = await start({ timeScale: 0, world: 'sandbox/worlds/progressive.yaml' })
    expect(s.control.hooks()).toEqual({ 'web-cd-smoke-test': { outcome: 'succeed', afterSeconds: 5 } })
    const app = await rawCall(s.url, 'CodeDeploy_20141006.GetApplication', JSON.stringify({ applicationName: 'AppECS-demo-web-cd' }))
    expect(app.body).toMatchObject({ application: { applicationName: 'AppECS-demo-web-cd', computePlatform: 'ECS' } })
    const group = await rawCall(
      s.url,
      'CodeDeploy_20141006.GetDeploymentGroup',
      JSON.stringify({ applicationName: 'AppECS-demo-web-cd', deploymentGroupName: 'DgpECS-demo-web-cd' }),
    )
    expect(group.body).toMatchObject({
      deploymentGroupInfo: { ecsServices: [{ serviceName: 'web-cd', clusterName: 'demo' }], alarmConfiguration: { enabled: true, alarms: [{ name: 'web-cd-5xx' }] } },
    })

    await expect(startSandbox({ timeScale: 0, world: { hooks: { f: { outcome: 'maybe' } } } as never })).rejects.toThrow(/hooks\['f'\]: hook rule must be/)
    await expect(startSandbox({ timeScale: 0, world: { codeDeploy: { apps: [] } } as never })).rejects.toThrow(/unknown key 'codeDeploy.apps'/)
    const orphan = { codeDeploy: { deploymentGroups: [{ applicationName: 'nope', deploymentGroupName: 'g', serviceRoleArn: 'arn:aws:iam::123456789012:role/cd' }] } }
    await expect(startSandbox({ timeScale: 0, world: orphan })).rejects.toThrow(/codeDeploy.deploymentGroups\[0\]: CreateDeploymentGroup failed: ApplicationDoesNotExistException/)
    // Entries are requests: what the model refuses stops startup too, with the service's error.
    const roleless = { codeDeploy: { deploymentGroups: [{ applicationName: 'nope', deploymentGroupName: 'g' }] } }
    await expect(startSandbox({ timeScale: 0, world: roleless })).rejects.toThrow(
      /CreateDeploymentGroup failed: RoleRequiredException: 1 validation error detected: Value null at 'serviceRoleArn'/,
    )
  })
})
