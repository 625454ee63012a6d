// ECS deployment alarms: a deployment alarm in ALARM fails the deployment (and rolls it back), and the
// alarm bake holds COMPLETED back after steady state.
import { describe, expect, it } from '@jest/globals'
import { ecsHarness, type EcsHarness, messages, registerWeb, service, steadyService } from './helpers/sandbox-fakes.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function serviceDeployment(h: EcsHarness, arn: string): any {
  return h.call('DescribeServiceDeployments', { serviceDeploymentArns: [arn] }).serviceDeployments[0]
}

function withAlarm(h: EcsHarness, rollback: boolean, period = 60, evaluationPeriods = 2) {
  h.alarms.define('api-5xx', period, evaluationPeriods)
  h.alarms.define('latency-p99', 30, 1)
  const td1 = steadyService(h, 2, { alarms: { alarmNames: ['api-5xx', 'latency-p99'], enable: true, rollback } })
  h.images.push('web:v2')
  const td2 = registerWeb(h, 'v2')
  const res = h.call('UpdateService', { cluster: 'prod', service: 'web', taskDefinition: td2 }).service
  return { td1, td2, deploymentId: res.deployments[0].id as string, sdArn: res.currentServiceDeployment as string }
}

describe('ECS sandbox: deployment alarms', () => {
  it('bakes for the longest Period × EvaluationPeriods after steady state before COMPLETED', () => {
    const h = ecsHarness()
    const { deploymentId, sdArn } = withAlarm(h, true)
    h.advanceUntil(() => messages(h)[0] === '(service web) has reached a steady state.', 120)
    const steadyAt = h.clock.t
    expect(service(h).deployments[0]).toMatchObject({ id: deploymentId, rolloutState: 'IN_PROGRESS' })
    expect(serviceDeployment(h, sdArn)).toMatchObject({ status: 'IN_PROGRESS', alarms: { status: 'MONITORING', alarmNames: ['api-5xx', 'latency-p99'], triggeredAlarmNames: [] } })
    h.advanceUntil(() => service(h).deployments[0].rolloutState === 'COMPLETED', 300)
    // Steady state is declared after holding 5 s; the 120 s bake counts from when it started holding.
    expect(h.clock.t - steadyAt).toBe(115_000)
    expect(messages(h)[0]).toBe(`(service web) (deployment ${deploymentId}) deployment completed.`)
    expect(serviceDeployment(h, sdArn)).toMatchObject({ status: 'SUCCESSFUL', alarms: { status: 'MONITORING_COMPLETE' } })
  })

  it('an alarm in ALARM during the rollout fails the deployment and rolls back', () => {
    const h = ecsHarness()
    const { td1, td2, deploymentId, sdArn } = withAlarm(h, true)
    const completedId = service(h).deployments[1].id
    h.advance(5)
    h.alarms.setState('api-5xx', 'ALARM')
    h.advance(1)
    const s = service(h)
    const failed = s.deployments.find((d: { id: string }) => d.id === deploymentId)
    expect(failed).toMatchObject({ status: 'ACTIVE', taskDefinition: td2, rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment alarm: api-5xx is in ALARM state.' })
    expect(s.deployments[0]).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: td1,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment alarm: rolling back to deploymentId ${completedId}.`,
    })
    expect(s.deployments[0].id).not.toBe(completedId)
    expect(messages(h)).toContain(`(service web) (deployment ${deploymentId}) deployment failed: alarm api-5xx in ALARM state.`)
    expect(messages(h)).toContain(`(service web) rolling back to deployment ${completedId}.`)
    expect(serviceDeployment(h, sdArn)).toMatchObject({
      status: 'ROLLBACK_IN_PROGRESS',
      statusReason: 'ECS deployment alarm: api-5xx is in ALARM state.',
      alarms: { status: 'TRIGGERED', alarmNames: ['api-5xx', 'latency-p99'], triggeredAlarmNames: ['api-5xx'] },
    })
    // The rollback is not failed by the alarm that caused it.
    h.advanceUntil(() => serviceDeployment(h, sdArn).status === 'ROLLBACK_SUCCESSFUL', 120)
    expect(service(h)).toMatchObject({ taskDefinition: td1, runningCount: 2, deployments: [{ taskDefinition: td1, rolloutState: 'COMPLETED' }] })
  })

  it('an alarm going to ALARM during the bake still fails the deployment', () => {
    const h = ecsHarness()
    const { deploymentId } = withAlarm(h, true)
    h.advanceUntil(() => messages(h)[0] === '(service web) has reached a steady state.', 120)
    h.advance(30)
    expect(service(h).deployments[0]).toMatchObject({ id: deploymentId, rolloutState: 'IN_PROGRESS' })
    h.alarms.setState('latency-p99', 'ALARM')
    h.advance(1)
    expect(h.transitions.filter((t) => t.id === deploymentId).map((t) => t.state)).toEqual(['IN_PROGRESS', 'FAILED'])
    expect(service(h).deployments[0].rolloutStateReason).toMatch(/^ECS deployment alarm: rolling back to deploymentId ecs-svc\/\d{19}\.$/)
  })

  it('alarms rollback false: the deployment fails and stalls, the service deployment is STOPPED', () => {
    const h = ecsHarness()
    const { deploymentId, sdArn } = withAlarm(h, false)
    h.advance(3)
    h.alarms.setState('api-5xx', 'ALARM')
    h.advance(60)
    const s = service(h)
    expect(s.deployments[0]).toMatchObject({ id: deploymentId, status: 'PRIMARY', rolloutState: 'FAILED' })
    expect(serviceDeployment(h, sdArn)).toMatchObject({ status: 'STOPPED', statusReason: 'ECS deployment alarm: api-5xx is in ALARM state.' })
  })

  it('alarms that are not enabled, or go to ALARM after COMPLETED, change nothing', () => {
    const h = ecsHarness()
    h.alarms.define('api-5xx', 10, 1)
    h.alarms.setState('api-5xx', 'ALARM')
    steadyService(h, 1, { alarms: { alarmNames: ['api-5xx'], enable: false, rollback: true } })
    expect(service(h).deployments[0].rolloutState).toBe('COMPLETED')

    const h2 = ecsHarness()
    h2.alarms.define('api-5xx', 10, 1)
    steadyService(h2, 1, { alarms: { alarmNames: ['api-5xx'], enable: true, rollback: true } })
    const d = service(h2).deployments[0]
    h2.alarms.setState('api-5xx', 'ALARM')
    h2.advance(30)
    expect(service(h2).deployments).toEqual([expect.objectContaining({ id: d.id, rolloutState: 'COMPLETED' })])
  })
})
