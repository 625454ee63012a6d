// End to end: fail fast. On a 20-task service that deploys two tasks at a time (maximumPercent 110), a release whose
// container exits at start is rolled back after `max-task-failures` failed launches, long before the circuit
// breaker's threshold (10). Failures short of the limit, or of different kinds, are no crash loop: the release goes on.
import { afterEach, expect, test } from '@jest/globals'
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs'
import { errorAnnotations, runAction, type ActionRun } from '../scripts/action-runner.js'
import { twentyTasks, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

const ecs = (s: Sandbox) => new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })

// At 5× ECS's speed a round of two launches takes a few wall seconds, as it takes tens of seconds in AWS: the action's
// looks (within their call budget) see each round, as they would there.
test('a crash-looping release on a 20-task service is rolled back after 3 failed tasks, before the breaker would (10)', async () => {
  const s = (sandbox = await startSandbox({ world: twentyTasks(), timeScale: 5 }))
  const run = await runAction({ endpoint: s.url, inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v2-crash`, timeout: '10m' } })
  expect(run.outputs.outcome).toBe('rolled-back')
  const reason = errorAnnotations(run)
  expect(reason).toMatch(
    /^\d+ of \d+ new tasks exited 1 \(.*\) before the deployment ran its desired count \(fail fast; the circuit breaker would have waited for 10\); rolled back to web:1\./,
  )
  // The action asked for the rollback after at least 3 and fewer than 10 failed launches.
  const failed = Number(/^(\d+) of/.exec(reason)?.[1])
  expect(failed).toBeGreaterThanOrEqual(3)
  expect(failed).toBeLessThan(10)
  const service = (await ecs(s).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))).services?.[0]
  expect(service?.taskDefinition).toMatch(/:task-definition\/web:1$/)
}, 180_000)

type Behavior = Parameters<Sandbox['control']['setBehavior']>[1]

/** The demo world's `web` with 2 tasks, replaced one at a time (maximumPercent 150): a new task starts only once the
 * one before it has failed or is healthy, so each can be made to fail its own way. A container health check (healthy
 * after 5 s) keeps a task that exits within that time from counting healthy first. */
function oneAtATime(): WorldSpec {
  const spec = world('demo.yaml')
  const service = spec.services![0] as Record<string, unknown> & { deploymentConfiguration: Record<string, unknown> }
  service.desiredCount = 2
  service.deploymentConfiguration = { ...service.deploymentConfiguration, maximumPercent: 150, minimumHealthyPercent: 100 }
  const container = (spec.taskDefinitions![0] as { containerDefinitions: Record<string, unknown>[] }).containerDefinitions[0]
  container.healthCheck = { command: ['CMD-SHELL', 'true'], interval: 5, timeout: 2, retries: 1, startPeriod: 0 }
  return spec
}

/** The tasks of `web` on revision 2 (the release), in launch order, stopped ones included. */
async function releaseTasks(s: Sandbox): Promise<Task[]> {
  const arns = []
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    arns.push(...((await ecs(s).send(new ListTasksCommand({ cluster: 'demo', serviceName: 'web', desiredStatus }))).taskArns ?? []))
  }
  const { tasks } = arns.length ? await ecs(s).send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns })) : { tasks: [] }
  return (tasks ?? []).filter((t) => t.taskDefinitionArn?.endsWith(':task-definition/web:2')).sort((a, b) => a.createdAt!.getTime() - b.createdAt!.getTime())
}

/** Simulated seconds per wall second: a new task pulls its image 20 simulated seconds (1.3 wall seconds) or more after
 * the one before it. */
const SCALE = 15

/**
 * Deploys web:v1.1 with `inputs`, its new tasks behaving as `each` says, one task each in launch order, then healthy.
 * A task reads its image's behaviour when it has pulled the image, so the behaviour moves on as soon as the task
 * before it has pulled.
 */
async function deployTaskByTask(s: Sandbox, each: Behavior[], inputs: Record<string, string>): Promise<{ run: ActionRun; tasks: Task[] }> {
  const behaviors = [...each, { kind: 'healthy' } as const]
  s.control.setBehavior('web:v1.1', behaviors[0])
  // A failed task stops 3 simulated seconds after ECS counts it failed, and the action looks at stopped tasks once per
  // rise of that count, keeping only those already STOPPED: DescribeTasks answering 6 simulated seconds late makes
  // that one look find the task, as the failures must be seen for the test to mean anything.
  s.control.fault({ operation: 'DescribeTasks', kind: 'latency', latencyMs: 6_000 / SCALE, count: 'forever' })
  let running = true
  const steer = (async () => {
    for (let pulled = 0; running; await new Promise((resolve) => setTimeout(resolve, 100))) {
      const now = (await releaseTasks(s)).filter((t) => t.pullStoppedAt).length
      for (; pulled < now; pulled++) s.control.setBehavior('web:v1.1', behaviors[Math.min(pulled + 1, behaviors.length - 1)])
    }
  })()
  const run = await runAction({ endpoint: s.url, inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, timeout: '10m', ...inputs } })
  running = false
  await steer
  return { run, tasks: await releaseTasks(s) }
}

const exitCodes = (tasks: Task[]) => tasks.map((t) => t.containers?.[0].exitCode ?? null)

/** Succeeded on web:2, with our UpdateService the only one: no rollback, fail fast or other. */
async function expectNotFailedFast(s: Sandbox, run: ActionRun): Promise<void> {
  expect(run.outputs.outcome).toBe('succeeded')
  expect(run.code).toBe(0)
  expect(run.stdout).not.toMatch(/fail fast/i)
  expect(s.control.calls({ operation: 'UpdateService' })).toHaveLength(1)
  const service = (await ecs(s).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))).services?.[0]
  expect(service?.taskDefinition).toMatch(/:task-definition\/web:2$/)
}

test('one new task exiting non-zero, with max-task-failures 2, is not failed fast: the release succeeds', async () => {
  const s = (sandbox = await startSandbox({ world: oneAtATime(), timeScale: SCALE }))
  const { run, tasks } = await deployTaskByTask(s, [{ kind: 'crash', exitCode: 2, afterSeconds: 2 }], { 'max-task-failures': '2' })
  await expectNotFailedFast(s, run)
  // The first new task exited 2, and the action saw it; the two after it run.
  expect(exitCodes(tasks)).toEqual([2, null, null])
  expect(run.stdout).toContain('Essential container in task exited (exit code 2 in web)')
}, 120_000)

test('two new tasks failing in different ways (exit 2, then exit 3) do not add up to a fail fast at max-task-failures 2', async () => {
  const s = (sandbox = await startSandbox({ world: oneAtATime(), timeScale: SCALE }))
  const { run, tasks } = await deployTaskByTask(
    s,
    [
      { kind: 'crash', exitCode: 2, afterSeconds: 2 },
      { kind: 'crash', exitCode: 3, afterSeconds: 2 },
    ],
    { 'max-task-failures': '2' },
  )
  await expectNotFailedFast(s, run)
  expect(exitCodes(tasks)).toEqual([2, 3, null, null])
  expect(run.stdout).toContain('Essential container in task exited (exit code 2 in web)')
  expect(run.stdout).toContain('Essential container in task exited (exit code 3 in web)')
}, 120_000)
