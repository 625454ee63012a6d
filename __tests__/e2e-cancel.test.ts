// End to end: a cancelled job. The runner sends SIGINT, then SIGTERM 7.5 s later, then kills the tree; the post step
// (`post-if: always()`) still runs, with the state the main step saved. The tests signal the running dist/index.js the
// same way, then run the post step with the saved state, and look at the service.
import { afterEach, describe, expect, test } from '@jest/globals'
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import type { ActionRun } from '../scripts/action-runner.js'
import { world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { cancelWhen, postMutations, warnings } from './helpers/cancel.js'
import { until } from './helpers/release.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

const serviceNow = async (s: Sandbox) =>
  (await new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials }).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))).services![0]

/** Deploys web:v1.1 to the demo world's `web`, cancels the run once `phase` shows in the log, and (after `between`) runs
 * the post step. */
const cancelDuring = (s: Sandbox, phase: RegExp, inputs: Record<string, string>, env: Record<string, string> = {}, between?: () => void) =>
  cancelWhen(s, { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, timeout: '10m', ...inputs }, (line) => phase.test(line), env, between)

const errors = (run: ActionRun) => run.commands.filter((c) => c.command === 'error').map((c) => c.message)

describe('a cancelled job', () => {
  test('mid-rollout, on-cancel leave: outcome cancelled at once; the post step reports the deployment left to ECS', async () => {
    const s = (sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 5 }))
    const cancelled = await cancelDuring(s, /── watch/, {})
    const { main, post, signalledAt } = cancelled
    expect(main.endedAt - signalledAt).toBeLessThan(7_500)
    expect(main.outputs.outcome).toBe('cancelled')
    expect(main.outputs['deployment-id']).toMatch(/^ecs-svc\//)
    const saved = JSON.parse(main.state.inFlight)
    expect(saved).toMatchObject({ engine: 'rolling', phase: 'watch', deploymentId: main.outputs['deployment-id'], onCancel: 'leave' })
    expect(warnings(post)).toEqual([
      expect.stringMatching(
        new RegExp(
          `during the watch phase; deployment ${main.outputs['deployment-id']} is still IN_PROGRESS, running \\d/3, left to ECS's circuit breaker and the deployment alarms \\(on-cancel: leave\\)\\.`,
        ),
      ),
    ])
    expect(post.summary).toContain('ECS deployment cancelled: web')
    expect(postMutations(s, cancelled)).toEqual([])
    // Left to ECS, our deployment goes on to complete: the only one left, COMPLETED, on web:2. Simulated time is
    // moved on rather than waited for.
    s.control.advance(300)
    const service = await until(
      () => serviceNow(s),
      (svc) => svc.deployments?.length === 1 && svc.deployments[0].rolloutState === 'COMPLETED',
    )
    expect(service.deployments![0].id).toBe(main.outputs['deployment-id'])
    expect(service.taskDefinition).toMatch(/:task-definition\/web:2$/)
  }, 120_000)

  test('mid-bake, on-cancel rollback: the post step rolls the unbaked release back', async () => {
    const s = (sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 }))
    const cancelled = await cancelDuring(s, /── bake/, { alarms: 'web-5xx', 'bake-time': '5m', 'on-cancel': 'rollback' })
    const { main, post } = cancelled
    expect(main.outputs.outcome).toBe('cancelled')
    expect(JSON.parse(main.state.inFlight)).toMatchObject({ phase: 'bake', onCancel: 'rollback' })
    expect(warnings(post)).toEqual([
      expect.stringMatching(/during the bake phase; deployment ecs-svc\/\S+ \(COMPLETED, running 3\/3\) was rolled back because on-cancel is rollback: UpdateService to web:1/),
    ])
    expect(postMutations(s, cancelled)).toEqual(['UpdateService'])
    // The rollback is a new deployment of web:1 that completes.
    const service = await until(
      () => serviceNow(s),
      (svc) => svc.deployments?.length === 1 && svc.deployments[0].rolloutState === 'COMPLETED',
    )
    expect(service.deployments![0].id).not.toBe(main.outputs['deployment-id'])
    expect(service.taskDefinition).toMatch(/:task-definition\/web:1$/)
  }, 120_000)

  test('mid-bake, on-cancel leave, then an alarm: the post step reads the alarm and names it and the live release', async () => {
    const s = (sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 }))
    const fire = () => s.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed: 30 5XX responses' })
    const { main, post } = await cancelDuring(s, /── bake/, { alarms: 'web-5xx', 'bake-time': '5m' }, {}, fire)
    expect(main.outputs.outcome).toBe('cancelled')
    expect(JSON.parse(main.state.inFlight)).toMatchObject({ phase: 'bake', onCancel: 'leave', alarms: ['web-5xx'] })
    // One warning: what was left running and unwatched.
    expect(warnings(post)).toEqual([expect.stringMatching(/during the bake phase; .* Its bake was cut short: web:2 is live, left running and unwatched by this run\./)])
    expect(errors(post)).toEqual([
      'Alarm web-5xx is in ALARM after the job was cancelled during the bake phase (Threshold Crossed: 30 5XX responses): web:2 is live on demo/web (the service runs web:2) and nothing watches it (on-cancel: leave); roll it back or fix forward.',
    ])
    expect(s.control.calls({ operation: 'DescribeAlarms' }).length).toBeGreaterThan(0)
    expect(post.code).toBe(0)
  }, 120_000)

  test('mid-bake, on-cancel rollback, with an alarm in ALARM: the error names the alarm and the rollback', async () => {
    const s = (sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 }))
    const fire = () => s.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed: 30 5XX responses' })
    const { post } = await cancelDuring(s, /── bake/, { alarms: 'web-5xx', 'bake-time': '5m', 'on-cancel': 'rollback' }, {}, fire)
    expect(errors(post)).toEqual([expect.stringMatching(/^Alarm web-5xx is in ALARM .*: web:2 was live and is being rolled back \(on-cancel: rollback\): UpdateService to web:1/)])
    expect(warnings(post)).toHaveLength(1)
  }, 120_000)

  test('before anything changed: the post step says nothing in ECS was changed', async () => {
    const s = (sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 }))
    const { main, post } = await cancelDuring(s, /── preflight/, {})
    expect(main.outputs.outcome).toBe('cancelled')
    expect(warnings(post)).toEqual([expect.stringMatching(/during the preflight phase, before a deployment started: nothing in ECS was changed by this run\./)])
    expect(s.control.calls({ mutating: true })).toEqual([])
  }, 60_000)

  test('the GitHub deployment record of a cancelled run ends as error, saying it was cancelled', async () => {
    const s = (sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 5 }))
    const { main } = await cancelDuring(s, /── watch/, { 'github-token': 'ghs_test' }, { GITHUB_API_URL: s.githubUrl, GITHUB_REPOSITORY: 'org/app' })
    expect(main.outputs.outcome).toBe('cancelled')
    const [record] = s.github.deployments() as { statuses: { state: string; description: string }[] }[]
    expect(record.statuses[0].state).toBe('in_progress')
    expect(record.statuses.at(-1)).toMatchObject({ state: 'error', description: expect.stringMatching(/^cancelled/) })
  }, 120_000)

  test('during a hanging migration: the post step stops its task, and nothing was deployed', async () => {
    const s = (sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 }))
    await s.control.setBehavior('web:v1.1 -- sh -c ./migrate.sh', { kind: 'healthy' })
    const { main, post } = await cancelDuring(s, /tasks started/, { 'pre-deploy-command': './migrate.sh' })
    expect(main.outputs.outcome).toBe('cancelled')
    const [stop] = s.control.calls({ operation: 'StopTask' })
    expect(stop.params).toMatchObject({ cluster: 'demo', reason: 'ecs-safe-deploy: the job was cancelled', task: expect.stringMatching(/:task\/demo\//) })
    expect(warnings(post).join('\n')).toMatch(/before a deployment started: nothing in ECS was changed by this run\. Its one-off task \S+ was stopped\./)
    expect(s.control.calls({ operation: 'UpdateService' })).toHaveLength(0)
  }, 120_000)
})
