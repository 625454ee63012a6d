import { describe, expect, it } from '@jest/globals'
import type { DeploymentObservation, RollingFacts } from '../src/core/facts.js'
import { decideOutcome } from '../src/core/outcome.js'
import { rollingFacts, TD } from './helpers/ecs-model.js'

const ID = 'ecs-svc/1111111111111111111'
const BREAKER = 'ECS deployment circuit breaker: tasks failed to start.'

const obs = (rolloutState: string, status = 'PRIMARY', running = 3, desired = 3, reason?: string): DeploymentObservation => ({
  id: ID,
  status,
  taskDefinition: TD(42),
  rolloutState,
  rolloutStateReason: reason,
  counts: { desired, running, pending: desired - running, failed: 0 },
})

function facts(over: Partial<RollingFacts>): RollingFacts {
  return rollingFacts({ taskDefinitionArn: TD(42), previousTaskDefinitionArn: TD(41), deploymentId: ID, final: obs('COMPLETED'), ...over })
}

const bakePassed = { durationMs: 60_000, alarms: ['api-5xx'], passed: true, cutShortByDeadline: false }
const bakeFired = { ...bakePassed, passed: false, fired: { name: 'api-5xx', reason: 'Threshold Crossed: 1 datapoint [12.0] > 5' } }

const table: [string, Partial<RollingFacts>, string, RegExp][] = [
  ['our deployment completed', {}, 'succeeded', /Deployment ecs-svc\/1111111111111111111 completed: 3\/3 tasks of web:42 running\./],
  ['completed and baked', { bake: bakePassed }, 'succeeded', /baked 60 s with no alarm/],
  ['COMPLETED but not all running is not success', { final: obs('COMPLETED', 'PRIMARY', 2, 3) }, 'failed', /ended without completing/],
  ['not waited for', { waited: false, final: obs('IN_PROGRESS', 'PRIMARY', 0) }, 'started', /not waited for/],
  [
    'service stable again after an ECS breaker rollback is not success',
    { final: obs('FAILED', 'ACTIVE', 0, 0, BREAKER), ecsRollback: { deploymentId: 'ecs-svc/2', reason: BREAKER, completed: true, failed: false } },
    'rolled-back',
    /^ECS deployment circuit breaker: tasks failed to start\.$/,
  ],
  [
    'ECS alarm rollback',
    { ecsRollback: { deploymentId: 'ecs-svc/2', reason: 'ECS deployment alarm: api-5xx is in ALARM state.', completed: true, failed: false } },
    'rolled-back',
    /api-5xx is in ALARM state/,
  ],
  [
    'ECS rollback that failed',
    { ecsRollback: { deploymentId: 'ecs-svc/2', reason: BREAKER, completed: false, failed: true } },
    'failed',
    /ECS rolled back, but the rollback deployment ecs-svc\/2 failed/,
  ],
  ['ECS rollback that stalled', { timedOut: true, ecsRollback: { deploymentId: 'ecs-svc/2', reason: BREAKER, completed: false, failed: false } }, 'failed', /did not finish/],
  [
    'superseded by someone else',
    { final: obs('IN_PROGRESS', 'ACTIVE', 1), supersededBy: { deploymentId: 'ecs-svc/9', taskDefinition: TD(43) } },
    'failed',
    /superseded by deployment ecs-svc\/9 \(web:43\), which this run did not start/,
  ],
  [
    'bake alarm, our rollback completed',
    { bake: bakeFired, actionRollback: { trigger: 'bake-alarm', toTaskDefinitionArn: TD(41), completed: true } },
    'rolled-back',
    /Alarm api-5xx went to ALARM during the bake \(Threshold Crossed.*\); rolled back to web:41\./,
  ],
  [
    'bake alarm, our rollback failed',
    { bake: bakeFired, actionRollback: { trigger: 'bake-alarm', toTaskDefinitionArn: TD(41), completed: false, problem: 'rollback deployment ecs-svc/3 ended FAILED' } },
    'failed',
    /rolling back to web:41 failed: rollback deployment ecs-svc\/3 ended FAILED\./,
  ],
  ['bake alarm with rollback never', { rollbackPolicy: 'never', bake: bakeFired }, 'failed', /not rolled back \(rollback: never\)/],
  [
    'timeout, rolled back by us',
    { timedOut: true, final: obs('IN_PROGRESS', 'PRIMARY', 1), actionRollback: { trigger: 'timeout', toTaskDefinitionArn: TD(41), completed: true } },
    'timed-out',
    /did not complete before the timeout \(IN_PROGRESS, running 1\/3.*rolled back to web:41/,
  ],
  ['timeout with rollback never', { rollbackPolicy: 'never', timedOut: true, final: obs('IN_PROGRESS', 'PRIMARY', 1) }, 'timed-out', /not rolled back/],
  [
    'timeout during the bake',
    { timedOut: true, bake: { ...bakePassed, passed: false, cutShortByDeadline: true }, rollbackPolicy: 'never' },
    'timed-out',
    /before the bake time was over/,
  ],
  [
    'FAILED without rollback',
    { rollbackPolicy: 'never', final: obs('FAILED', 'PRIMARY', 0, 3, BREAKER) },
    'failed',
    /tasks failed to start\. Not rolled back \(rollback: never\)\./,
  ],
  ['nothing deployed', { deploymentId: undefined, error: 'UpdateService (prod/web): AccessDeniedException: no' }, 'failed', /^Nothing was deployed: UpdateService/],
  ['watch error', { error: 'Watching deployment x: boom' }, 'failed', /boom/],
]

describe('decideOutcome', () => {
  it.each(table)('%s', (_name, over, outcome, reason) => {
    const decision = decideOutcome(facts(over))
    expect(decision.outcome).toBe(outcome)
    expect(decision.reason).toMatch(reason)
  })
})
