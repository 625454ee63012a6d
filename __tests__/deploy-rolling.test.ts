import { describe, expect, it } from '@jest/globals'
import { runRolling, type RollingPlan } from '../src/engines/rolling/run.js'
import { decideOutcome } from '../src/core/outcome.js'
import { Timeline } from '../src/core/timeline.js'
import { awsError, fakeAws, fakeClock } from './helpers/fake-aws.js'
import { SD_ARN, TD, basePlan, rollingEcs } from './helpers/ecs-model.js'

function plan(clock: { now: () => number }, over: Partial<RollingPlan> = {}): RollingPlan {
  return {
    ...basePlan(clock),
    bakeTimeMs: 30_000,
    deadline: clock.now() + 10 * 60_000,
    currentDeploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false } },
    ...over,
  }
}

describe('runRolling', () => {
  it('registers, updates with breaker + alarms, watches our deployment to COMPLETED, bakes: succeeded', async () => {
    const clock = fakeClock()
    const aws = fakeAws(rollingEcs(), clock)
    const timeline = new Timeline()
    const facts = await runRolling(aws.clients, plan(clock), timeline, { watch: clock })
    const update = aws.calls.find((c) => c.op === 'UpdateService')?.input
    expect(update).toEqual({
      cluster: 'prod',
      service: 'web',
      taskDefinition: TD(42),
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: ['api-5xx'], enable: true, rollback: true },
      },
    })
    expect(facts).toMatchObject({ deploymentId: 'ecs-svc/1', serviceDeploymentArn: `${SD_ARN}1`, taskDefinitionArn: TD(42), image: 'repo/web:v2', timedOut: false })
    expect(facts.bake).toMatchObject({ passed: true })
    expect(decideOutcome(facts).outcome).toBe('succeeded')
    expect(timeline.events.flatMap((e) => (e.type === 'phase' ? [e.phase] : []))).toEqual(['register', 'deploy', 'watch', 'bake'])
  })

  it('rolls back itself when an alarm fires during the bake, without letting that alarm stop the rollback', async () => {
    const clock = fakeClock()
    const aws = fakeAws(rollingEcs({ alarm: (n) => (n >= 3 ? 'ALARM' : 'OK') }), clock)
    const timeline = new Timeline()
    const facts = await runRolling(aws.clients, plan(clock), timeline, { watch: clock })
    const updates = aws.calls.filter((c) => c.op === 'UpdateService').map((c) => c.input)
    expect(updates).toHaveLength(2)
    expect(updates[1]).toMatchObject({
      taskDefinition: TD(41),
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false }, alarms: { alarmNames: ['api-5xx'], enable: false, rollback: false } },
    })
    expect(facts.actionRollback).toMatchObject({ trigger: 'bake-alarm', deploymentId: 'ecs-svc/2', completed: true })
    expect(timeline.events.find((e) => e.type === 'rollback')).toMatchObject({ by: 'action', to: TD(41) })
    expect(decideOutcome(facts)).toEqual({
      outcome: 'rolled-back',
      reason: 'Alarm api-5xx went to ALARM during the bake (Threshold Crossed: 5xx > 5); rolled back to web:41.',
    })
  })

  it('rolls back at the deadline when our deployment never completes (rollback on-failure)', async () => {
    const clock = fakeClock()
    const aws = fakeAws(rollingEcs({ stuck: [42] }), clock)
    const facts = await runRolling(aws.clients, plan(clock, { deadline: clock.now() + 60_000 }), new Timeline(), { watch: clock })
    expect(facts.timedOut).toBe(true)
    expect(facts.actionRollback).toMatchObject({ trigger: 'timeout', completed: true })
    expect(decideOutcome(facts).outcome).toBe('timed-out')
  })

  it('does not roll back with rollback: never, and asks ECS not to either', async () => {
    const clock = fakeClock()
    const aws = fakeAws(rollingEcs({ stuck: [42] }), clock)
    const facts = await runRolling(aws.clients, plan(clock, { rollback: 'never', deadline: clock.now() + 60_000 }), new Timeline(), { watch: clock })
    expect(aws.calls.filter((c) => c.op === 'UpdateService')).toHaveLength(1)
    expect(aws.calls.find((c) => c.op === 'UpdateService')?.input.deploymentConfiguration).toMatchObject({
      deploymentCircuitBreaker: { enable: true, rollback: false },
      alarms: { enable: true, rollback: false },
    })
    expect(decideOutcome(facts)).toMatchObject({ outcome: 'timed-out', reason: expect.stringContaining('not rolled back (rollback: never)') })
  })

  it('returns right after UpdateService when wait is false', async () => {
    const clock = fakeClock()
    const aws = fakeAws(rollingEcs(), clock)
    const facts = await runRolling(aws.clients, plan(clock, { wait: false }), new Timeline(), { watch: clock })
    expect(aws.calls.map((c) => c.op)).toEqual(['RegisterTaskDefinition', 'UpdateService'])
    expect(facts).toMatchObject({ deploymentId: 'ecs-svc/1', waited: false })
    expect(decideOutcome(facts).outcome).toBe('started')
  })

  it('turns an AWS error into a fact, not a throw', async () => {
    const clock = fakeClock()
    const aws = fakeAws(
      {
        RegisterTaskDefinition: () => {
          throw awsError('ClientException', 'Container.image should not be null or empty.')
        },
      },
      clock,
    )
    const facts = await runRolling(aws.clients, plan(clock), new Timeline(), { watch: clock })
    expect(facts.error).toBe('RegisterTaskDefinition (family web): ClientException: Container.image should not be null or empty.')
    expect(aws.count('UpdateService')).toBe(0)
    expect(decideOutcome(facts)).toEqual({
      outcome: 'failed',
      reason: 'Nothing was deployed: RegisterTaskDefinition (family web): ClientException: Container.image should not be null or empty.',
    })
  })
})
