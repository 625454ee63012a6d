// End to end (issue #21, item 1): every mutating call the action makes, answered with throttling or ECS's "Too many
// concurrent attempts" (neither applied), is sent again with back-off within the run's time, and the log says how
// many times it waited. The bundled action runs against the sandbox, which injects the answers.
import { afterEach, describe, expect, test } from '@jest/globals'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs'
import { errorAnnotations, runAction, type ActionRun } from '../scripts/action-runner.js'
import { nativeWorld, progressiveWithBake, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import type { FaultSpec } from '../sandbox/faults.js'
import type { WorldSpec } from '../sandbox/world-file.js'
import { credentials, ECR } from './helpers/release.js'
import { pushImage } from './sandbox-helpers.js'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

const ecs = (s: Sandbox) => new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })
const taskDefinitionNow = async (s: Sandbox, service: string) =>
  (await ecs(s).send(new DescribeServicesCommand({ cluster: 'demo', services: [service] }))).services?.[0]?.taskDefinition

interface Case {
  name: string
  world: () => WorldSpec
  service: string
  inputs: Record<string, string>
  /** The image to deploy; pushed to the sandbox's ECR when it is a tag. */
  tag?: string
  fault: FaultSpec
  /** Sets the fault off at this log line instead of at once (a rollback's call). */
  armAt?: RegExp
  /** The sandbox's alarm put in ALARM at `armAt`. */
  alarm?: string
  outcome: string
  /** What the service runs at the end. */
  revision: string
  /** Simulated seconds per wall second (default 60). */
  timeScale?: number
  /** Before the action runs. */
  prepare?: (s: Sandbox) => Promise<void>
}

const pauseHook = {
  deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 0, lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }] },
}

const CASES: Case[] = [
  {
    name: 'RegisterTaskDefinition throttled 4 times',
    world: () => world('demo.yaml'),
    service: 'web',
    inputs: {},
    fault: { operation: 'RegisterTaskDefinition', kind: 'throttling', count: 4 },
    outcome: 'succeeded',
    revision: 'web:2',
  },
  {
    name: 'RegisterTaskDefinition answered "Too many concurrent attempts" 3 times',
    world: () => world('demo.yaml'),
    service: 'web',
    inputs: {},
    fault: { operation: 'RegisterTaskDefinition', kind: 'too-many-concurrent', count: 3 },
    outcome: 'succeeded',
    revision: 'web:2',
  },
  {
    name: 'UpdateService answered "Too many concurrent attempts" 3 times',
    world: () => world('demo.yaml'),
    service: 'web',
    inputs: {},
    fault: { operation: 'UpdateService', kind: 'too-many-concurrent', count: 3 },
    outcome: 'succeeded',
    revision: 'web:2',
  },
  {
    name: 'UpdateService throttled 3 times (the SDK waits; the log counts its waits)',
    world: () => world('demo.yaml'),
    service: 'web',
    inputs: {},
    fault: { operation: 'UpdateService', kind: 'throttling', count: 3 },
    outcome: 'succeeded',
    revision: 'web:2',
  },
  {
    name: "the rollback's UpdateService throttled 10 times (past the SDK's own retries)",
    world: () => world('demo.yaml'),
    service: 'web',
    inputs: { alarms: 'web-5xx', 'bake-time': '2m', timeout: '10m' },
    fault: { operation: 'UpdateService', kind: 'throttling', count: 10 },
    armAt: /── bake/,
    alarm: 'web-5xx',
    outcome: 'rolled-back',
    revision: 'web:1',
  },
  {
    name: 'CreateDeployment throttled 3 times',
    world: () => progressiveWithBake(),
    service: 'web-cd',
    inputs: { strategy: 'blue-green' },
    fault: { operation: 'CreateDeployment', kind: 'throttling', count: 3 },
    outcome: 'succeeded',
    revision: 'web-cd:2',
  },
  {
    name: 'StopDeployment at the timeout (a hook that never ends) throttled 3 times',
    world: () => world('progressive.yaml'),
    service: 'web-cd',
    inputs: { strategy: 'blue-green', 'codedeploy-hooks': 'AfterAllowTestTraffic=web-cd-smoke-test', timeout: '20s' },
    timeScale: 30,
    prepare: async (s) => s.control.setHook('web-cd-smoke-test', { outcome: 'in-progress' }),
    fault: { operation: 'StopDeployment', kind: 'throttling', count: 3 },
    outcome: 'timed-out',
    revision: 'web-cd:1',
  },
  {
    name: 'StopServiceDeployment(ROLLBACK) at the timeout throttled 3 times',
    world: () => nativeWorld(pauseHook),
    service: 'web',
    tag: 'v2',
    inputs: { timeout: '15s' },
    timeScale: 10,
    fault: { operation: 'StopServiceDeployment', kind: 'throttling', count: 3 },
    outcome: 'timed-out',
    revision: 'web:1',
  },
  {
    name: '`keep-revisions` DeregisterTaskDefinition throttled 3 times',
    world: () => world('demo.yaml'),
    service: 'web',
    inputs: { 'keep-revisions': '1' },
    fault: { operation: 'DeregisterTaskDefinition', kind: 'throttling', count: 3 },
    // web:2 and web:3 exist beside the running web:1, so keeping 1 deregisters them.
    prepare: async (s) => {
      const { taskDefinition } = await ecs(s).send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' }))
      const { family, containerDefinitions, requiresCompatibilities, networkMode, cpu, memory, executionRoleArn } = taskDefinition ?? {}
      const input = { family, containerDefinitions, requiresCompatibilities, networkMode, cpu, memory, executionRoleArn } as RegisterTaskDefinitionCommandInput
      for (let i = 0; i < 2; i++) await ecs(s).send(new RegisterTaskDefinitionCommand(input))
    },
    outcome: 'succeeded',
    revision: 'web:4',
  },
]

async function deploy(c: Case): Promise<{ s: Sandbox; run: ActionRun }> {
  const s = (sandbox = await startSandbox({ world: c.world(), timeScale: c.timeScale ?? 60 }))
  const image = c.tag ? await pushImage(s.url, c.tag) : `${ECR}/web:v1.1`
  await c.prepare?.(s)
  s.control.reset()
  if (!c.armAt) s.control.fault(c.fault)
  let armed = false
  const run = await runAction({
    endpoint: s.url,
    inputs: { cluster: 'demo', service: c.service, image, timeout: '5m', ...c.inputs },
    onLine: (line) => {
      if (armed || !c.armAt?.test(line)) return
      armed = true
      s.control.fault(c.fault)
      if (c.alarm) s.control.setAlarmState(c.alarm, 'ALARM', { reason: 'Threshold Crossed: 12 5XX responses' })
    },
  })
  return { s, run }
}

describe('a mutating call refused for its rate is sent again, and the log counts the waits', () => {
  test.each(CASES.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const { s, run } = await deploy(c)
      expect(run.stderr).toBe('')
      expect(run.outputs.outcome).toBe(c.outcome)
      const operation = c.fault.operation as string
      const calls = s.control.calls({ operation })
      const refused = calls.filter((call) => call.fault !== undefined)
      expect(refused).toHaveLength(c.fault.count as number)
      // Sent again until one was answered.
      expect(calls.filter((call) => call.fault === undefined && call.status === 200).length).toBeGreaterThanOrEqual(1)
      expect(run.stdout).toMatch(new RegExp(`${operation} was throttled: it waited ${c.fault.count} times \\([\\d.]+ s in all\\), then AWS applied it\\.`))
      expect(await taskDefinitionNow(s, c.service)).toMatch(new RegExp(`:task-definition/${c.revision}$`))
    },
    240_000,
  )

  test('RegisterTaskDefinition registers one revision however often it is refused', async () => {
    const { s, run } = await deploy(CASES[1])
    expect(run.outputs.outcome).toBe('succeeded')
    const families = await ecs(s).send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }))
    expect(families.taskDefinitionArns?.map((a) => a.split('/').pop())).toEqual(['web:1', 'web:2'])
  }, 120_000)

  test('throttled until the timeout: failed, naming the call and its waits, nothing deployed, well within timeout + 60 s', async () => {
    const c: Case = { ...CASES[0], inputs: { timeout: '20s' }, fault: { operation: 'RegisterTaskDefinition', kind: 'throttling', count: 'forever' } }
    const started = Date.now()
    const { s, run } = await deploy(c)
    expect(run.outputs.outcome).toBe('failed')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toMatch(/Nothing was deployed: RegisterTaskDefinition \(family web\): ThrottlingException: Rate exceeded/)
    expect(run.stdout).toMatch(/RegisterTaskDefinition was still throttled when its time ran out: it waited \d+ times \([\d.]+ s in all\) and was not applied\./)
    expect(s.control.calls({ mutating: true }).filter((call) => call.status === 200)).toEqual([])
    expect(run.endedAt - started).toBeLessThan(20_000 + 60_000)
  }, 120_000)
})
