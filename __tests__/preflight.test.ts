// Preflight at the HTTP level (helpers/nock-aws.ts): the real SDK clients talk to nock, which answers per
// `x-amz-target`, so the request bodies are the ones the SDK sends and its retries are real.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ECSClient } from '@aws-sdk/client-ecs'
import nock from 'nock'
import type { Clients } from '../src/aws/clients.js'
import type { ServiceInputs } from '../src/inputs/context.js'
import { preflight, PreflightError, type Preflight } from '../src/preflight/preflight.js'
import { CLOUDWATCH, ECR, ECS, errorReply, nockAws, nockClients, useNock, type Body, type NockHandler } from './helpers/nock-aws.js'

const ACCOUNT = '123456789012'
const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`
const SERVICE_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/web`
const TD_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:41`
const REGISTRY = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`
const IMAGE = `${REGISTRY}/web:1.4.3`

// Every operation preflight may call; all of them only read.
const READ_OPERATIONS = [`${ECS}.DescribeClusters`, `${ECS}.DescribeServices`, `${ECS}.DescribeTaskDefinition`, `${CLOUDWATCH}.DescribeAlarms`, `${ECR}.DescribeImages`]
// What ECR DescribeImages says IMAGE is, and so what preflight deploys: the image pinned by digest.
const DIGEST = `sha256:${'4'.repeat(64)}`
const PINNED = `${REGISTRY}/web@${DIGEST}`

/** maxAttempts 2: the SDK retries a throttled or failed call once. */
function clients(credentials?: ECSClient['config']['credentials'], endpoint?: string): Clients {
  return nockClients({ maxAttempts: 2, credentials, endpoint })
}

function inputs(overrides: Partial<ServiceInputs> = {}): ServiceInputs {
  return {
    cluster: 'prod',
    service: 'web',
    services: ['web'],
    image: IMAGE,
    strategy: { kind: 'auto' },
    codeDeploy: { hooks: {} },
    bakeTimeMs: 0,
    alarms: [],
    github: { deployment: false, environment: 'prod' },
    timeoutMs: 30 * 60_000,
    rollback: 'on-failure',
    onCancel: 'leave',
    maxTaskFailures: 3,
    wait: true,
    ...overrides,
  }
}

function cluster(status = 'ACTIVE'): NockHandler {
  return () => [200, { clusters: [{ clusterArn: CLUSTER_ARN, clusterName: 'prod', status }], failures: [] }]
}

function service(overrides: Body = {}): NockHandler {
  return () => [
    200,
    {
      services: [
        {
          serviceArn: SERVICE_ARN,
          serviceName: 'web',
          clusterArn: CLUSTER_ARN,
          status: 'ACTIVE',
          desiredCount: 2,
          runningCount: 2,
          pendingCount: 0,
          taskDefinition: TD_ARN,
          deploymentController: { type: 'ECS' },
          deploymentConfiguration: {
            deploymentCircuitBreaker: { enable: true, rollback: true },
            maximumPercent: 200,
            minimumHealthyPercent: 100,
            strategy: 'ROLLING',
          },
          deployments: [
            { id: 'ecs-svc/1111111111111111111', status: 'PRIMARY', taskDefinition: TD_ARN, rolloutState: 'COMPLETED', desiredCount: 2, runningCount: 2, createdAt: 1767225600.5 },
          ],
          events: [],
          tags: [{ key: 'team', value: 'payments' }],
          createdAt: 1760000000,
          ...overrides,
        },
      ],
      failures: [],
    },
  ]
}

const LIVE_TD = {
  taskDefinitionArn: TD_ARN,
  family: 'web',
  revision: 41,
  status: 'ACTIVE',
  networkMode: 'awsvpc',
  containerDefinitions: [
    { name: 'app', image: `${REGISTRY}/web:1.4.2`, essential: true, environment: [{ name: 'OPTS', value: 'a=b' }] },
    { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29', essential: true },
  ],
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.ecr-auth' }],
  compatibilities: ['EC2', 'FARGATE'],
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  registeredAt: 1767225000.25,
  registeredBy: `arn:aws:iam::${ACCOUNT}:role/deploy`,
}

function taskDefinition(): NockHandler {
  return () => [200, { taskDefinition: LIVE_TD, tags: [{ key: 'team', value: 'payments' }] }]
}

/** DescribeAlarms that knows `metric` and `composite` alarm names. */
function alarms(metric: string[], composite: string[] = []): NockHandler {
  return (body) => {
    const names: string[] = body.AlarmNames ?? []
    return [
      200,
      {
        MetricAlarms: names.filter((n) => metric.includes(n)).map((n) => ({ AlarmName: n, StateValue: 'OK', Period: 60, EvaluationPeriods: 1, Threshold: 1.0 })),
        CompositeAlarms: names.filter((n) => composite.includes(n)).map((n) => ({ AlarmName: n, StateValue: 'OK' })),
      },
    ]
  }
}

/** A deployable service, IMAGE in ECR as DIGEST, alarms web-5xx and web-health; `extra` answers instead. */
function healthy(extra: Record<string, NockHandler> = {}) {
  return nockAws({
    [`${ECR}.DescribeImages`]: () => [200, { imageDetails: [{ imageDigest: DIGEST, imageTags: ['1.4.3'] }] }],
    [`${ECS}.DescribeClusters`]: cluster(),
    [`${ECS}.DescribeServices`]: service(),
    [`${ECS}.DescribeTaskDefinition`]: taskDefinition(),
    [`${CLOUDWATCH}.DescribeAlarms`]: alarms(['web-5xx'], ['web-health']),
    ...extra,
  })
}

async function problemsOf(promise: Promise<Preflight>): Promise<string[]> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(PreflightError)
    return (err as PreflightError).problems
  }
  throw new Error('expected a PreflightError')
}

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'preflight-')), name)
  writeFileSync(path, text)
  return path
}

useNock()

// The task definition files below are written to the OS temp directory; as RUNNER_TEMP, it is where the action reads them.
const runnerTemp = process.env.RUNNER_TEMP
beforeAll(() => {
  process.env.RUNNER_TEMP = tmpdir()
})
afterAll(() => {
  if (runnerTemp === undefined) delete process.env.RUNNER_TEMP
  else process.env.RUNNER_TEMP = runnerTemp
})

describe('preflight', () => {
  it('passes a deployable service, rendering its live task definition, with read-only calls only', async () => {
    const aws = healthy()
    const result = await preflight(clients(), inputs({ alarms: ['web-5xx', 'web-health'] }))

    expect(result.clusterArn).toBe(CLUSTER_ARN)
    expect(result.service.serviceName).toBe('web')
    expect(result.service.tags).toEqual([{ key: 'team', value: 'payments' }])
    expect(result.currentTaskDefinitionArn).toBe(TD_ARN)
    expect(result.containerName).toBe('app')
    expect(result.image).toBe(PINNED)
    expect(result.alarms).toEqual(['web-5xx', 'web-health'])
    expect(result.inProgress).toBeUndefined()
    expect(result.taskDefinition).toEqual({
      family: 'web',
      networkMode: 'awsvpc',
      containerDefinitions: [
        { name: 'app', image: PINNED, essential: true, environment: [{ name: 'OPTS', value: 'a=b' }] },
        { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29', essential: true },
      ],
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      tags: [{ key: 'team', value: 'payments' }],
    })

    expect(aws.unmatched).toEqual([])
    expect(new Set(aws.targets())).toEqual(new Set(READ_OPERATIONS))
    const body = (op: string) => aws.calls.find((c) => c.target.endsWith(`.${op}`))?.body
    expect(body('DescribeClusters')).toEqual({ clusters: ['prod'] })
    expect(body('DescribeServices')).toEqual({ cluster: 'prod', services: ['web'], include: ['TAGS'] })
    expect(body('DescribeTaskDefinition')).toEqual({ taskDefinition: TD_ARN, include: ['TAGS'] })
    expect(body('DescribeAlarms')).toEqual({ AlarmNames: ['web-5xx', 'web-health'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 })
  })

  it('renders a task definition file instead of describing the live one, and skips DescribeAlarms without alarms', async () => {
    const path = tempFile('td.yaml', 'family: web\ncpu: "256"\ncontainerDefinitions:\n  - name: web\n    image: nginx:1\n')
    const aws = healthy()
    const result = await preflight(clients(), inputs({ taskDefinitionFile: path }))
    expect(result.taskDefinition).toEqual({ family: 'web', cpu: '256', containerDefinitions: [{ name: 'web', image: PINNED }] })
    expect(result.containerName).toBe('web')
    // The live task definition is described only for "what changed" (the diff against the file's), not rendered.
    expect(aws.targets().sort()).toEqual([`${ECR}.DescribeImages`, `${ECS}.DescribeClusters`, `${ECS}.DescribeServices`, `${ECS}.DescribeTaskDefinition`])
  })

  it('keeps the images and leaves out image when there is none to deploy', async () => {
    healthy()
    const result = await preflight(clients(), inputs({ image: undefined }))
    expect(result).not.toHaveProperty('image')
    expect(result.taskDefinition.containerDefinitions?.[0].image).toBe(`${REGISTRY}/web:1.4.2`)
  })

  it('reports a missing cluster, and does not look for the service in it', async () => {
    const aws = healthy({
      [`${ECS}.DescribeClusters`]: () => [200, { clusters: [], failures: [{ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`, reason: 'MISSING' }] }],
    })
    expect(await problemsOf(preflight(clients(), inputs()))).toEqual(['Cluster `prod` was not found in us-east-1.'])
    expect(aws.targets().sort()).toEqual([`${ECR}.DescribeImages`, `${ECS}.DescribeClusters`])
  })

  it('reports a cluster that is not ACTIVE', async () => {
    healthy({ [`${ECS}.DescribeClusters`]: cluster('INACTIVE') })
    expect(await problemsOf(preflight(clients(), inputs()))).toEqual(['Cluster `prod` is INACTIVE: expected ACTIVE.'])
  })

  it('reports a missing service (DescribeServices failures MISSING)', async () => {
    const aws = healthy({
      [`${ECS}.DescribeServices`]: () => [200, { services: [], failures: [{ arn: SERVICE_ARN, reason: 'MISSING' }] }],
    })
    expect(await problemsOf(preflight(clients(), inputs()))).toEqual(['Service `web` was not found in cluster `prod` in us-east-1.'])
    expect(aws.targets()).not.toContain(`${ECS}.DescribeTaskDefinition`)
  })

  it('reports a service that is not ACTIVE', async () => {
    healthy({ [`${ECS}.DescribeServices`]: service({ status: 'DRAINING' }) })
    expect(await problemsOf(preflight(clients(), inputs()))).toEqual(['Service `web` is DRAINING: expected ACTIVE (a DRAINING or INACTIVE service is being deleted).'])
  })

  it('reports the EXTERNAL deployment controller', async () => {
    healthy({ [`${ECS}.DescribeServices`]: service({ deploymentController: { type: 'EXTERNAL' }, deploymentConfiguration: {} }) })
    expect(await problemsOf(preflight(clients(), inputs()))).toEqual([
      'Service `web` uses the EXTERNAL deployment controller: ecs-safe-deploy deploys services whose controller is ECS (rolling, or ECS blue/green, canary and linear) or CODE_DEPLOY.',
    ])
  })

  it('reports strategy rolling on a CODE_DEPLOY service', async () => {
    healthy({ [`${ECS}.DescribeServices`]: service({ deploymentController: { type: 'CODE_DEPLOY' }, deploymentConfiguration: {} }) })
    expect(await problemsOf(preflight(clients(), inputs({ strategy: { kind: 'rolling' } })))).toEqual([
      'Service `web` uses the CODE_DEPLOY deployment controller, so it deploys through CodeDeploy, never as a rolling update: use strategy auto, blue-green, canary or linear, or deployment-config.',
    ])
  })

  it('takes a service without deploymentController or strategy as ECS rolling', async () => {
    healthy({ [`${ECS}.DescribeServices`]: service({ deploymentController: undefined, deploymentConfiguration: { maximumPercent: 200 } }) })
    await expect(preflight(clients(), inputs())).resolves.toMatchObject({ clusterArn: CLUSTER_ARN })
  })

  it('follows the service with strategy auto, and rolling switches a native-strategy service to rolling', async () => {
    const loadBalancers = [
      {
        targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/1',
        containerName: 'app',
        containerPort: 8080,
        advancedConfiguration: {
          alternateTargetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/2',
          productionListenerRule: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/3/4/5',
          roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRole',
        },
      },
    ]
    healthy({ [`${ECS}.DescribeServices`]: service({ loadBalancers, deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 } }) })
    expect((await preflight(clients(), inputs({ strategy: { kind: 'auto' } }))).engine).toMatchObject({ kind: 'ecs-native', strategy: 'BLUE_GREEN' })
    healthy({ [`${ECS}.DescribeServices`]: service({ deploymentConfiguration: { strategy: 'CANARY', bakeTimeInMinutes: 5 } }) })
    expect((await preflight(clients(), inputs({ strategy: { kind: 'rolling' } }))).engine).toMatchObject({ kind: 'rolling' })
  })

  it('reports alarms that do not exist, finding metric and composite alarms', async () => {
    healthy()
    expect(await problemsOf(preflight(clients(), inputs({ alarms: ['web-5xx', 'Web-5xx', 'web-health', 'web-latency'] })))).toEqual([
      'Input `alarms`: alarms `Web-5xx`, `web-latency` do not exist in CloudWatch in us-east-1 (names are case-sensitive).',
    ])
  })

  it('asks for alarms 100 names at a time and follows NextToken', async () => {
    const names = Array.from({ length: 101 }, (_, i) => `alarm-${i}`)
    const aws = healthy({
      [`${CLOUDWATCH}.DescribeAlarms`]: (body) => {
        const requested: string[] = body.AlarmNames
        // The first page of the first batch holds one alarm and a token for the rest.
        const page = body.NextToken ? requested.slice(1) : requested.length === 100 ? requested.slice(0, 1) : requested
        return [200, { MetricAlarms: page.map((n) => ({ AlarmName: n })), ...(!body.NextToken && requested.length === 100 ? { NextToken: 't1' } : {}) }]
      },
    })
    const result = await preflight(clients(), inputs({ alarms: names }))
    expect(result.alarms).toEqual(names)
    const alarmCalls = aws.calls.filter((c) => c.target.endsWith('DescribeAlarms')).map((c) => [c.body.AlarmNames.length, c.body.NextToken])
    expect(alarmCalls).toEqual([
      [100, undefined],
      [100, 't1'],
      [1, undefined],
    ])
  })

  it('reports a container-name that the live task definition does not have', async () => {
    healthy()
    expect(await problemsOf(preflight(clients(), inputs({ containerName: 'api' })))).toEqual([
      "Input `container-name` is `api`: the service's task definition `web:41` has no such container; its containers are `app`, `envoy`.",
    ])
  })

  it('reports an image no container of the live task definition runs', async () => {
    healthy()
    expect(await problemsOf(preflight(clients(), inputs({ image: 'ghcr.io/org/other:1' })))).toEqual([
      "The service's task definition `web:41` has 2 containers (`app`, `envoy`) and none runs an image from ghcr.io/org/other: set `container-name` to the one that gets `ghcr.io/org/other:1`.",
    ])
  })

  it('reports an unreadable task definition file', async () => {
    healthy()
    const path = join(tmpdir(), 'no-such-dir-preflight', 'td.json')
    const [problem] = await problemsOf(preflight(clients(), inputs({ taskDefinitionFile: path })))
    expect(problem).toMatch(new RegExp(`^Task definition file \`${path}\` cannot be read: ENOENT`))
  })

  it('reports every problem together', async () => {
    const path = tempFile('td.json', JSON.stringify({ family: 'web', containerDefinitions: [{ name: 'app', image: 'a:1' }], Cpu: '256' }))
    const aws = healthy({
      [`${ECS}.DescribeServices`]: service({ status: 'DRAINING', deploymentController: { type: 'EXTERNAL' } }),
    })
    const problems = await problemsOf(preflight(clients(), inputs({ taskDefinitionFile: path, alarms: ['web-5xx', 'nope'] })))
    expect(problems).toHaveLength(4)
    expect(problems[0]).toMatch(/^Service `web` is DRAINING/)
    expect(problems[1]).toMatch(/^Service `web` uses the EXTERNAL deployment controller/)
    expect(problems[2]).toMatch(/^Task definition file `.*td.json` has unknown top-level key `Cpu`/)
    expect(problems[3]).toMatch(/^Input `alarms`: alarm `nope` does not exist/)
    expect(aws.unmatched).toEqual([])
    expect(aws.targets().every((t) => READ_OPERATIONS.includes(t))).toBe(true)
  })

  describe('a deployment already under way', () => {
    it('is reported when the service has more than one deployment', async () => {
      healthy({
        [`${ECS}.DescribeServices`]: service({
          deployments: [
            { id: 'ecs-svc/2222222222222222222', status: 'PRIMARY', taskDefinition: TD_ARN, rolloutState: 'COMPLETED' },
            { id: 'ecs-svc/1111111111111111111', status: 'ACTIVE', taskDefinition: TD_ARN.replace(':41', ':40'), rolloutState: 'COMPLETED' },
          ],
        }),
      })
      const result = await preflight(clients(), inputs())
      expect(result.inProgress).toEqual({ deploymentId: 'ecs-svc/2222222222222222222', rolloutState: 'COMPLETED' })
    })

    it('is reported when the only deployment is IN_PROGRESS', async () => {
      healthy({
        [`${ECS}.DescribeServices`]: service({
          deployments: [{ id: 'ecs-svc/3333333333333333333', status: 'PRIMARY', taskDefinition: TD_ARN, rolloutState: 'IN_PROGRESS' }],
        }),
      })
      const result = await preflight(clients(), inputs())
      expect(result.inProgress).toEqual({ deploymentId: 'ecs-svc/3333333333333333333', rolloutState: 'IN_PROGRESS' })
    })

    it('is not reported for a single deployment without rolloutState (Classic Load Balancer)', async () => {
      healthy({
        [`${ECS}.DescribeServices`]: service({ deployments: [{ id: 'ecs-svc/4444444444444444444', status: 'PRIMARY', taskDefinition: TD_ARN }] }),
      })
      expect((await preflight(clients(), inputs())).inProgress).toBeUndefined()
    })
  })

  describe('AWS errors', () => {
    it('become problem lines naming the call: access denied, throttling after retries, server errors', async () => {
      const aws = healthy({
        [`${ECS}.DescribeServices`]: () =>
          errorReply('AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: ecs:DescribeServices'),
        [`${CLOUDWATCH}.DescribeAlarms`]: () => [400, { __type: 'Throttling', message: 'Rate exceeded' }, { 'x-amzn-query-error': 'Throttling;Sender' }],
      })
      const problems = await problemsOf(preflight(clients(), inputs({ alarms: ['web-5xx'] })))
      expect(problems).toEqual([
        'ECS DescribeServices failed: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: ecs:DescribeServices. The role needs permission for ECS DescribeServices.',
        'CloudWatch DescribeAlarms failed: Throttling: Rate exceeded.',
      ])
      // maxAttempts 2: the throttled call was retried once before it became a problem.
      expect(aws.targets().filter((t) => t.endsWith('DescribeAlarms'))).toHaveLength(2)
    })

    it('reports a DescribeTaskDefinition failure', async () => {
      healthy({ [`${ECS}.DescribeTaskDefinition`]: () => errorReply('ServerException', 'Internal failure.', 500) })
      expect(await problemsOf(preflight(clients(), inputs()))).toEqual(['ECS DescribeTaskDefinition failed: ServerException: Internal failure.'])
    })

    it('reports missing credentials on every call instead of crashing', async () => {
      const aws = healthy()
      const noCredentials = async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })
      }
      const problems = await problemsOf(preflight(clients(noCredentials), inputs({ alarms: ['web-5xx'] })))
      const hint = ' Check the AWS credentials (for example aws-actions/configure-aws-credentials before this step).'
      expect(problems).toEqual([
        `ECS DescribeClusters failed: CredentialsProviderError: Could not load credentials from any providers.${hint}`,
        `ECR DescribeImages failed: CredentialsProviderError: Could not load credentials from any providers.${hint}`,
        `CloudWatch DescribeAlarms failed: CredentialsProviderError: Could not load credentials from any providers.${hint}`,
      ])
      expect(aws.calls).toEqual([])
    })

    it('reports a network failure', async () => {
      // Nothing listens on port 1 of the loopback address: the connection is refused.
      nock.enableNetConnect('127.0.0.1')
      const problems = await problemsOf(preflight(clients(undefined, 'http://127.0.0.1:1'), inputs()))
      expect(problems).toEqual(['ECS DescribeClusters failed: Error: connect ECONNREFUSED 127.0.0.1:1.', 'ECR DescribeImages failed: Error: connect ECONNREFUSED 127.0.0.1:1.'])
    })
  })
})

describe('preflight: the image', () => {
  const token =
    (proxyEndpoint: string): NockHandler =>
    () => [200, { authorizationData: [{ authorizationToken: Buffer.from('AWS:secret-password').toString('base64'), proxyEndpoint }] }]
  const notFound =
    (type: string): NockHandler =>
    () =>
      errorReply(type, `${type} for the test`)
  // A build context with a Dockerfile: preflight checks both exist.
  const build = { context: join(tempFile('Dockerfile', 'FROM scratch\n'), '..'), buildArgs: [], tags: [] }

  it('an ECR image that does not exist is a problem, and no other ECR call is made', async () => {
    const aws = healthy({ [`${ECR}.DescribeImages`]: notFound('ImageNotFoundException') })
    expect(await problemsOf(preflight(clients(), inputs()))).toEqual([`Input \`image\`: image '${IMAGE}' does not exist: ECR repository 'web' has no image with tag '1.4.3'.`])
    expect(aws.calls.find((c) => c.target.endsWith('DescribeImages'))?.body).toEqual({ repositoryName: 'web', registryId: ACCOUNT, imageIds: [{ imageTag: '1.4.3' }] })
    expect(aws.targets().filter((t) => t.startsWith(ECR))).toEqual([`${ECR}.DescribeImages`])
  })

  it('an image of another registry is deployed as given once ECR says that registry is not its own', async () => {
    const aws = healthy({ [`${ECR}.GetAuthorizationToken`]: token(`https://${REGISTRY}`) })
    const result = await preflight(clients(), inputs({ image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.30' }))
    expect(result.image).toBe('public.ecr.aws/appmesh/aws-appmesh-envoy:v1.30')
    expect(result.containerName).toBe('envoy')
    expect(aws.targets()).not.toContain(`${ECR}.DescribeImages`)
  })

  it('a Docker Hub image needs no ECR call; a registry ECR names as its own (an emulator) is resolved', async () => {
    let aws = healthy()
    expect((await preflight(clients(), inputs({ image: 'nginx:1.27', containerName: 'app' }))).image).toBe('nginx:1.27')
    expect(aws.targets().filter((t) => t.startsWith(ECR))).toEqual([])
    nock.cleanAll()
    aws = healthy({ [`${ECR}.GetAuthorizationToken`]: token('http://127.0.0.1:5055') })
    const result = await preflight(clients(), inputs({ image: '127.0.0.1:5055/web:1.4.3', containerName: 'app' }))
    expect(result.image).toBe(`127.0.0.1:5055/web@${DIGEST}`)
    expect(aws.calls.find((c) => c.target.endsWith('DescribeImages'))?.body).toEqual({ repositoryName: 'web', imageIds: [{ imageTag: '1.4.3' }] })
  })

  it('building: a bare repository name goes to the account registry, tagged with the commit, and needs the repository', async () => {
    const saved = process.env.GITHUB_SHA
    process.env.GITHUB_SHA = 'abc123'
    try {
      const aws = healthy({ [`${ECR}.GetAuthorizationToken`]: token(`https://${REGISTRY}`) })
      const result = await preflight(clients(), inputs({ image: 'web', build }))
      expect(result.image).toBe(`${REGISTRY}/web:abc123`)
      expect(result.push).toEqual({ registry: REGISTRY, registryId: ACCOUNT, region: 'us-east-1' })
      expect(result.containerName).toBe('app')
      expect(aws.calls.find((c) => c.target.endsWith('DescribeImages'))?.body).toEqual({ repositoryName: 'web', registryId: ACCOUNT, maxResults: 1 })
    } finally {
      process.env.GITHUB_SHA = saved
    }
  })

  it('building: a missing repository or a registry that is not ECR is a problem', async () => {
    healthy({ [`${ECR}.DescribeImages`]: notFound('RepositoryNotFoundException') })
    expect(await problemsOf(preflight(clients(), inputs({ image: `${REGISTRY}/web:v2`, build })))).toEqual([
      `Input \`image\`: there is no ECR repository \`web\` in ${REGISTRY} to push to: create it (aws ecr create-repository --repository-name web) or fix the name.`,
    ])
    nock.cleanAll()
    healthy({ [`${ECR}.GetAuthorizationToken`]: token(`https://${REGISTRY}`) })
    expect(await problemsOf(preflight(clients(), inputs({ image: 'ghcr.io/acme/web:v2', build })))).toEqual([
      'Input `image` is `ghcr.io/acme/web:v2`: when building, image names an ECR repository (`web`, or <account>.dkr.ecr.<region>.amazonaws.com/web), and ghcr.io is not an ECR registry.',
    ])
  })
})
