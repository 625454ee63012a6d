// The mutating calls of the action as end-to-end cases: the world and inputs in which the bundled action makes each
// call, the fault it gets, and how the run ends (e2e-mutating-faults, e2e-fault-table).
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { runAction, type ActionRun } from '../../scripts/action-runner.js'
import { nativeWorld, progressiveWithBake, world } from '../../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../../sandbox/index.js'
import type { FaultSpec } from '../../sandbox/faults.js'
import type { WorldSpec } from '../../sandbox/world-file.js'
import { pushImage } from '../sandbox-helpers.js'
import { credentials, ECR } from './release.js'

let sandbox: Sandbox | undefined

/** For afterEach: stops the sandbox the last case started. */
export async function stopCaseSandbox(): Promise<void> {
  await sandbox?.stop()
  sandbox = undefined
}

export const ecs = (s: Sandbox) => new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })
export const taskDefinitionNow = async (s: Sandbox, service: string) =>
  (await ecs(s).send(new DescribeServicesCommand({ cluster: 'demo', services: [service] }))).services?.[0]?.taskDefinition

export interface Case {
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

/** Every mutating call the action makes, in a run that makes it, with the fault it gets (throttling here). */
export const CASES: Case[] = [
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

/** Starts the case's sandbox, arms `fault` (at once, or at `armAt`) and runs the bundled action. */
export async function deployCase(c: Case, fault: FaultSpec = c.fault): Promise<{ s: Sandbox; run: ActionRun }> {
  const s = (sandbox = await startSandbox({ world: c.world(), timeScale: c.timeScale ?? 60 }))
  const image = c.tag ? await pushImage(s.url, c.tag) : `${ECR}/web:v1.1`
  await c.prepare?.(s)
  s.control.reset()
  if (!c.armAt) s.control.fault(fault)
  let armed = false
  const run = await runAction({
    endpoint: s.url,
    inputs: { cluster: 'demo', service: c.service, image, timeout: '5m', ...c.inputs },
    onLine: (line) => {
      if (armed || !c.armAt?.test(line)) return
      armed = true
      s.control.fault(fault)
      if (c.alarm) s.control.setAlarmState(c.alarm, 'ALARM', { reason: 'Threshold Crossed: 12 5XX responses' })
    },
  })
  return { s, run }
}
