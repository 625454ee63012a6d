// End to end: fail fast on ECS's own blue/green (the service's deploymentConfiguration.strategy BLUE_GREEN). The
// sandbox scales the green deployment to its desired count at once, and every task of a wave fails at the same
// moment, so the circuit breaker (threshold at least 3) trips on the wave that reaches it: the action can only be
// told apart from it on a 2-task service with `max-task-failures: 2`. The first wave (2 failures) is a crash loop;
// the breaker waits for the second (4 ≥ 3), 12 simulated seconds later (a launch). The container exits as it starts,
// so the deployment is never seen running its desired count. The native watch looks at the service (failed tasks)
// only every third look, up to 15 s apart, hence half speed: the 12 s between the waves are 24 s of wall time.
import { afterEach, expect, test } from '@jest/globals'
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs'
import { errorAnnotations, runAction } from '../scripts/action-runner.js'
import { nativeWorld } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { pushImage } from './sandbox-helpers.js'

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const blueGreen = { deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 } }
const crash = { kind: 'crash' as const, exitCode: 3, afterSeconds: 0, logLines: ['Error: DATABASE_URL is not set'] }
/** The breaker's threshold for a 2-task deployment: at least 3 failed tasks. */
const BREAKER = 3

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

const ecs = (s: Sandbox) => new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })

async function start(timeScale: number): Promise<{ s: Sandbox; image: string }> {
  const s = (sandbox = await startSandbox({ world: nativeWorld({ ...blueGreen, desiredCount: 2 }, { behaviors: { 'web:v3': crash } }), timeScale }))
  const image = await pushImage(s.url, 'v3')
  s.control.reset()
  return { s, image }
}

/** Every stopped task of the service (the sandbox keeps them an hour). */
async function stoppedTasks(s: Sandbox): Promise<Task[]> {
  const arns = (await ecs(s).send(new ListTasksCommand({ cluster: 'demo', serviceName: 'web', desiredStatus: 'STOPPED' }))).taskArns ?? []
  return arns.length > 0 ? ((await ecs(s).send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks ?? []) : []
}

async function taskDefinitionNow(s: Sandbox): Promise<string | undefined> {
  return (await ecs(s).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))).services?.[0]?.taskDefinition
}

test('blue/green, a crash-looping release: the action rolls back with StopServiceDeployment(ROLLBACK) after 2 failed tasks, before the breaker (3)', async () => {
  const { s, image } = await start(0.5)
  const run = await runAction({ endpoint: s.url, inputs: { cluster: 'demo', service: 'web', image, timeout: '5m', 'max-task-failures': '2' } })
  expect(run.outputs.outcome).toBe('rolled-back')
  expect(run.code).toBe(1)
  const reason = errorAnnotations(run)
  expect(reason).toMatch(
    new RegExp(
      `^2 of \\d+ new tasks exited 3 \\(.*\\) before the deployment ran its desired count \\(fail fast; the circuit breaker would have waited for ${BREAKER}\\); rolled back to web:1\\.`,
    ),
  )
  expect(reason).not.toContain('circuit breaker: tasks failed')
  expect(run.stdout).toMatch(/rollback by the action: /)

  // The action stopped the deployment itself, once, as a rollback.
  const stops = s.control.calls({ operation: 'StopServiceDeployment' })
  expect(stops).toHaveLength(1)
  expect(stops[0].params).toMatchObject({ stopType: 'ROLLBACK' })
  expect(stops[0].errorCode).toBeUndefined()

  // When it did, 2 tasks of the new revision had failed (exit 3), fewer than the breaker's threshold, and ECS had not
  // failed the deployment on its own.
  const at = stops[0].simMs
  const failed = (await stoppedTasks(s)).filter((t) => /:task-definition\/web:2$/.test(t.taskDefinitionArn ?? '') && t.containers?.some((c) => c.exitCode === 3))
  const failedBefore = failed.filter((t) => (t.stoppingAt?.getTime() ?? Infinity) <= at)
  expect(failedBefore.length).toBeGreaterThanOrEqual(2)
  expect(failedBefore.length).toBeLessThan(BREAKER)
  expect(s.control.transitions({ kind: 'deployment', state: 'FAILED' }).every((t) => t.simMs >= at)).toBe(true)
  expect(s.control.transitions({ kind: 'service-deployment', state: 'ROLLBACK_IN_PROGRESS' }).every((t) => t.simMs >= at)).toBe(true)
  expect(s.control.transitions({ kind: 'service-deployment', state: 'ROLLBACK_SUCCESSFUL' })).toHaveLength(1)
  expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:1$/)
}, 180_000)

test('blue/green with `max-task-failures: 0`: no StopServiceDeployment from the action, the circuit breaker rolls back', async () => {
  const { s, image } = await start(1)
  const run = await runAction({ endpoint: s.url, inputs: { cluster: 'demo', service: 'web', image, timeout: '5m', 'max-task-failures': '0' } })
  expect(run.outputs.outcome).toBe('rolled-back')
  expect(errorAnnotations(run)).toContain('ECS deployment circuit breaker')
  expect(errorAnnotations(run)).not.toContain('fail fast')
  expect(run.stdout).toMatch(/rollback by ECS: ecs-svc\/\d+ → web:1: ECS deployment circuit breaker/)
  expect(s.control.calls({ operation: 'StopServiceDeployment' })).toEqual([])
  expect(s.control.calls({ mutating: true }).map((c) => c.operation)).toEqual(['RegisterTaskDefinition', 'UpdateService'])
  // The breaker waited for its threshold: the second wave.
  const failed = (await stoppedTasks(s)).filter((t) => t.containers?.some((c) => c.exitCode === 3))
  expect(failed.length).toBeGreaterThanOrEqual(BREAKER)
  expect(await taskDefinitionNow(s)).toMatch(/:task-definition\/web:1$/)
}, 180_000)
