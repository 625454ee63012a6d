// End to end: an alarm already in ALARM when a deployment starts. ECS ignores the deployment's alarms then ("How
// CloudWatch alarms detect Amazon ECS deployment failures"), so a hotfix shipped during an incident is not failed by
// the incident's own alarm; preflight says so in a warning and refuses nothing, and the bake counts that alarm only
// once it has recovered and fired again.
import { afterEach, expect, test } from '@jest/globals'
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { errorAnnotations, runAction, type ActionRun } from '../scripts/action-runner.js'
import { world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

/** The demo world with `web-5xx` in ALARM (the incident), and a deployment of web:v1.1 watching it through a bake. */
async function deployDuringIncident(bakeTime: string, onLine?: (line: string) => void): Promise<{ s: Sandbox; run: ActionRun }> {
  const s = (sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 }))
  s.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed: the incident' })
  const run = await runAction({
    endpoint: s.url,
    inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, alarms: 'web-5xx', 'bake-time': bakeTime, timeout: '5m' },
    onLine,
  })
  const warnings = run.commands.filter((c) => c.command === 'warning').map((c) => c.message)
  expect(warnings).toEqual([expect.stringMatching(/^Alarm web-5xx is in ALARM before the deployment starts: ECS ignores the deployment's alarms/)])
  return { s, run }
}

/** The log lines from the bake's start on. */
const bakeLog = (run: ActionRun) => run.stdout.slice(run.stdout.search(/── bake: /))

const serviceNow = async (s: Sandbox) =>
  (await new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials }).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))).services![0]

test('a hotfix during an incident: the firing alarm is reported, the deployment and its bake go through', async () => {
  const { s, run } = await deployDuringIncident('5s')
  expect(run.outputs.outcome).toBe('succeeded')
  // The bake ran its 5 s, saw the alarm still firing, and let it be.
  expect(run.stdout).toMatch(/── bake: 5 s, alarms: web-5xx/)
  expect(bakeLog(run)).toMatch(/alarm web-5xx: ALARM — Threshold Crossed: the incident/)
  expect(s.control.calls({ operation: 'DescribeAlarms' }).length).toBeGreaterThan(1)
  expect(s.control.calls({ operation: 'UpdateService' })).toHaveLength(1)
  // The outcome says the bake could not judge the release by that alarm, never "no alarm" (issue #21, item 3).
  const unjudged = /baked 5 s, but alarm web-5xx was in ALARM before the deployment and throughout the bake, so the bake could not judge the release by it\./
  const notices = run.commands.filter((c) => c.command === 'notice').map((c) => c.message)
  expect(notices.filter((n) => unjudged.test(n))).toHaveLength(1)
  expect(run.summary).toMatch(unjudged)
  expect(`${run.stdout}${run.summary}`).not.toMatch(/with no alarm/)
  // The action still set the alarms on the service: ECS uses them for the next deployment.
  expect(s.control.calls({ operation: 'UpdateService' })[0].params).toMatchObject({ deploymentConfiguration: { alarms: { alarmNames: ['web-5xx'], enable: true } } })
  expect((await serviceNow(s)).taskDefinition).toMatch(/:task-definition\/web:2$/)
}, 120_000)

test('the incident alarm recovers during the bake and fires again: the bake rolls the release back', async () => {
  let recovered = false
  let firedAgain = false
  const { s, run } = await deployDuringIncident('30s', (line) => {
    if (!recovered && /── bake: /.test(line)) {
      recovered = true
      sandbox!.control.setAlarmState('web-5xx', 'OK', { reason: 'Threshold Crossed: recovered' })
    } else if (recovered && !firedAgain && /alarm web-5xx: OK/.test(line)) {
      // The bake has seen it recover: now it fires again.
      firedAgain = true
      sandbox!.control.setAlarmState('web-5xx', 'ALARM', { reason: 'Threshold Crossed: fired again' })
    }
  })
  expect(firedAgain).toBe(true)
  expect(run.outputs.outcome).toBe('rolled-back')
  expect(run.code).toBe(1)
  // The trigger is the bake's alarm firing again, not the incident's first firing.
  expect(errorAnnotations(run)).toMatch(/^Alarm web-5xx went to ALARM during the bake \(Threshold Crossed: fired again\)/)
  expect(bakeLog(run)).toMatch(/alarm web-5xx: OK[^]*alarm web-5xx: ALARM — Threshold Crossed: fired again/)
  const updates = s.control.calls({ operation: 'UpdateService' })
  expect(updates.map((c) => (c.params as { taskDefinition?: string }).taskDefinition)).toEqual([expect.stringMatching(/web:2$/), expect.stringMatching(/web:1$/)])
  expect((await serviceNow(s)).taskDefinition).toMatch(/:task-definition\/web:1$/)
}, 120_000)
