// End to end: `pre-deploy-command` (a migration) and `post-deploy-command` (a smoke test) through the bundled action
// against the sandbox. A migration that exits 0 lets the deployment start; one that exits 1 or hangs past the timeout
// stops the run before any UpdateService (the hanging one is stopped with StopTask); a failing smoke test rolls the
// deployment back. RunTask carries the service's network configuration, launch type and tags.
import { afterEach, expect, test } from '@jest/globals'
import { errorAnnotations, runAction } from '../scripts/action-runner.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const MIGRATE = '["npm","run","migrate"]'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

const start = async (timeScale = 60) => (sandbox = await startSandbox({ world: 'sandbox/worlds/demo.yaml', timeScale }))
const deploy = (s: Sandbox, inputs: Record<string, string>) =>
  runAction({ endpoint: s.url, inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, timeout: '5m', ...inputs } })
const ops = (s: Sandbox) => s.control.calls({ service: 'ecs' }).map((c) => c.operation)

test('a migration that exits 0 runs in the service network before UpdateService, and the deployment succeeds', async () => {
  const s = await start()
  const run = await deploy(s, { 'pre-deploy-command': MIGRATE, 'pre-deploy-env': 'MIGRATE_LOCK=1' })
  expect(run.outputs.outcome).toBe('succeeded')
  expect(run.outputs['pre-deploy-exit-code']).toBe('0')
  expect(run.outputs['pre-deploy-task-arn']).toMatch(/:task\/demo\/[0-9a-f]{32}$/)
  const calls = ops(s)
  expect(calls.indexOf('RunTask')).toBeGreaterThan(calls.indexOf('RegisterTaskDefinition'))
  expect(calls.indexOf('RunTask')).toBeLessThan(calls.indexOf('UpdateService'))
  const [runTask] = s.control.calls({ operation: 'RunTask' })
  expect(runTask.params).toMatchObject({
    cluster: 'demo',
    taskDefinition: expect.stringMatching(/:task-definition\/web:2$/),
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-0123456789abcdef0'] } },
    startedBy: 'ecs-safe-deploy/1-1',
    overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'], environment: [{ name: 'MIGRATE_LOCK', value: '1' }] }] },
  })
  expect(run.summary).toContain('One-off tasks')
}, 120_000)

test('a migration that exits 1 fails the run with its exit code and log line, and nothing is deployed', async () => {
  const s = await start()
  await s.control.setBehavior('web:v1.1 -- npm run migrate', { kind: 'exit', exitCode: 1, logLines: ['Error: relation "users" already exists'] })
  const run = await deploy(s, { 'pre-deploy-command': MIGRATE })
  expect(run.outputs.outcome).toBe('failed')
  expect(run.code).toBe(1)
  expect(run.outputs['pre-deploy-exit-code']).toBe('1')
  const annotation = errorAnnotations(run)
  expect(annotation).toContain('Nothing was deployed: The pre-deploy command `npm run migrate` exited 1')
  expect(annotation).toContain('stop code EssentialContainerExited')
  expect(annotation).toContain('Error: relation "users" already exists')
  expect(annotation).toMatch(/Task: https:\/\/us-east-1\.console\.aws\.amazon\.com\/ecs\/v2\/clusters\/demo\/tasks\/[0-9a-f]{32}/)
  expect(run.summary).toContain('relation &quot;users&quot; already exists')
  expect(s.control.calls({ operation: 'UpdateService' })).toHaveLength(0)
}, 120_000)

test('a migration that hangs past the timeout is stopped with StopTask, outcome timed-out, nothing deployed', async () => {
  const s = await start()
  await s.control.setBehavior('web:v1.1 -- sh -c ./migrate.sh', { kind: 'healthy' })
  const run = await deploy(s, { 'pre-deploy-command': './migrate.sh', timeout: '20s' })
  expect(run.outputs.outcome).toBe('timed-out')
  expect(errorAnnotations(run)).toContain('The pre-deploy command `./migrate.sh` did not finish before the timeout; the task was stopped.')
  const [stop] = s.control.calls({ operation: 'StopTask' })
  expect(stop.params).toMatchObject({ cluster: 'demo', task: run.outputs['pre-deploy-task-arn'] })
  expect(s.control.calls({ operation: 'UpdateService' })).toHaveLength(0)
}, 120_000)

test('a smoke test that fails after the deployment completed rolls it back', async () => {
  const s = await start()
  await s.control.setBehavior('web:v1.1 -- ./smoke', { kind: 'exit', exitCode: 3, logLines: ['GET /health returned 500'] })
  const run = await deploy(s, { 'post-deploy-command': '["./smoke"]' })
  expect(run.outputs.outcome).toBe('rolled-back')
  expect(run.outputs['post-deploy-exit-code']).toBe('3')
  const annotation = errorAnnotations(run)
  expect(annotation).toContain('The post-deploy command `./smoke` exited 3')
  expect(annotation).toContain('GET /health returned 500')
  expect(annotation).toMatch(/; rolled back to web:1\./)
  const calls = ops(s)
  expect(calls.indexOf('RunTask')).toBeGreaterThan(calls.indexOf('UpdateService'))
}, 120_000)

test('a bad command and a container the task definition lacks are refused before any change', async () => {
  const s = await start()
  const run = await deploy(s, { 'pre-deploy-command': '["npm", 1]', 'pre-deploy-container': 'nope' })
  expect(run.outputs.outcome).toBe('failed')
  expect(errorAnnotations(run)).toContain('Input `pre-deploy-command` is `["npm", 1]`')
  const again = await deploy(s, { 'pre-deploy-command': MIGRATE, 'pre-deploy-container': 'nope' })
  expect(errorAnnotations(again)).toContain('Input `pre-deploy-container` is `nope`: the task definition has no such container')
  expect(s.control.calls({ mutating: true })).toHaveLength(0)
}, 120_000)
