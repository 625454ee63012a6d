// End to end: fail fast. On a 20-task service that deploys two tasks at a time (maximumPercent 110), a release whose
// container exits at start is rolled back after `max-task-failures` failed launches, long before the circuit
// breaker's threshold (10); a healthy release with one failed task is not.
import { afterEach, expect, test } from '@jest/globals'
import { DescribeServicesCommand, ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs'
import { errorAnnotations, runAction } from '../scripts/action-runner.js'
import { twentyTasks } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'

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

test('a healthy release with one failed task is not failed fast', async () => {
  const s = (sandbox = await startSandbox({ world: twentyTasks(), timeScale: 30 }))
  let stopped = false
  const run = await runAction({
    endpoint: s.url,
    inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, timeout: '10m' },
    onLine: (line) => {
      const task = /tasks started: (\S+?)[,\s]/.exec(`${line} `)?.[1]
      if (stopped || !task) return
      stopped = true
      void ecs(s).send(new StopTaskCommand({ cluster: 'demo', task, reason: 'injected failure' }))
    },
  })
  expect(stopped).toBe(true)
  expect(run.outputs.outcome).toBe('succeeded')
}, 180_000)
