// The deployment circuit breaker: threshold, failure causes, rollback to the last COMPLETED deployment,
// and the stall when there is nothing to roll back to.
import { describe, expect, it } from '@jest/globals'
import { breakerThreshold } from '../sandbox/ecs/breaker.js'
import { ECR_HOST, ecsHarness, type EcsHarness, messages, NETWORK, registerWeb, service, steadyService, tasksOf } from './helpers/sandbox-fakes.js'

const BREAKER = { deploymentCircuitBreaker: { enable: true, rollback: true } }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function serviceDeployment(h: EcsHarness, arn: string): any {
  return h.call('DescribeServiceDeployments', { serviceDeploymentArns: [arn] }).serviceDeployments[0]
}

/** Deploy `web:v2` (registered, pushed unless `push` is false) over a steady v1 service. */
function deployV2(h: EcsHarness, push = true, container = {}) {
  if (push) h.images.push('web:v2')
  const td2 = registerWeb(h, 'v2', {}, container)
  const res = h.call('UpdateService', { cluster: 'prod', service: 'web', taskDefinition: td2 }).service
  return { td2, deploymentId: res.deployments[0].id as string, sdArn: res.currentServiceDeployment as string }
}

describe('ECS sandbox: circuit breaker threshold', () => {
  it.each([
    [1, 3],
    [6, 3],
    [20, 10],
    [25, 13],
    [500, 200],
  ])('desired %i → threshold %i', (desired, threshold) => {
    expect(breakerThreshold({ enable: true, rollback: true }, desired)).toBe(threshold)
  })

  it.each<[{ type: 'COUNT' | 'BOUNDED_PERCENT' | 'UNBOUNDED_PERCENT'; value: number }, number, number]>([
    [{ type: 'COUNT', value: 7 }, 100, 7],
    [{ type: 'BOUNDED_PERCENT', value: 10 }, 10, 3],
    [{ type: 'BOUNDED_PERCENT', value: 25 }, 100, 25],
    [{ type: 'BOUNDED_PERCENT', value: 100 }, 1000, 200],
    [{ type: 'UNBOUNDED_PERCENT', value: 10 }, 10, 1],
    [{ type: 'UNBOUNDED_PERCENT', value: 100 }, 1000, 1000],
  ])('thresholdConfiguration %j at desired %i → %i', (thresholdConfiguration, desired, threshold) => {
    expect(breakerThreshold({ enable: true, rollback: true, thresholdConfiguration }, desired)).toBe(threshold)
  })

  it('the service deployment reports the threshold it uses, from the desired count and thresholdConfiguration', () => {
    for (const [desired, cfg, expected] of [
      [20, {}, 10],
      [1, {}, 3],
      [4, { thresholdConfiguration: { type: 'COUNT', value: 2 } }, 2],
    ] as const) {
      const h = ecsHarness()
      steadyService(h, desired, { deploymentCircuitBreaker: { enable: true, rollback: true, ...cfg } })
      const { sdArn } = deployV2(h)
      expect(serviceDeployment(h, sdArn).deploymentCircuitBreaker).toEqual({ status: 'MONITORING', failureCount: 0, threshold: expected })
    }
  })

  it('a COUNT threshold of 1 trips on the first failure', () => {
    const h = ecsHarness()
    steadyService(h, 4, { deploymentCircuitBreaker: { enable: true, rollback: true, thresholdConfiguration: { type: 'COUNT', value: 1 } } })
    const { deploymentId } = deployV2(h, false)
    h.advanceUntil(() => service(h).deployments.some((d: { id: string; rolloutState: string }) => d.id === deploymentId && d.rolloutState === 'FAILED'), 60)
    const failed = service(h).deployments.find((d: { id: string }) => d.id === deploymentId)
    expect(failed.failedTasks).toBeGreaterThanOrEqual(1)
  })
})

describe('ECS sandbox: failures and rollback', () => {
  it('a crashing release trips the breaker and rolls back to the last COMPLETED deployment', () => {
    const h = ecsHarness()
    const td1 = steadyService(h, 2, BREAKER)
    const completedId = service(h).deployments[0].id
    h.behaviors.set(`${ECR_HOST}/web:v2`, { kind: 'crash', exitCode: 3, afterSeconds: 5 })
    const { td2, deploymentId, sdArn } = deployV2(h)

    h.advanceUntil(() => service(h).deployments[0].id !== deploymentId, 300)
    let s = service(h)
    const rollback = s.deployments[0]
    const failed = s.deployments.find((d: { id: string }) => d.id === deploymentId)
    expect(rollback.id).toMatch(/^ecs-svc\/\d{19}$/)
    expect(rollback.id).not.toBe(completedId)
    expect(rollback).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: td1,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${completedId}.`,
    })
    expect(failed).toMatchObject({ status: 'ACTIVE', taskDefinition: td2, rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.' })
    // Both tasks crash in the same second, so the count can pass the threshold of 3.
    expect(failed.failedTasks).toBeGreaterThanOrEqual(3)
    expect(s.taskDefinition).toBe(td1)
    expect(s.currentServiceDeployment).toBe(sdArn)
    const msgs = messages(h)
    const rollingBack = msgs.indexOf(`(service web) rolling back to deployment ${completedId}.`)
    const failedAt = msgs.indexOf(`(service web) (deployment ${deploymentId}) deployment failed: tasks failed to start.`)
    expect(rollingBack).toBeGreaterThanOrEqual(0)
    // Newest first: the failure, then the rollback, then the rollback's tasks starting.
    expect(failedAt).toBe(rollingBack + 1)
    expect(msgs.slice(0, rollingBack).every((m) => m.startsWith('(service web) has started'))).toBe(true)
    expect(serviceDeployment(h, sdArn)).toMatchObject({ status: 'ROLLBACK_IN_PROGRESS', statusReason: 'ECS deployment circuit breaker: tasks failed to start.' })

    h.advanceUntil(() => service(h).deployments[0].rolloutState === 'COMPLETED', 120)
    s = service(h)
    expect(s.deployments).toHaveLength(1)
    expect(s.deployments[0]).toMatchObject({ id: rollback.id, taskDefinition: td1, runningCount: 2 })
    const sd = serviceDeployment(h, sdArn)
    expect(sd).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      rollback: { reason: 'ECS deployment circuit breaker: tasks failed to start.', serviceRevisionArn: sd.sourceServiceRevisions[0].arn },
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: failed.failedTasks, threshold: 3 },
      targetServiceRevision: { requestedTaskCount: 0, runningTaskCount: 0 },
    })
    expect(typeof sd.finishedAt).toBe('number')
    expect(messages(h)[0]).toBe('(service web) has reached a steady state.')
    expect(messages(h)[1]).toBe(`(service web) (deployment ${rollback.id}) deployment completed.`)

    const crashed = tasksOf(h, 'STOPPED').filter((t) => t.startedBy === deploymentId)
    expect(crashed.length).toBeGreaterThanOrEqual(3)
    expect(crashed[0]).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      taskDefinitionArn: td2,
      containers: [{ name: 'app', exitCode: 3, lastStatus: 'STOPPED' }],
    })
    expect(h.transitions.filter((t) => t.id === deploymentId).map((t) => t.state)).toEqual(['IN_PROGRESS', 'FAILED'])
    expect(h.transitions.filter((t) => t.id === sdArn).map((t) => t.state)).toEqual(['PENDING', 'IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL'])
    const rev = h.call('DescribeServiceRevisions', { serviceRevisionArns: [sd.targetServiceRevision.arn] }).serviceRevisions[0]
    expect(rev).toMatchObject({
      taskDefinition: td2,
      containerImages: [{ containerName: 'app', image: `${ECR_HOST}/web:v2`, imageDigest: h.images.images.get(`${ECR_HOST}/web:v2`) }],
    })
  })

  it('with no COMPLETED deployment the failed deployment stays PRIMARY and stalls', () => {
    const h = ecsHarness()
    h.images.push('web:v1')
    h.behaviors.set(`${ECR_HOST}/web:v1`, { kind: 'crash' })
    h.call('CreateCluster', { clusterName: 'prod' })
    const td = registerWeb(h, 'v1')
    const created = h.call('CreateService', {
      cluster: 'prod',
      serviceName: 'web',
      taskDefinition: td,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: NETWORK,
      deploymentConfiguration: BREAKER,
    }).service
    h.advanceUntil(() => service(h).deployments[0].rolloutState === 'FAILED', 300)
    const tasksAtFailure = h.call('ListTasks', { cluster: 'prod', desiredStatus: 'STOPPED' }).taskArns.length
    h.advance(120)
    const s = service(h)
    expect(s.deployments).toHaveLength(1)
    expect(s.deployments[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'FAILED', runningCount: 0, taskDefinition: td })
    expect(tasksOf(h)).toHaveLength(0)
    // Nothing more is launched after the failure.
    expect(h.call('ListTasks', { cluster: 'prod', desiredStatus: 'STOPPED' }).taskArns.length).toBe(tasksAtFailure)
    const sd = serviceDeployment(h, created.currentServiceDeployment)
    expect(sd).toMatchObject({ status: 'STOPPED', statusReason: 'ECS deployment circuit breaker: tasks failed to start.' })
    expect(typeof sd.stoppedAt).toBe('number')
    expect(sd.rollback).toBeUndefined()
  })

  it('rollback false: the failed deployment stalls and the old tasks keep serving', () => {
    const h = ecsHarness()
    const td1 = steadyService(h, 2, { deploymentCircuitBreaker: { enable: true, rollback: false } })
    h.behaviors.set(`${ECR_HOST}/web:v2`, { kind: 'crash' })
    // With a health check the new tasks die before they count as healthy, so no old task is replaced.
    const { td2, deploymentId, sdArn } = deployV2(h, true, { healthCheck: { command: ['CMD', 'true'], interval: 10, retries: 3 } })
    h.advanceUntil(() => service(h).deployments[0].rolloutState === 'FAILED', 300)
    h.advance(60)
    const s = service(h)
    expect(s.deployments.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([
      [deploymentId, 'PRIMARY'],
      [expect.any(String), 'ACTIVE'],
    ])
    expect(s.deployments[1]).toMatchObject({ taskDefinition: td1, runningCount: 2 })
    expect(s.taskDefinition).toBe(td2)
    expect(serviceDeployment(h, sdArn)).toMatchObject({ status: 'STOPPED', deploymentCircuitBreaker: { status: 'TRIGGERED' } })
  })

  it('breaker disabled: a crashing release keeps being retried and never fails', () => {
    const h = ecsHarness()
    steadyService(h, 1)
    h.behaviors.set(`${ECR_HOST}/web:v2`, { kind: 'crash' })
    const { deploymentId, sdArn } = deployV2(h)
    h.advance(200)
    const d = service(h).deployments[0]
    expect(d).toMatchObject({ id: deploymentId, rolloutState: 'IN_PROGRESS' })
    expect(d.failedTasks).toBeGreaterThan(3)
    expect(serviceDeployment(h, sdArn)).toMatchObject({ status: 'IN_PROGRESS', deploymentCircuitBreaker: { status: 'DISABLED' } })
  })

  it('an image missing from the sandbox ECR fails with CannotPullContainerError', () => {
    const h = ecsHarness()
    steadyService(h, 1, BREAKER)
    const { deploymentId } = deployV2(h, false)
    h.advanceUntil(() => service(h).deployments[0].id !== deploymentId, 120)
    const failedTasks = tasksOf(h, 'STOPPED').filter((t) => t.startedBy === deploymentId)
    expect(failedTasks).toHaveLength(3)
    const reason = `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${ECR_HOST}/web:v2: not found`
    for (const t of failedTasks) {
      expect(t).toMatchObject({ stopCode: 'TaskFailedToStart', stoppedReason: reason, containers: [{ reason }] })
      expect(t.startedAt).toBeUndefined()
    }
  })

  it('an unhealthy image fails its container health checks and is replaced until the breaker trips', () => {
    const h = ecsHarness()
    const healthCheck = { command: ['CMD-SHELL', 'curl -f localhost:8080'], interval: 5, retries: 2, startPeriod: 0 }
    h.images.push('web:v1')
    h.call('CreateCluster', { clusterName: 'prod' })
    registerWeb(h, 'v1', {}, { healthCheck })
    h.call('CreateService', {
      cluster: 'prod',
      serviceName: 'web',
      taskDefinition: 'web',
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: NETWORK,
      deploymentConfiguration: BREAKER,
      healthCheckGracePeriodSeconds: 20,
    })
    h.advanceUntil(() => service(h).deployments[0].rolloutState === 'COMPLETED', 120)
    h.behaviors.set(`${ECR_HOST}/web:v2`, { kind: 'unhealthy' })
    const { deploymentId } = deployV2(h, true, { healthCheck })
    h.advanceUntil(() => tasksOf(h).some((t) => t.startedBy === deploymentId && t.healthStatus === 'UNHEALTHY'), 60)
    const unhealthy = tasksOf(h).find((t) => t.startedBy === deploymentId)
    // Unhealthy 10 s after RUNNING, but the 20 s grace period keeps it until then.
    expect(unhealthy).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })
    h.advanceUntil(() => service(h).deployments[0].id !== deploymentId, 300)
    const stopped = tasksOf(h, 'STOPPED').filter((t) => t.startedBy === deploymentId)
    expect(stopped.length).toBeGreaterThanOrEqual(2)
    expect(stopped[0]).toMatchObject({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks', healthStatus: 'UNHEALTHY' })
    expect(stopped[0].stoppingAt - stopped[0].startedAt).toBe(20)
    expect(messages(h).some((m) => m === `(service web) (task ${stopped[0].taskArn.split('/').pop()}) failed container health checks.`)).toBe(true)
  })

  it('failedTasks resets after a task of the deployment has been healthy for 30 s (resetOnHealthyTask)', () => {
    for (const [reset, expectReset] of [
      [undefined, true],
      [false, false],
    ] as const) {
      const h = ecsHarness()
      // A long alarm bake keeps the deployment IN_PROGRESS while its tasks run 40 s and crash, over and over.
      h.alarms.define('slow-bake', 60, 2)
      steadyService(h, 1, {
        deploymentCircuitBreaker: { enable: true, rollback: true, ...(reset === undefined ? {} : { resetOnHealthyTask: reset }) },
        alarms: { alarmNames: ['slow-bake'], enable: true, rollback: true },
      })
      h.behaviors.set(`${ECR_HOST}/web:v2`, { kind: 'crash', afterSeconds: 40 })
      const { deploymentId } = deployV2(h)
      h.advance(200)
      const states = h.transitions.filter((t) => t.id === deploymentId).map((t) => t.state)
      if (expectReset) {
        expect(states).toEqual(['IN_PROGRESS'])
        const d = service(h).deployments[0]
        expect(d).toMatchObject({ id: deploymentId, rolloutState: 'IN_PROGRESS', status: 'PRIMARY' })
        expect(d.failedTasks).toBeLessThanOrEqual(1)
      } else {
        expect(states).toEqual(['IN_PROGRESS', 'FAILED'])
      }
    }
  })

  it('StopServiceDeployment ROLLBACK rolls back an in-progress deployment', () => {
    const h = ecsHarness()
    const td1 = steadyService(h, 2)
    h.behaviors.set(`${ECR_HOST}/web:v2`, { kind: 'slow-start', seconds: 100 })
    const { deploymentId, sdArn } = deployV2(h)
    h.advance(5)
    expect(h.call('StopServiceDeployment', { serviceDeploymentArn: sdArn, stopType: 'ROLLBACK' })).toEqual({ serviceDeploymentArn: sdArn })
    const s = service(h)
    expect(s.deployments[0]).toMatchObject({ taskDefinition: td1, rolloutState: 'IN_PROGRESS' })
    expect(s.deployments[0].rolloutStateReason).toMatch(/rolling back to deploymentId ecs-svc\/\d{19}\.$/)
    expect(s.deployments.find((d: { id: string }) => d.id === deploymentId)).toMatchObject({
      rolloutState: 'FAILED',
      rolloutStateReason: 'Service deployment rolled back because of a stop request.',
    })
    h.advanceUntil(() => serviceDeployment(h, sdArn).status === 'ROLLBACK_SUCCESSFUL', 120)
    expect(h.callError('StopServiceDeployment', { serviceDeploymentArn: sdArn }).code).toBe('ConflictException')
    expect(h.callError('StopServiceDeployment', { serviceDeploymentArn: sdArn, stopType: 'ABORT' }).code).toBe('UnsupportedFeatureException')
  })
})

describe('ECS sandbox: load balancer health', () => {
  it('an unhealthy image behind a target group fails its ELB health checks after the grace period', () => {
    const h = ecsHarness()
    const tg = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef'
    steadyService(h, 1, BREAKER, { loadBalancers: [{ targetGroupArn: tg, containerName: 'app', containerPort: 8080 }], healthCheckGracePeriodSeconds: 30 })
    h.behaviors.set(`${ECR_HOST}/web:v2`, { kind: 'unhealthy' })
    const { deploymentId } = deployV2(h)
    h.advanceUntil(() => tasksOf(h, 'STOPPED').some((t) => t.startedBy === deploymentId), 120)
    const [t] = tasksOf(h, 'STOPPED').filter((x) => x.startedBy === deploymentId)
    expect(t).toMatchObject({ stopCode: 'ServiceSchedulerInitiated', stoppedReason: `Task failed ELB health checks in (target-group ${tg})` })
    // Reported unhealthy 20 s after RUNNING, acted on when the 30 s grace period ends.
    expect(t.stoppingAt - t.startedAt).toBe(30)
    const id = t.taskArn.split('/').pop()
    expect(messages(h)).toContain(`(service web) (task ${id}) (port 8080) is unhealthy in (target-group ${tg}) due to (reason Health checks failed).`)
    expect(service(h).deployments.find((d: { id: string }) => d.id === deploymentId).failedTasks).toBe(1)
  })

  it('behind a target group a task counts as healthy once its target is (10 s after RUNNING)', () => {
    const h = ecsHarness()
    h.images.push('web:v1')
    h.call('CreateCluster', { clusterName: 'prod' })
    const td = registerWeb(h, 'v1')
    const tg = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef'
    h.call('CreateService', {
      cluster: 'prod',
      serviceName: 'web',
      taskDefinition: td,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: NETWORK,
      loadBalancers: [{ targetGroupArn: tg, containerName: 'app', containerPort: 8080 }],
    })
    // 1 s to launch, 12 s to RUNNING, 10 s to a healthy target, 5 s holding steady.
    expect(h.advanceUntil(() => service(h).deployments[0].rolloutState === 'COMPLETED')).toBe(28)
    expect(service(h).loadBalancers).toEqual([{ targetGroupArn: tg, containerName: 'app', containerPort: 8080 }])
  })

  it('DescribeServices does not find a service through the ARN of another cluster', () => {
    const h = ecsHarness()
    steadyService(h, 1)
    h.call('CreateCluster', { clusterName: 'other' })
    const arn = 'arn:aws:ecs:us-east-1:123456789012:service/prod/web'
    expect(h.call('DescribeServices', { cluster: 'other', services: [arn] }).failures).toEqual([{ arn, reason: 'MISSING' }])
    expect(h.call('DescribeServices', { cluster: 'prod', services: [arn] }).services).toHaveLength(1)
  })
})
