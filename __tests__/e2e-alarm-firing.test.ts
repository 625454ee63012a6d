// End to end: an alarm already in ALARM when a deployment starts. ECS ignores the deployment's alarms then ("How
// CloudWatch alarms detect Amazon ECS deployment failures"), so a hotfix shipped during an incident is not failed by
// the incident's own alarm; preflight says so in a warning and refuses nothing, and the bake counts that alarm only
// once it has recovered and fired again.
import { afterEach, expect, test } from '@jest/globals'
import { runAction } from '../scripts/action-runner.js'
import { world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

test('a hotfix during an incident: the firing alarm is reported, the deployment and its bake go through', async () => {
  sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 })
  sandbox.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed: the incident' })
  const run = await runAction({
    endpoint: sandbox.url,
    inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, alarms: 'web-5xx', 'bake-time': '5s', timeout: '5m' },
  })
  expect(run.outputs.outcome).toBe('succeeded')
  const warnings = run.commands.filter((c) => c.command === 'warning').map((c) => c.message)
  expect(warnings).toEqual([expect.stringMatching(/^Alarm web-5xx is in ALARM before the deployment starts: ECS ignores the deployment's alarms/)])
  // The outcome says the bake could not judge the release by that alarm, never "no alarm" (issue #21, item 3).
  const unjudged = /baked 5 s, but alarm web-5xx was in ALARM before the deployment and throughout the bake, so the bake could not judge the release by it\./
  const notices = run.commands.filter((c) => c.command === 'notice').map((c) => c.message)
  expect(notices.filter((n) => unjudged.test(n))).toHaveLength(1)
  expect(run.summary).toMatch(unjudged)
  expect(`${run.stdout}${run.summary}`).not.toMatch(/with no alarm/)
  // The action still set the alarms on the service: ECS uses them for the next deployment.
  expect(sandbox.control.calls({ operation: 'UpdateService' })[0].params).toMatchObject({ deploymentConfiguration: { alarms: { alarmNames: ['web-5xx'], enable: true } } })
}, 120_000)
