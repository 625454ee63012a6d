import { afterEach, expect, test } from '@jest/globals'
import { ECSClient, ListTasksCommand, DescribeTasksCommand } from '@aws-sdk/client-ecs'
import { runAction, errorAnnotations } from '../scripts/action-runner.js'
import { nativeWorld } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { pushImage } from './sandbox-helpers.js'

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

test('explore', async () => {
  const s = (sandbox = await startSandbox({
    world: nativeWorld({ desiredCount: Number(process.env.DESIRED ?? 10), deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0 } }, { behaviors: { 'web:v3': { kind: 'crash', exitCode: 3, afterSeconds: 2, logLines: ['Error: DATABASE_URL is not set'] } } }),
    timeScale: Number(process.env.SCALE ?? 10),
  }))
  const image = await pushImage(s.url, 'v3')
  s.control.reset()
  const run = await runAction({ endpoint: s.url, inputs: { cluster: 'demo', service: 'web', image, timeout: '3m', ...(process.env.MTF ? { 'max-task-failures': process.env.MTF } : {}) } })
  console.log(run.stdout)
  console.log(errorAnnotations(run))
  console.log(JSON.stringify(s.control.calls({ mutating: true }).map((c) => [c.operation, c.params, c.simMs])))
  console.log(JSON.stringify(s.control.transitions().map((t) => [t.kind, t.state, t.simMs])))
  const ecs = new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })
  const arns = (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'web', desiredStatus: 'STOPPED' }))).taskArns ?? []
  const tasks = arns.length ? (await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks ?? [] : []
  console.log(JSON.stringify(tasks.map((t) => [t.taskDefinitionArn?.split('/')[1], t.startedBy, t.stopCode, t.containers?.[0]?.exitCode, t.stoppingAt?.getTime(), t.stoppedAt?.getTime()])))
  expect(run.outputs.outcome).toBe('rolled-back')
}, 180_000)
