// The release as a whole, decided from its services' own outcomes (and the rollback of those that had succeeded).
import { describe, expect, it } from '@jest/globals'
import type { Outcome } from '../src/core/timeline.js'
import { decideRelease, releaseJson, type ServiceResult } from '../src/core/release.js'
import { releaseProblems } from '../src/preflight/release.js'

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition'

function result(service: string, outcome: Outcome, extra: Partial<ServiceResult> = {}): ServiceResult {
  return {
    service,
    engine: 'rolling',
    decision: { outcome, reason: `${service} ${outcome}.` },
    taskDefinitionArn: `${TD}/${service}:2`,
    previousTaskDefinitionArn: `${TD}/${service}:1`,
    deploymentId: `ecs-svc/${service}`,
    changed: true,
    ...extra,
  }
}
const back = (outcome: Outcome): ServiceResult['rolledBack'] => ({ decision: { outcome, reason: `back ${outcome}.` }, deploymentId: 'ecs-svc/back' })

describe('decideRelease', () => {
  it('succeeds only when every service succeeded', () => {
    expect(decideRelease([result('web', 'succeeded'), result('worker', 'succeeded')], 'on-failure')).toEqual({
      outcome: 'succeeded',
      reason: 'All 2 services deployed: web and worker.',
    })
  })

  it('is rolled back when the failed service was rolled back and the others were rolled back with it', () => {
    const d = decideRelease(
      [result('web', 'succeeded', { rolledBack: back('succeeded') }), result('worker', 'rolled-back'), result('cron', 'succeeded', { rolledBack: back('succeeded') })],
      'on-failure',
    )
    expect(d.outcome).toBe('rolled-back')
    expect(d.reason).toBe('The release was rolled back on all 3 services. worker: worker rolled-back. web and cron were rolled back too, so the release is nowhere.')
  })

  it('names the service that failed first, and the ones it stopped in one phrase', () => {
    const stopped = (name: string) =>
      result(name, 'rolled-back', { stopped: true, decision: { outcome: 'rolled-back', reason: `Stopped before its end; rolled back to ${name}:1.` } })
    const d = decideRelease([stopped('web'), result('worker', 'rolled-back'), stopped('cron')], 'on-failure')
    expect(d).toEqual({
      outcome: 'rolled-back',
      reason: 'The release was rolled back on all 3 services. worker: worker rolled-back. web and cron were stopped before their end and rolled back.',
    })
  })

  it('counts a service whose deployment never started as back where it was', () => {
    const d = decideRelease([result('web', 'succeeded', { rolledBack: back('succeeded') }), result('worker', 'failed', { changed: false, deploymentId: undefined })], 'on-failure')
    expect(d.outcome).toBe('rolled-back')
  })

  it('fails, not rolled back, when no service was changed (a failed migration deployed nothing)', () => {
    const untouched = (name: string, outcome: Outcome = 'failed') => result(name, outcome, { changed: false, deploymentId: undefined })
    expect(decideRelease([untouched('web'), untouched('worker')], 'on-failure')).toEqual({
      outcome: 'failed',
      reason: 'Nothing was deployed on any of the 2 services. web: web failed; worker: worker failed.',
    })
    expect(decideRelease([untouched('web', 'timed-out'), untouched('worker')], 'on-failure').outcome).toBe('timed-out')
  })

  it('fails, naming the service to roll back by hand, when a rollback itself failed', () => {
    const d = decideRelease([result('web', 'succeeded', { rolledBack: back('failed') }), result('worker', 'rolled-back')], 'on-failure')
    expect(d).toEqual({
      outcome: 'failed',
      reason: 'The release failed. worker: worker rolled-back. Rolling back web failed (web: back failed): web may still run the new release; roll back by hand.',
    })
  })

  it('fails with rollback never, naming the services that kept the release', () => {
    const d = decideRelease([result('web', 'succeeded'), result('worker', 'rolled-back')], 'never')
    expect(d).toEqual({
      outcome: 'failed',
      reason: 'The release failed. worker: worker rolled-back. web kept the new release (rollback: never): the release landed on some services only.',
    })
  })

  it('is timed out when a service timed out and is not back', () => {
    expect(decideRelease([result('web', 'succeeded', { rolledBack: back('succeeded') }), result('worker', 'timed-out')], 'on-failure').outcome).toBe('timed-out')
  })

  it('is started when nothing was watched', () => {
    expect(decideRelease([result('web', 'started'), result('worker', 'started')], 'on-failure').outcome).toBe('started')
  })
})

describe('releaseJson', () => {
  it('gives each service its outcome, task definitions, deployment id and, when rolled back, the rollback', () => {
    const json = JSON.parse(
      releaseJson([
        result('web', 'succeeded', { rolledBack: back('succeeded') }),
        result('worker', 'failed', { changed: false, deploymentId: undefined, taskDefinitionArn: undefined }),
      ]),
    )
    expect(json).toEqual([
      {
        service: 'web',
        engine: 'rolling',
        outcome: 'succeeded',
        reason: 'web succeeded.',
        taskDefinitionArn: `${TD}/web:2`,
        previousTaskDefinitionArn: `${TD}/web:1`,
        deploymentId: 'ecs-svc/web',
        rolledBack: { outcome: 'succeeded', reason: 'back succeeded.', deploymentId: 'ecs-svc/back' },
      },
      {
        service: 'worker',
        engine: 'rolling',
        outcome: 'failed',
        reason: 'worker failed.',
        taskDefinitionArn: null,
        previousTaskDefinitionArn: `${TD}/worker:1`,
        deploymentId: null,
      },
    ])
  })
})

describe('releaseProblems', () => {
  it('says a problem every service has once, and the rest with their service', () => {
    expect(
      releaseProblems([
        { name: 'web', problems: ['Cluster `prod` was not found.'] },
        { name: 'nope', problems: ['Cluster `prod` was not found.', 'Service `nope` was not found in cluster `prod`.'] },
        { name: 'worker', problems: ['Cluster `prod` was not found.', 'Container `app` is not in the task definition.'] },
      ]),
    ).toEqual(['Cluster `prod` was not found.', 'Service `nope` was not found in cluster `prod`.', 'Service `worker`: Container `app` is not in the task definition.'])
  })
})
