// ECS operations as a client sees them: shapes, defaults, validation errors and MISSING failures.
import { describe, expect, it } from '@jest/globals'
import { ECR_HOST, ecsHarness, NETWORK, registerWeb, service, steadyService, T0, tasksOf } from './helpers/sandbox-fakes.js'

const ARN = 'arn:aws:ecs:us-east-1:123456789012'

describe('ECS sandbox: clusters and task definitions', () => {
  it('CreateCluster is idempotent and DescribeClusters reports unknown clusters as MISSING', () => {
    const h = ecsHarness()
    const c = h.call('CreateCluster', { clusterName: 'prod', tags: [{ key: 'team', value: 'web' }] }).cluster
    expect(c).toMatchObject({ clusterArn: `${ARN}:cluster/prod`, clusterName: 'prod', status: 'ACTIVE', activeServicesCount: 0 })
    expect(h.call('CreateCluster', { clusterName: 'prod' }).cluster.clusterArn).toBe(c.clusterArn)
    const res = h.call('DescribeClusters', { clusters: ['prod', 'nope', `${ARN}:cluster/prod`], include: ['TAGS'] })
    expect(res.clusters).toHaveLength(2)
    expect(res.clusters[0].tags).toEqual([{ key: 'team', value: 'web' }])
    expect(res.failures).toEqual([{ arn: `${ARN}:cluster/nope`, reason: 'MISSING' }])
    expect(h.callError('CreateCluster', { clusterName: 'bad name!' }).code).toBe('InvalidParameterException')
  })

  it('RegisterTaskDefinition numbers revisions per family and fills in what ECS adds', () => {
    const h = ecsHarness()
    const first = h.call('RegisterTaskDefinition', {
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      taskRoleArn: 'arn:aws:iam::123456789012:role/task',
      containerDefinitions: [
        {
          name: 'app',
          image: `${ECR_HOST}/web:v1`,
          portMappings: [{ containerPort: 8080 }],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'web' } },
        },
      ],
      tags: [{ key: 'app', value: 'web' }],
    })
    const td = first.taskDefinition
    expect(td).toMatchObject({
      taskDefinitionArn: `${ARN}:task-definition/web:1`,
      family: 'web',
      revision: 1,
      status: 'ACTIVE',
      networkMode: 'awsvpc',
      compatibilities: ['EC2', 'FARGATE'],
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      registeredAt: T0 / 1000,
      registeredBy: 'arn:aws:iam::123456789012:root',
      containerDefinitions: [
        { name: 'app', essential: true, cpu: 0, environment: [], mountPoints: [], volumesFrom: [], portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }] },
      ],
    })
    const attrs = td.requiresAttributes.map((a: { name: string }) => a.name)
    expect(attrs).toEqual(
      expect.arrayContaining([
        'com.amazonaws.ecs.capability.logging-driver.awslogs',
        'ecs.capability.execution-role-awslogs',
        'ecs.capability.task-eni',
        'com.amazonaws.ecs.capability.ecr-auth',
        'com.amazonaws.ecs.capability.task-iam-role',
      ]),
    )
    expect(first.tags).toEqual([{ key: 'app', value: 'web' }])
    expect(registerWeb(h, 'v2')).toBe(`${ARN}:task-definition/web:2`)
    const ec2 = h.call('RegisterTaskDefinition', { family: 'worker', containerDefinitions: [{ name: 'w', image: 'busybox', memory: 128 }] }).taskDefinition
    expect(ec2).toMatchObject({ revision: 1, networkMode: 'bridge', compatibilities: ['EXTERNAL', 'EC2'] })

    expect(h.call('DescribeTaskDefinition', { taskDefinition: 'web' }).taskDefinition.revision).toBe(2)
    expect(h.call('DescribeTaskDefinition', { taskDefinition: 'web:1' }).tags).toBeUndefined()
    expect(h.call('DescribeTaskDefinition', { taskDefinition: `${ARN}:task-definition/web:1`, include: ['TAGS'] }).tags).toEqual([{ key: 'app', value: 'web' }])
    expect(h.callError('DescribeTaskDefinition', { taskDefinition: 'web:9' })).toMatchObject({ code: 'ClientException', message: 'Unable to describe task definition.' })

    const dereg = h.call('DeregisterTaskDefinition', { taskDefinition: 'web:2' }).taskDefinition
    expect(dereg).toMatchObject({ status: 'INACTIVE', deregisteredAt: T0 / 1000 })
    expect(h.call('DescribeTaskDefinition', { taskDefinition: 'web' }).taskDefinition.revision).toBe(1)
    expect(h.call('ListTaskDefinitions', {}).taskDefinitionArns).toEqual([`${ARN}:task-definition/web:1`, `${ARN}:task-definition/worker:1`])
    expect(h.call('ListTaskDefinitions', { familyPrefix: 'web', status: 'INACTIVE' }).taskDefinitionArns).toEqual([`${ARN}:task-definition/web:2`])
    const page = h.call('ListTaskDefinitions', { sort: 'DESC', maxResults: 1 })
    expect(page.taskDefinitionArns).toEqual([`${ARN}:task-definition/worker:1`])
    expect(h.call('ListTaskDefinitions', { sort: 'DESC', nextToken: page.nextToken }).taskDefinitionArns).toEqual([`${ARN}:task-definition/web:1`])
  })

  it.each([
    [{ containerDefinitions: [{ name: 'a', image: 'x', memory: 128 }] }, 'InvalidParameterException', /family/],
    [{ family: 'web' }, 'InvalidParameterException', /Value null at 'containerDefinitions' failed to satisfy constraint: Member must not be null/],
    [{ family: 'web', containerDefinitions: [{ name: 'a', memory: 128 }] }, 'ClientException', /image/],
    [{ family: 'web', containerDefinitions: [{ name: 'a', image: 'x' }] }, 'ClientException', /memory/],
    [{ family: 'web', networkMode: 'nat', containerDefinitions: [{ name: 'a', image: 'x', memory: 128 }] }, 'InvalidParameterException', /networkMode/],
    [
      { family: 'web', requiresCompatibilities: ['FARGATE'], networkMode: 'bridge', cpu: '256', memory: '512', containerDefinitions: [{ name: 'a', image: 'x' }] },
      'ClientException',
      /awsvpc/,
    ],
    [
      { family: 'web', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '4096', containerDefinitions: [{ name: 'a', image: 'x' }] },
      'ClientException',
      /No Fargate configuration exists/,
    ],
    [
      {
        family: 'web',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'a', image: 'x', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } } }],
      },
      'ClientException',
      /execution role/,
    ],
    [{ family: 'bad family', containerDefinitions: [{ name: 'a', image: 'x', memory: 128 }] }, 'ClientException', /Family/],
  ])('RegisterTaskDefinition %j → %s', (input, code, message) => {
    const e = ecsHarness().callError('RegisterTaskDefinition', input)
    expect(e.code).toBe(code)
    expect(e.message).toMatch(message)
  })
})

describe('ECS sandbox: services and tasks', () => {
  it('DescribeServices returns failures MISSING for unknown services and tags with include TAGS', () => {
    const h = ecsHarness()
    steadyService(h, 1, {}, { tags: [{ key: 'env', value: 'prod' }] })
    const res = h.call('DescribeServices', { cluster: 'prod', services: ['web', 'ghost', `${ARN}:service/prod/web`], include: ['TAGS'] })
    expect(res.services).toHaveLength(2)
    expect(res.services[0].tags).toEqual([{ key: 'env', value: 'prod' }])
    expect(res.failures).toEqual([{ arn: `${ARN}:service/prod/ghost`, reason: 'MISSING' }])
    expect(service(h).tags).toBeUndefined()
    expect(service(h).currentServiceRevisions).toEqual([expect.objectContaining({ requestedTaskCount: 1, runningTaskCount: 1, pendingTaskCount: 0 })])
    expect(h.callError('DescribeServices', { cluster: 'prod', services: [] }).code).toBe('InvalidParameterException')
    expect(h.callError('DescribeServices', { cluster: 'prod', services: Array(11).fill('web') }).code).toBe('InvalidParameterException')
    expect(h.callError('DescribeServices', { cluster: 'nope', services: ['web'] })).toMatchObject({ code: 'ClusterNotFoundException', message: 'Cluster not found.' })
  })

  it('CreateService and UpdateService validate like ECS', () => {
    const h = ecsHarness()
    const td = steadyService(h, 1)
    const base = { cluster: 'prod', serviceName: 'api', taskDefinition: td, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK }
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, serviceName: undefined }, 'InvalidParameterException', /serviceName/],
      [{ ...base, cluster: 'nope' }, 'ClusterNotFoundException', /Cluster not found/],
      [{ ...base, taskDefinition: 'nope:1' }, 'ClientException', /TaskDefinition not found/],
      [{ ...base, launchType: 'SPOT' }, 'InvalidParameterException', /launchType/],
      [{ ...base, desiredCount: -1 }, 'InvalidParameterException', /desiredCount/],
      // A string where the model has an integer fails deserialization, before any check of ECS's own.
      [{ ...base, desiredCount: 'two' }, 'SerializationException', /STRING_VALUE cannot be converted to Integer/],
      [{ ...base, networkConfiguration: undefined }, 'InvalidParameterException', /Network Configuration/],
      [{ ...base, deploymentConfiguration: { minimumHealthyPercent: 150 } }, 'InvalidParameterException', /minimumHealthyPercent/],
      [{ ...base, deploymentConfiguration: { maximumPercent: 50 } }, 'InvalidParameterException', /maximumPercent/],
      [{ ...base, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true } } }, 'InvalidParameterException', /rollback/],
      [
        { ...base, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true, thresholdConfiguration: { type: 'PERCENT', value: 5 } } } },
        'InvalidParameterException',
        /type/,
      ],
      [
        { ...base, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true, thresholdConfiguration: { type: 'COUNT', value: 0 } } } },
        'InvalidParameterException',
        /between 1 and 200/,
      ],
      [{ ...base, deploymentConfiguration: { strategy: 'BLUE_GREEN' } }, 'InvalidParameterException', /bakeTimeInMinutes must be specified/],
      [
        { ...base, deploymentController: { type: 'CODE_DEPLOY' } },
        'InvalidParameterException',
        /targetGroupArn is required for a service with a CODE_DEPLOY deployment controller/,
      ],
      [{ ...base, deploymentController: { type: 'EXTERNAL' } }, 'InvalidParameterException', /EXTERNAL is not emulated/],
      [{ ...base, serviceName: 'web' }, 'InvalidParameterException', /not idempotent/],
      [
        {
          ...base,
          launchType: undefined,
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
          platformVersion: '1.4.0',
          deploymentConfiguration: { alarms: { alarmNames: ['a'] } },
        },
        'InvalidParameterException',
        /alarms/,
      ],
    ]
    for (const [input, code, message] of cases) {
      const e = h.callError('CreateService', input)
      expect([JSON.stringify(input), e.code]).toEqual([JSON.stringify(input), code])
      expect(e.message).toMatch(message)
    }
    expect(h.callError('UpdateService', { cluster: 'prod', service: 'ghost', desiredCount: 1 })).toMatchObject({ code: 'ServiceNotFoundException' })
    for (const strategy of ['BLUE_GREEN', 'LINEAR', 'CANARY']) {
      const e = h.callError('UpdateService', { cluster: 'prod', service: 'web', deploymentConfiguration: { strategy, bakeTimeInMinutes: 5 } })
      expect([e.code, e.message]).toEqual([
        'InvalidParameterException',
        expect.stringContaining(`The ${strategy} deployment strategy requires a load balancer with advancedConfiguration`),
      ])
    }
    h.call('DeregisterTaskDefinition', { taskDefinition: td })
    expect(h.callError('UpdateService', { cluster: 'prod', service: 'web', taskDefinition: td }).code).toBe('ClientException')
    // The deregistered definition keeps running and the service can still be scaled.
    expect(h.call('UpdateService', { cluster: 'prod', service: 'web', desiredCount: 2 }).service.taskDefinition).toBe(td)
  })

  it('UpdateService keeps deployment configuration members that are not given and reports thresholds', () => {
    const h = ecsHarness()
    steadyService(h, 2, { maximumPercent: 150 })
    h.images.push('web:v2')
    const res = h.call('UpdateService', {
      cluster: 'prod',
      service: 'web',
      taskDefinition: registerWeb(h, 'v2'),
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 50 },
    }).service
    expect(res.deploymentConfiguration).toEqual({
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 150,
      minimumHealthyPercent: 50,
      alarms: { alarmNames: [], enable: false, rollback: false },
      strategy: 'ROLLING',
    })
    const sd = h.call('DescribeServiceDeployments', { serviceDeploymentArns: [res.currentServiceDeployment, `${ARN}:service-deployment/prod/web/nope`] })
    expect(sd.serviceDeployments[0]).toMatchObject({ status: 'PENDING', deploymentCircuitBreaker: { status: 'MONITORING', threshold: 3 }, alarms: { status: 'DISABLED' } })
    expect(sd.serviceDeployments[0].targetServiceRevision.arn).toMatch(new RegExp(`^${ARN}:service-revision/prod/web/\\d{19}$`))
    expect(sd.failures).toEqual([{ arn: `${ARN}:service-deployment/prod/web/nope`, reason: 'MISSING' }])
    const list = h.call('ListServiceDeployments', { cluster: 'prod', service: 'web' }).serviceDeployments
    expect(list.map((x: { status: string }) => x.status)).toEqual(['PENDING', 'SUCCESSFUL'])
    expect(h.call('ListServiceDeployments', { cluster: 'prod', service: 'web', status: ['SUCCESSFUL'] }).serviceDeployments).toHaveLength(1)
    expect(h.call('DescribeServiceRevisions', { serviceRevisionArns: [`${ARN}:service-revision/prod/web/1`] }).failures).toEqual([
      { arn: `${ARN}:service-revision/prod/web/1`, reason: 'MISSING' },
    ])
  })

  it('ListTasks filters, DescribeTasks reports MISSING, StopTask stops and the service replaces the task', () => {
    const h = ecsHarness()
    steadyService(h, 2)
    const deploymentId = service(h).deployments[0].id
    const all = h.call('ListTasks', { cluster: 'prod' }).taskArns
    expect(all).toHaveLength(2)
    expect(h.call('ListTasks', { cluster: 'prod', startedBy: deploymentId }).taskArns).toHaveLength(2)
    expect(h.call('ListTasks', { cluster: 'prod', startedBy: 'someone' }).taskArns).toHaveLength(0)
    expect(h.call('ListTasks', { cluster: 'prod', family: 'web' }).taskArns).toHaveLength(2)
    expect(h.call('ListTasks', { cluster: 'prod', family: 'other' }).taskArns).toHaveLength(0)
    expect(h.call('ListTasks', { cluster: 'prod', desiredStatus: 'STOPPED' }).taskArns).toHaveLength(0)
    expect(h.callError('ListTasks', { cluster: 'prod', serviceName: 'ghost' }).code).toBe('ServiceNotFoundException')
    expect(h.callError('ListTasks', { cluster: 'prod', desiredStatus: 'DONE' }).code).toBe('InvalidParameterException')

    const id = all[0].split('/').pop()
    const described = h.call('DescribeTasks', { cluster: 'prod', tasks: [id, 'f'.repeat(32)] })
    expect(described.tasks[0].taskArn).toBe(all[0])
    expect(described.failures).toEqual([{ arn: `${ARN}:task/prod/${'f'.repeat(32)}`, reason: 'MISSING' }])

    const stopped = h.call('StopTask', { cluster: 'prod', task: all[0], reason: 'debugging' }).task
    expect(stopped).toMatchObject({ desiredStatus: 'STOPPED', lastStatus: 'DEACTIVATING', stopCode: 'UserInitiated', stoppedReason: 'debugging' })
    h.advance(20)
    expect(tasksOf(h, 'STOPPED').map((t) => [t.taskArn, t.lastStatus])).toEqual([[all[0], 'STOPPED']])
    expect(tasksOf(h)).toHaveLength(2)
    expect(service(h).deployments[0]).toMatchObject({ id: deploymentId, failedTasks: 0, rolloutState: 'COMPLETED' })
    expect(h.callError('StopTask', { cluster: 'prod', task: 'nope' }).code).toBe('InvalidParameterException')
    // Stopped tasks stay visible for an hour.
    h.advance(3600)
    expect(h.call('DescribeTasks', { cluster: 'prod', tasks: [all[0]] }).failures).toHaveLength(1)
  })

  it('TagResource and ListTagsForResource work on clusters, services, task definitions and tasks', () => {
    const h = ecsHarness()
    const td = steadyService(h, 1)
    const task = h.call('ListTasks', { cluster: 'prod' }).taskArns[0]
    for (const arn of [`${ARN}:cluster/prod`, `${ARN}:service/prod/web`, td, task]) {
      expect(h.call('TagResource', { resourceArn: arn, tags: [{ key: 'k', value: '1' }] })).toEqual({})
      h.call('TagResource', {
        resourceArn: arn,
        tags: [
          { key: 'k', value: '2' },
          { key: 'j', value: 'x' },
        ],
      })
      expect(h.call('ListTagsForResource', { resourceArn: arn }).tags).toEqual([
        { key: 'k', value: '2' },
        { key: 'j', value: 'x' },
      ])
    }
    expect(h.call('DescribeServices', { cluster: 'prod', services: ['web'], include: ['TAGS'] }).services[0].tags).toHaveLength(2)
    expect(h.callError('ListTagsForResource', { resourceArn: `${ARN}:service/prod/ghost` }).code).toBe('InvalidParameterException')
    expect(h.callError('TagResource', { resourceArn: `${ARN}:cluster/prod` }).code).toBe('InvalidParameterException')
  })

  it('EC2 launch type services run like Fargate ones (no container instances)', () => {
    const h = ecsHarness()
    h.call('CreateCluster', { clusterName: 'prod' })
    const td = h.call('RegisterTaskDefinition', { family: 'worker', containerDefinitions: [{ name: 'w', image: 'public.ecr.aws/docker/library/busybox:1', memory: 128 }] })
      .taskDefinition.taskDefinitionArn
    const s = h.call('CreateService', { cluster: 'prod', serviceName: 'worker', taskDefinition: td, desiredCount: 1 }).service
    expect(s.launchType).toBe('EC2')
    expect(s.platformVersion).toBeUndefined()
    h.advance(20)
    expect(service(h, 'worker')).toMatchObject({ runningCount: 1, deployments: [{ rolloutState: 'COMPLETED', launchType: 'EC2' }] })
    expect(h.callError('CreateService', { cluster: 'prod', serviceName: 'w2', taskDefinition: td, desiredCount: 1, launchType: 'FARGATE' }).message).toBe(
      'Task definition does not support launch_type FARGATE.',
    )
  })

  it('keeps the 100 newest service events, newest first', () => {
    const h = ecsHarness()
    steadyService(h, 1)
    for (let i = 0; i < 120; i++) {
      h.call('StopTask', { cluster: 'prod', task: h.call('ListTasks', { cluster: 'prod' }).taskArns[0] })
      h.advance(1)
    }
    const events = service(h).events as { createdAt: number; message: string }[]
    expect(events).toHaveLength(100)
    expect(events.every((e, i) => i === 0 || e.createdAt <= events[i - 1]!.createdAt)).toBe(true)
    expect(events.some((e) => e.message.includes('deployment completed'))).toBe(false)
  })

  it('reset drops all state', () => {
    const h = ecsHarness()
    steadyService(h, 1)
    h.ecs.reset!()
    expect(h.callError('DescribeServices', { cluster: 'prod', services: ['web'] }).code).toBe('ClusterNotFoundException')
    expect(h.ecs.has('DescribeServices')).toBe(true)
    expect(h.ecs.has('PutAccountSetting')).toBe(false)
    expect(h.ecs.mutatingOperations.has('UpdateService')).toBe(true)
    expect(h.ecs.mutatingOperations.has('DescribeServices')).toBe(false)
  })
})
