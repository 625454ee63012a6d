// The sandbox publishes AWS/ApplicationELB per-minute metrics per target group (TargetGroup and LoadBalancer, the
// load balancer read from the listener rule's ARN), split by the traffic weights, and serves them with GetMetricData.
import { afterEach, describe, expect, it } from '@jest/globals'
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch'
import { ECSClient, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { loadBalancer, nativeWorld } from '../scripts/worlds.js'
import { clientConfig, pushImage } from './sandbox-helpers.js'

const LB = 'app/web/0123456789abcdef'
const BLUE = 'targetgroup/web-blue/0123456789abcdef'
const GREEN = 'targetgroup/web-green/0123456789abcdef'
const TRAFFIC = { requestsPerSecond: 100, errorRate: 0.005, latencyMs: { p50: 50, p99: 250 } }

const query = (id: string, targetGroup: string, metric: string, stat: string, loadBalancer = LB): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: 'AWS/ApplicationELB',
      MetricName: metric,
      Dimensions: [
        { Name: 'TargetGroup', Value: targetGroup },
        { Name: 'LoadBalancer', Value: loadBalancer },
      ],
    },
    Period: 60,
    Stat: stat,
  },
})

const total = (xs: number[] = []): number => xs.reduce((a, b) => a + b, 0)

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

async function read(s: Sandbox, startMs: number, endMs: number) {
  const cw = new CloudWatchClient(clientConfig(s.url))
  const out = await cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(startMs),
      EndTime: new Date(endMs),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        query('blueRequests', BLUE, 'RequestCount', 'Sum'),
        query('blue5xx', BLUE, 'HTTPCode_Target_5XX_Count', 'Sum'),
        query('blueP99', BLUE, 'TargetResponseTime', 'p99'),
        query('greenRequests', GREEN, 'RequestCount', 'Sum'),
        query('green5xx', GREEN, 'HTTPCode_Target_5XX_Count', 'Sum'),
        query('greenP99', GREEN, 'TargetResponseTime', 'p99'),
      ],
    }),
  )
  return Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r]))
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]
}

describe('load balancer metrics', () => {
  it('a canary: 10 % of the requests on the green target group, its errors and p99 from its image', async () => {
    const world = nativeWorld(
      { deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 } } },
      { behaviors: { 'web:v1': { kind: 'healthy', traffic: TRAFFIC }, 'web:v2': { kind: 'healthy', traffic: { ...TRAFFIC, errorRate: 0.05, latencyMs: { p50: 75, p99: 375 } } } } },
    )
    const s = (sandbox = await startSandbox({ world, timeScale: 0 }))
    const steady = await read(s, s.control.now() - 5 * 60_000, s.control.now())
    expect(steady.blueRequests.Values?.length).toBeGreaterThanOrEqual(4)
    for (const v of steady.blueRequests.Values ?? []) expect(v).toBeGreaterThan(5400)
    expect(steady.greenRequests.Values).toEqual([])

    const ecs = new ECSClient(clientConfig(s.url))
    const td = { ...(world.taskDefinitions?.[0] as unknown as RegisterTaskDefinitionCommandInput) }
    td.containerDefinitions = [{ ...td.containerDefinitions?.[0], image: await pushImage(s.url, 'v2') }]
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(td))
    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', taskDefinition: registered.taskDefinition?.taskDefinitionArn }))
    s.control.advance(60)
    const shiftedAt = s.control.now()
    s.control.advance(5 * 60)
    const canary = await read(s, shiftedAt, s.control.now())
    const greens = canary.greenRequests.Values ?? []
    const blues = canary.blueRequests.Values ?? []
    expect(greens.length).toBeGreaterThanOrEqual(4)
    const share = total(greens) / (total(greens) + total(blues))
    expect(share).toBeGreaterThan(0.08)
    expect(share).toBeLessThan(0.12)
    // Each minute's p99 is a noisy sample (the green side sees a tenth of the requests), and the minutes a run reads
    // depend on when it starts: their median says which image served them, one minute's extreme need not.
    expect(median(canary.greenP99.Values ?? [])).toBeGreaterThan(0.3)
    expect(median(canary.blueP99.Values ?? [])).toBeLessThan(0.3)
    expect(total(canary.green5xx.Values) / total(greens)).toBeGreaterThan(0.035)
    expect(total(canary.blue5xx.Values) / total(blues)).toBeLessThan(0.01)
    // Read again, the same minutes say the same: the noise is seeded by the target group and the minute.
    expect((await read(s, shiftedAt, s.control.now())).greenRequests.Values).toEqual(greens)
    expect(canary.greenRequests.Timestamps?.[0].getTime() % 60_000).toBe(0)
  })

  it('a rolling service names no listener: its target group is published under a load balancer of its own, found by ListMetrics', async () => {
    const world = nativeWorld({ loadBalancers: [loadBalancer] }, { behaviors: { 'web:v1': { kind: 'healthy', traffic: TRAFFIC } } })
    const s = (sandbox = await startSandbox({ world, timeScale: 0 }))
    const cw = new CloudWatchClient(clientConfig(s.url))
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'TargetGroup', Value: BLUE }] }))
    expect(listed.Metrics).toHaveLength(1)
    const lb = listed.Metrics?.[0].Dimensions?.find((d) => d.Name === 'LoadBalancer')?.Value
    expect(lb).toMatch(/^app\/web-blue\/[0-9a-f]{16}$/)
    expect((await cw.send(new ListMetricsCommand({ Namespace: 'AWS/ApplicationELB', Dimensions: [{ Name: 'TargetGroup', Value: GREEN }] }))).Metrics).toEqual([])
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(s.control.now() - 5 * 60_000),
        EndTime: new Date(s.control.now()),
        MetricDataQueries: [query('r', BLUE, 'RequestCount', 'Sum', lb)],
      }),
    )
    // All of the service's 100 requests a second, minute by minute, newest first (CloudWatch's default order).
    const values = out.MetricDataResults?.[0].Values ?? []
    expect(values.length).toBeGreaterThanOrEqual(4)
    for (const v of values) expect(v).toBeGreaterThan(5500)
    const times = out.MetricDataResults?.[0].Timestamps?.map((t) => t.getTime()) ?? []
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('a traffic behaviour is checked where behaviours come in: the world file and the control API', async () => {
    const bad = { kind: 'healthy', traffic: { ...TRAFFIC, errorRate: 5 } }
    await expect(startSandbox({ world: nativeWorld({}, { behaviors: { 'web:v1': bad as never } }), timeScale: 0 })).rejects.toThrow(
      'behavior.traffic .errorRate must be a number from 0 to 1',
    )
    const s = (sandbox = await startSandbox({ world: nativeWorld({}), timeScale: 0 }))
    const res = await fetch(`${s.url}/_sandbox/behaviors`, { method: 'POST', body: JSON.stringify({ image: 'web:v3', behavior: bad }) })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toContain('behavior.traffic .errorRate must be a number from 0 to 1')
    s.control.setBehavior('web:v3', { kind: 'healthy', traffic: TRAFFIC })
    expect(s.control.behaviors()['web:v3']).toEqual({ kind: 'healthy', traffic: TRAFFIC })
  })
})
