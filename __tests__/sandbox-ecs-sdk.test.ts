// The ECS emulation through the real server and the AWS SDK: every shape deserializes, timestamps
// arrive as Dates, errors arrive as the SDK's exception classes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { clientConfig } from './sandbox-helpers.js'

describe('ECS sandbox through the SDK', () => {
  let sandbox: Sandbox
  let ecs: ECSClient
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 0 })
    ecs = new ECSClient(clientConfig(sandbox.url))
  })
  afterAll(async () => {
    ecs.destroy()
    await sandbox.stop()
  })

  it('runs a service to COMPLETED and every read deserializes', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'prod' }))
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27', portMappings: [{ containerPort: 80 }] }],
      }),
    )
    expect(taskDefinition?.registeredAt).toBeInstanceOf(Date)
    const created = await ecs.send(
      new CreateServiceCommand({
        cluster: 'prod',
        serviceName: 'web',
        taskDefinition: taskDefinition!.taskDefinitionArn,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    )
    expect(created.service?.deployments?.[0]?.createdAt).toBeInstanceOf(Date)
    sandbox.control.advance(30)

    const { services, failures } = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web', 'ghost'] }))
    const s = services![0]!
    expect(s).toMatchObject({ runningCount: 2, deployments: [{ rolloutState: 'COMPLETED', runningCount: 2 }] })
    expect(s.events![0]!.createdAt).toBeInstanceOf(Date)
    expect(s.events![0]!.message).toBe('(service web) has reached a steady state.')
    expect(failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/ghost', reason: 'MISSING' }])

    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'web' }))
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: taskArns }))
    expect(tasks).toHaveLength(2)
    expect(tasks![0]!.startedAt).toBeInstanceOf(Date)
    expect(tasks![0]!.containers![0]!.imageDigest).toMatch(/^sha256:/)

    const { serviceDeployments } = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'prod', service: 'web' }))
    expect(serviceDeployments).toHaveLength(1)
    const described = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [s.currentServiceDeployment!] }))
    expect(described.serviceDeployments![0]).toMatchObject({ status: 'SUCCESSFUL', deploymentCircuitBreaker: { status: 'MONITORING_COMPLETE', threshold: 3 } })
    expect(described.serviceDeployments![0]!.finishedAt).toBeInstanceOf(Date)
    const revisions = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [s.currentServiceRevisions![0]!.arn!] }))
    expect(revisions.serviceRevisions![0]!.containerImages![0]!.image).toBe('public.ecr.aws/nginx/nginx:1.27')
    const withTags = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web', include: ['TAGS'] }))
    expect(withTags.tags).toEqual([])
  })

  it('errors arrive as the SDK exception classes', async () => {
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'ghost', desiredCount: 1 }))).rejects.toBeInstanceOf(ServiceNotFoundException)
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web', deploymentConfiguration: { strategy: 'BLUE_GREEN' } }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    )
  })
})
