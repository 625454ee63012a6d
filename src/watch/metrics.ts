// The load balancer metrics the canary analysis judges: AWS/ApplicationELB RequestCount, HTTPCode_Target_5XX_Count
// (Sum) and TargetResponseTime (p99) of a service's target groups, per minute, in one GetMetricData call through the
// run's context (so within its call budget and deadline); and the load balancer a target group is published under.
import { GetMetricDataCommand, ListMetricsCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch'
import type { Clients } from '../aws/clients.js'
import type { Minute } from '../core/analysis.js'
import type { RunContext } from './context.js'

/** Target groups behind one load balancer, as the metrics' dimensions. */
export interface Readings {
  loadBalancer: string
  targetGroups: readonly string[]
}

const METRICS = [
  { id: 'requests', name: 'RequestCount', stat: 'Sum' },
  { id: 'errors', name: 'HTTPCode_Target_5XX_Count', stat: 'Sum' },
  { id: 'p99', name: 'TargetResponseTime', stat: 'p99' },
] as const

/** Each target group's minutes from `fromMs` to `toMs` (server time), oldest first; a minute without requests is
 * absent (CloudWatch publishes none). */
export async function readMinutes(clients: Clients, run: RunContext, targets: Readings, fromMs: number, toMs: number): Promise<Minute[][]> {
  const queries: MetricDataQuery[] = targets.targetGroups.flatMap((targetGroup, i) =>
    METRICS.map((m) => ({
      Id: `${m.id}${i}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: m.name,
          Dimensions: [
            { Name: 'TargetGroup', Value: targetGroup },
            { Name: 'LoadBalancer', Value: targets.loadBalancer },
          ],
        },
        Period: 60,
        Stat: m.stat,
      },
    })),
  )
  const out = await run.call((options) =>
    clients.cloudwatch.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(fromMs), EndTime: new Date(toMs), ScanBy: 'TimestampAscending' }), options),
  )
  const byId = new Map((out.MetricDataResults ?? []).map((r) => [r.Id, r]))
  return targets.targetGroups.map((_, i) => minutesOf(byId.get(`requests${i}`), byId.get(`errors${i}`), byId.get(`p99${i}`)))
}

function minutesOf(requests?: MetricDataResult, errors?: MetricDataResult, p99?: MetricDataResult): Minute[] {
  const valueAt = (r: MetricDataResult | undefined): Map<number, number> => new Map((r?.Timestamps ?? []).map((t, i) => [t.getTime(), r?.Values?.[i] ?? 0]))
  const errorsAt = valueAt(errors)
  const p99At = valueAt(p99)
  return [...valueAt(requests)]
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a - b)
    .map(([at, n]) => ({ at, requests: n, errors: errorsAt.get(at) ?? 0, ...(p99At.has(at) ? { p99: p99At.get(at) } : {}) }))
}

/** The load balancer a target group's metrics are published under (ECS names only the target group of a rolling
 * service): ListMetrics by its TargetGroup dimension. Undefined when it has published nothing yet. */
export async function loadBalancerOf(clients: Clients, run: RunContext, targetGroup: string): Promise<string | undefined> {
  const out = await run.call((options) =>
    clients.cloudwatch.send(
      new ListMetricsCommand({ Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'TargetGroup', Value: targetGroup }] }),
      options,
    ),
  )
  return out.Metrics?.flatMap((m) => m.Dimensions ?? []).find((d) => d.Name === 'LoadBalancer')?.Value
}
