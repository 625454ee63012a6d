// End to end: the canary analysis through the bundled action (dist/index.js) on the sandbox, whose target groups
// publish AWS/ApplicationELB metrics from each image's `traffic` behaviour. ECS-native canaries; a service without a
// load balancer.
import { afterEach, describe, expect, test } from '@jest/globals'
import { runAction, type ActionRun, errorAnnotations } from '../scripts/action-runner.js'
import { loadBalancer, nativeWorld, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'
import { parseMermaidChart } from '../src/report/chart.js'
import { pushImage } from './sandbox-helpers.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const WEB = { requestsPerSecond: 100, errorRate: 0.005, latencyMs: { p50: 50, p99: 250 } }
const healthy = (traffic = WEB) => ({ kind: 'healthy' as const, traffic })

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

/** Simulated seconds per wall second: a 5-minute canary step lasts 15 s, read every 10 s by the analysis. */
const SCALE = 20

async function start(spec: WorldSpec): Promise<Sandbox> {
  sandbox = await startSandbox({ world: spec, timeScale: SCALE })
  return sandbox
}

function deploy(s: Sandbox, inputs: Record<string, string>): Promise<ActionRun> {
  s.control.reset()
  return runAction({ inputs: { cluster: 'demo', service: 'web', timeout: '3m', ...inputs }, endpoint: s.url })
}

const mutating = (s: Sandbox) => s.control.calls({ mutating: true }).map((c) => c.operation)
const verdicts = (run: ActionRun) => [...run.stdout.matchAll(/canary analysis: (\w+) — (.*)/g)].map((m) => `${m[1]}: ${m[2]}`)

describe('canary analysis through the bundled action', () => {
  test('report (the default) on a healthy canary: verdict pass with its numbers, the chart in the summary, succeeded', async () => {
    const s = await start(nativeWorld({}, { behaviors: { 'web:v1': healthy(), 'web:v2': healthy() } }))
    const run = await deploy(s, { image: await pushImage(s.url, 'v2'), strategy: 'canary 10% 5m' })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(verdicts(run).at(-1)).toMatch(/^pass: verdict over \d+ minutes: 5xx rate [\d.]+ % \(\d+\/\d+\) against [\d.]+ % \(\d+\/\d+\), p99 \d+ ms against \d+ ms$/)
    expect(s.control.calls({ operation: 'GetMetricData' }).length).toBeGreaterThan(0)
    expect(mutating(s)).not.toContain('StopServiceDeployment')
    expect(run.summary).toMatch(/<h3>Canary analysis<\/h3>\s*<p><b>pass<\/b> over \d+ minutes?: 5xx rate/)
    const charts = [...run.summary.matchAll(/```mermaid[\s\S]*?```/g)].map((m) => parseMermaidChart(m[0]))
    const p99 = charts.find((c) => c?.title.startsWith('p99 per minute (ms)'))
    expect(charts.find((c) => c?.title.startsWith('5xx rate per minute (%)'))?.series).toHaveLength(2)
    expect(p99?.x.length).toBeGreaterThan(0)
    for (const series of p99?.series ?? []) {
      expect(series.values).toHaveLength(p99?.x.length ?? 0)
      for (const v of series.values) expect(v).toBeGreaterThan(150)
    }
  }, 120_000)

  test('rollback on a canary with 5 % errors against 0.5 %: StopServiceDeployment(ROLLBACK), rolled-back naming the metric and the numbers', async () => {
    const s = await start(nativeWorld({}, { behaviors: { 'web:v1': healthy(), 'web:v2': healthy({ ...WEB, errorRate: 0.05 }) } }))
    const run = await deploy(s, { image: await pushImage(s.url, 'v2'), strategy: 'canary 10% 10m', analysis: 'rollback' })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toMatch(
      /Canary analysis failed the new revision: 5xx rate [\d.]+ % \(\d+\/\d+\) against [\d.]+ % \(\d+\/\d+\) \(\+[\d.]+ points, p=[<\d.]+\); rolled back to web:1/,
    )
    expect(s.control.calls({ operation: 'StopServiceDeployment' })[0].params).toMatchObject({ stopType: 'ROLLBACK' })
    expect(verdicts(run)).toContainEqual(expect.stringMatching(/^fail: 5xx rate/))
  }, 120_000)

  test('rollback on a CodeDeploy canary with a p99 50 % slower: StopDeployment, rolled-back naming the latency', async () => {
    const progressive = world('progressive.yaml')
    const behaviors = { ...progressive.behaviors, 'web:v1': healthy(), 'web:v1.1': healthy({ ...WEB, latencyMs: { p50: 75, p99: 375 } }) }
    const s = await start({ ...progressive, behaviors })
    const run = await runAction({
      inputs: { cluster: 'demo', service: 'web-cd', image: `${ECR}/web:v1.1`, strategy: 'canary 10% 10m', analysis: 'rollback', timeout: '5m' },
      endpoint: s.url,
    })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(errorAnnotations(run)).toMatch(/Canary analysis failed the new revision: p99 \d+ ms against \d+ ms for [3-9] minutes in a row/)
    expect(s.control.calls({ operation: 'StopDeployment' })[0].params).toMatchObject({ autoRollbackEnabled: true })
    expect(s.control.calls({ operation: 'GetMetricData' }).length).toBeGreaterThan(0)
  }, 120_000)

  test("before/after on a rolling service's bake: 5xx against the 30 minutes before → rolled back to the previous revision", async () => {
    const rolling = nativeWorld({ loadBalancers: [loadBalancer] }, { behaviors: { 'web:v1': healthy(), 'web:v2': healthy({ ...WEB, errorRate: 0.05 }) } })
    const s = await start(rolling)
    const run = await deploy(s, { image: await pushImage(s.url, 'v2'), 'bake-time': '1m', analysis: 'rollback' })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(errorAnnotations(run)).toMatch(/Canary analysis failed the new revision: 5xx rate [\d.]+ % \(\d+\/\d+\) against [\d.]+ % \(\d+\/\d+\)/)
    expect(run.stdout).toMatch(/── bake: /)
    expect(s.control.calls({ operation: 'ListMetrics' })[0].params).toMatchObject({ Dimensions: [{ Name: 'TargetGroup', Value: 'targetgroup/web-blue/0123456789abcdef' }] })
    const updates = s.control.calls({ operation: 'UpdateService' }).map((c) => (c.params as { taskDefinition?: string }).taskDefinition)
    expect(updates.at(-1)).toMatch(/web:1$/)
  }, 120_000)

  test('a service with little traffic: inconclusive, said as such, never a pass', async () => {
    const s = await start(nativeWorld({}))
    const run = await deploy(s, { image: await pushImage(s.url, 'v2'), strategy: 'canary 10% 5m', analysis: 'rollback' })
    expect(run.outputs.outcome).toBe('succeeded')
    expect(verdicts(run).at(-1)).toMatch(
      /^inconclusive: verdict over \d+ minutes: too little traffic to judge: \d+ requests on the new revision, \d+ on the baseline \(100 needed on each\)$/,
    )
    expect(run.stdout).not.toMatch(/canary analysis: pass/)
  }, 120_000)

  test('no load balancer: report says there is nothing to compare; rollback fails preflight with no change', async () => {
    const s = await start(world('demo.yaml'))
    const reported = await deploy(s, { image: await pushImage(s.url, 'v2') })
    expect(reported.outputs.outcome).toBe('succeeded')
    expect(verdicts(reported)).toEqual(['nothing: nothing to compare: the service has no load balancer target group'])
    const refused = await deploy(s, { image: await pushImage(s.url, 'v3'), analysis: 'rollback' })
    expect(refused.outputs.outcome).toBe('failed')
    expect(refused.code).toBe(1)
    expect(s.control.calls({ mutating: true })).toEqual([])
    expect(errorAnnotations(refused)).toContain('Input `analysis` is `rollback` but service `web` has no load balancer target group to judge the new revision by')
  }, 120_000)
})
