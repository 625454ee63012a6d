// Rolling deployments of healthy images: task lifecycle, counts, events, min/max percent at every step.
import { describe, expect, it } from '@jest/globals'
import { ecsHarness, ECR_HOST, messages, NETWORK, registerWeb, service, steadyService, T0, tasksOf } from './helpers/sandbox-fakes.js'

describe('ECS sandbox: healthy rollouts', () => {
  it('CreateService starts the first deployment from nothing and completes it in about 18 simulated seconds', () => {
    const h = ecsHarness()
    h.images.push('web:v1')
    h.call('CreateCluster', { clusterName: 'prod' })
    const td = registerWeb(h, 'v1')
    const created = h.call('CreateService', {
      cluster: 'prod',
      serviceName: 'web',
      taskDefinition: td,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: NETWORK,
    }).service
    expect(created.deployments).toHaveLength(1)
    const d = created.deployments[0]
    expect(d.id).toMatch(/^ecs-svc\/\d{19}$/)
    expect(d).toMatchObject({ status: 'PRIMARY', rolloutState: 'IN_PROGRESS', rolloutStateReason: `ECS deployment ${d.id} in progress.`, desiredCount: 2, runningCount: 0 })
    expect(created.currentServiceDeployment).toMatch(/^arn:aws:ecs:us-east-1:123456789012:service-deployment\/prod\/web\/[A-Za-z0-9_-]{21}$/)
    expect(created).toMatchObject({
      serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/prod/web',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false }, maximumPercent: 200, minimumHealthyPercent: 100, strategy: 'ROLLING' },
    })

    const seconds = h.advanceUntil(() => service(h).deployments[0].rolloutState === 'COMPLETED')
    // The scheduler's first step launches (1 s), 12 s to RUNNING, then 5 s of holding steady.
    expect(seconds).toBe(18)
    const s = service(h)
    expect(s).toMatchObject({ runningCount: 2, pendingCount: 0, desiredCount: 2 })
    expect(s.deployments[0]).toMatchObject({ rolloutState: 'COMPLETED', rolloutStateReason: `ECS deployment ${d.id} completed.`, runningCount: 2, failedTasks: 0 })
    const msgs = messages(h)
    expect(msgs[0]).toBe('(service web) has reached a steady state.')
    expect(msgs[1]).toBe(`(service web) (deployment ${d.id}) deployment completed.`)
    expect(msgs[2]).toMatch(/^\(service web\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/)
    const sd = h.call('DescribeServiceDeployments', { serviceDeploymentArns: [created.currentServiceDeployment] }).serviceDeployments[0]
    expect(sd).toMatchObject({ status: 'SUCCESSFUL', sourceServiceRevisions: [], targetServiceRevision: { requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 } })
    expect(h.transitions.filter((t) => t.kind === 'deployment').map((t) => t.state)).toEqual(['IN_PROGRESS', 'COMPLETED'])
    expect(h.transitions.filter((t) => t.kind === 'service-deployment').map((t) => t.state)).toEqual(['PENDING', 'IN_PROGRESS', 'SUCCESSFUL'])
  })

  it('walks each task through PROVISIONING, PENDING, ACTIVATING and RUNNING with ECS task fields', () => {
    const h = ecsHarness()
    h.images.push('web:v1')
    h.call('CreateCluster', { clusterName: 'prod' })
    const td = registerWeb(h, 'v1')
    h.call('CreateService', { cluster: 'prod', serviceName: 'web', taskDefinition: td, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK })
    h.advance(1)
    const seen: string[] = []
    h.advanceUntil(() => {
      const st = tasksOf(h)[0].lastStatus
      if (seen.at(-1) !== st) seen.push(st)
      return st === 'RUNNING'
    })
    expect(seen).toEqual(['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'])
    const t = tasksOf(h)[0]
    const deploymentId = service(h).deployments[0].id
    expect(t.taskArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/prod\/[0-9a-f]{32}$/)
    expect(t).toMatchObject({
      taskDefinitionArn: td,
      desiredStatus: 'RUNNING',
      launchType: 'FARGATE',
      startedBy: deploymentId,
      group: 'service:web',
      cpu: '256',
      memory: '512',
      healthStatus: 'UNKNOWN',
      platformVersion: '1.4.0',
    })
    expect(t.startedAt - t.createdAt).toBe(12)
    expect(t.pullStoppedAt - t.pullStartedAt).toBe(6)
    expect(t.containers[0]).toMatchObject({ name: 'app', image: `${ECR_HOST}/web:v1`, lastStatus: 'RUNNING', imageDigest: h.images.images.get(`${ECR_HOST}/web:v1`) })
  })

  it('replaces tasks within minimumHealthyPercent 100 / maximumPercent 200 and drains the old deployment', () => {
    const h = ecsHarness()
    steadyService(h, 4)
    const oldId = service(h).deployments[0].id
    h.images.push('web:v2')
    const td2 = registerWeb(h, 'v2')
    const updated = h.call('UpdateService', { cluster: 'prod', service: 'web', taskDefinition: td2 }).service
    expect(updated.deployments.map((d: { status: string }) => d.status)).toEqual(['PRIMARY', 'ACTIVE'])
    expect(updated.deployments[1].id).toBe(oldId)
    expect(updated.taskDefinition).toBe(td2)

    let sawBoth = false
    h.advanceUntil(
      () => service(h).deployments[0].rolloutState === 'COMPLETED',
      300,
      () => {
        const alive = tasksOf(h)
        const healthy = alive.filter((t) => t.lastStatus === 'RUNNING')
        expect(alive.length).toBeLessThanOrEqual(8)
        expect(healthy.length).toBeGreaterThanOrEqual(4)
        const s = service(h)
        if (s.deployments.length === 2) {
          sawBoth = true
          const [primary, active] = s.deployments
          expect(primary.runningCount + active.runningCount).toBe(s.runningCount)
        }
      },
    )
    expect(sawBoth).toBe(true)
    const s = service(h)
    expect(s.deployments).toHaveLength(1)
    expect(s.deployments[0]).toMatchObject({ taskDefinition: td2, runningCount: 4, status: 'PRIMARY' })
    const stopped = tasksOf(h, 'STOPPED')
    expect(stopped).toHaveLength(4)
    for (const t of stopped) {
      expect(t).toMatchObject({
        lastStatus: 'STOPPED',
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${s.deployments[0].id})`,
        startedBy: oldId,
      })
      expect(t.stoppedAt - t.stoppingAt).toBe(15)
    }
    expect(messages(h).some((m) => /^\(service web\) has stopped 4 running tasks: (\(task [0-9a-f]{32}\) ?){4}\.$/.test(m))).toBe(true)
  })

  it.each([
    [50, 100, 4],
    [0, 100, 3],
    [100, 150, 4],
    [50, 200, 6],
  ])('never goes below %i%% healthy or above %i%% alive (desired %i)', (min, max, desired) => {
    const h = ecsHarness()
    steadyService(h, desired, { minimumHealthyPercent: min, maximumPercent: max })
    h.images.push('web:v2')
    h.call('UpdateService', { cluster: 'prod', service: 'web', taskDefinition: registerWeb(h, 'v2') })
    let peak = 0
    let trough = desired
    h.advanceUntil(
      () => service(h).deployments[0].rolloutState === 'COMPLETED',
      600,
      () => {
        const alive = tasksOf(h)
        peak = Math.max(peak, alive.length)
        trough = Math.min(trough, alive.filter((t) => t.lastStatus === 'RUNNING').length)
      },
    )
    expect(peak).toBeLessThanOrEqual(Math.floor((desired * max) / 100))
    expect(trough).toBeGreaterThanOrEqual(Math.ceil((desired * min) / 100))
    // The limits are used, not merely respected: old tasks above the floor stop first, new ones fill the room.
    expect(peak).toBe(Math.min(Math.floor((desired * max) / 100), desired + Math.ceil((desired * min) / 100)))
    expect(service(h)).toMatchObject({ runningCount: desired, deployments: [{ runningCount: desired }] })
  })

  it('waits for container health checks before counting a task healthy', () => {
    const h = ecsHarness()
    h.images.push('web:v1')
    h.call('CreateCluster', { clusterName: 'prod' })
    const td = registerWeb(h, 'v1', {}, { healthCheck: { command: ['CMD', 'true'], interval: 10, retries: 3, startPeriod: 0 } })
    expect(h.call('DescribeTaskDefinition', { taskDefinition: td }).taskDefinition.containerDefinitions[0].healthCheck).toEqual({
      command: ['CMD', 'true'],
      interval: 10,
      timeout: 5,
      retries: 3,
      startPeriod: 0,
    })
    h.call('CreateService', { cluster: 'prod', serviceName: 'web', taskDefinition: td, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK })
    h.advance(13)
    expect(tasksOf(h)[0]).toMatchObject({ lastStatus: 'RUNNING', healthStatus: 'UNKNOWN' })
    h.advance(10)
    expect(tasksOf(h)[0]).toMatchObject({ healthStatus: 'HEALTHY', containers: [{ healthStatus: 'HEALTHY' }] })
    expect(service(h).deployments[0].rolloutState).toBe('IN_PROGRESS')
    h.advance(5)
    expect(service(h).deployments[0].rolloutState).toBe('COMPLETED')
  })

  it('slow-start images take their extra seconds to reach RUNNING', () => {
    const h = ecsHarness()
    h.images.push('web:v1')
    h.behaviors.set(`${ECR_HOST}/web:v1`, { kind: 'slow-start', seconds: 20 })
    h.call('CreateCluster', { clusterName: 'prod' })
    const td = registerWeb(h, 'v1')
    h.call('CreateService', { cluster: 'prod', serviceName: 'web', taskDefinition: td, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK })
    const seconds = h.advanceUntil(() => service(h).deployments[0].rolloutState === 'COMPLETED')
    expect(seconds).toBe(38)
  })

  it('writes awslogs lines to <prefix>/<container>/<task-id> at simulated times', () => {
    const h = ecsHarness()
    h.images.push('web:v1')
    h.logs.createGroup('/ecs/web')
    h.behaviors.set(`${ECR_HOST}/web:v1`, { kind: 'healthy', logLines: ['listening on 8080', 'ready'] })
    h.call('CreateCluster', { clusterName: 'prod' })
    const td = registerWeb(
      h,
      'v1',
      {},
      {
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web' } },
      },
    )
    h.call('CreateService', { cluster: 'prod', serviceName: 'web', taskDefinition: td, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK })
    h.advance(15)
    const task = tasksOf(h)[0]
    const id = task.taskArn.split('/').pop()
    const events = h.logs.groups.get('/ecs/web')!.get(`web/app/${id}`)!
    expect(events.map((e) => e.message)).toEqual(['listening on 8080', 'ready'])
    expect(events[0]!.timestamp).toBe(task.startedAt * 1000)
    expect(events[0]!.timestamp).toBeGreaterThan(T0)
  })

  it('a missing log group without awslogs-create-group fails the task to start', () => {
    const h = ecsHarness()
    h.images.push('web:v1')
    h.call('CreateCluster', { clusterName: 'prod' })
    const td = registerWeb(h, 'v1', {}, { logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/nope', 'awslogs-stream-prefix': 'web' } } })
    h.call('CreateService', { cluster: 'prod', serviceName: 'web', taskDefinition: td, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK })
    h.advance(15)
    const [t] = tasksOf(h, 'STOPPED')
    expect(t).toMatchObject({
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'ResourceInitializationError: failed to validate logger args: The specified log group does not exist.',
    })
  })

  it('scales with desiredCount alone without a new deployment', () => {
    const h = ecsHarness()
    steadyService(h, 2)
    const id = service(h).deployments[0].id
    const res = h.call('UpdateService', { cluster: 'prod', service: 'web', desiredCount: 3 }).service
    expect(res.deployments).toHaveLength(1)
    expect(res.deployments[0]).toMatchObject({ id, desiredCount: 3 })
    h.advance(13)
    expect(service(h)).toMatchObject({ runningCount: 3, deployments: [{ id, runningCount: 3 }] })
    h.call('UpdateService', { cluster: 'prod', service: 'web', desiredCount: 1 })
    h.advance(20)
    expect(service(h)).toMatchObject({ runningCount: 1 })
    expect(tasksOf(h, 'STOPPED')).toHaveLength(2)
  })

  it('forceNewDeployment starts a new deployment of the same task definition', () => {
    const h = ecsHarness()
    const td = steadyService(h, 1)
    const before = service(h)
    const res = h.call('UpdateService', { cluster: 'prod', service: 'web', forceNewDeployment: true }).service
    expect(res.deployments).toHaveLength(2)
    expect(res.deployments[0].taskDefinition).toBe(td)
    expect(res.currentServiceDeployment).not.toBe(before.currentServiceDeployment)
    h.advanceUntil(() => service(h).deployments.length === 1 && service(h).deployments[0].rolloutState === 'COMPLETED')
  })

  it('DeleteService drains the tasks and the service goes INACTIVE', () => {
    const h = ecsHarness()
    steadyService(h, 2)
    expect(h.callError('DeleteService', { cluster: 'prod', service: 'web' }).code).toBe('InvalidParameterException')
    expect(h.call('DeleteService', { cluster: 'prod', service: 'web', force: true }).service.status).toBe('DRAINING')
    h.advance(20)
    expect(service(h).status).toBe('INACTIVE')
    expect(tasksOf(h)).toHaveLength(0)
    expect(h.callError('UpdateService', { cluster: 'prod', service: 'web', desiredCount: 1 }).code).toBe('ServiceNotActiveException')
  })
})
