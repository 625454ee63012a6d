// CloudWatch GetMetricData and ListMetrics over the load balancer metrics the sandbox publishes (elb-metrics.ts): MetricStat queries
// of AWS/ApplicationELB RequestCount / HTTPCode_Target_5XX_Count (Sum) and TargetResponseTime (pNN or Average) per
// TargetGroup and LoadBalancer, at a period of 60 s. Minutes without requests have no datapoint, as in CloudWatch.
import type { LoadBalancerMetrics } from './elb-metrics.js'
import { epochSeconds } from './input.js'
import { AwsError, type JsonObject } from './types.js'

const METRICS = new Set(['RequestCount', 'HTTPCode_Target_5XX_Count', 'TargetResponseTime'])

export function getMetricData(input: JsonObject, metrics: LoadBalancerMetrics | undefined, nowMs: number): JsonObject {
  const queries = (input.MetricDataQueries as JsonObject[] | undefined) ?? []
  const start = toMs(input.StartTime, 'StartTime')
  const end = toMs(input.EndTime, 'EndTime')
  if (end <= start) throw new AwsError('InvalidParameterValue', 'The parameter StartTime must be less than the parameter EndTime.')
  const descending = input.ScanBy !== 'TimestampAscending'
  return { MetricDataResults: queries.map((q) => result(q, metrics, start, end, nowMs, descending)), Messages: [] }
}

function result(q: JsonObject, metrics: LoadBalancerMetrics | undefined, start: number, end: number, nowMs: number, descending: boolean): JsonObject {
  const stat = q.MetricStat as JsonObject | undefined
  if (!stat) throw new AwsError('InvalidParameterValue', `The sandbox serves MetricStat queries only (query ${String(q.Id)} has none).`)
  const metric = stat.Metric as JsonObject
  const dims = Object.fromEntries(((metric.Dimensions as JsonObject[] | undefined) ?? []).map((d) => [d.Name, d.Value])) as Record<string, string>
  if (stat.Period !== 60) throw new AwsError('InvalidParameterValue', `The sandbox serves Period 60 only (query ${String(q.Id)}).`)
  const known = metric.Namespace === 'AWS/ApplicationELB' && METRICS.has(metric.MetricName as string) && dims.LoadBalancer && dims.TargetGroup
  const timestamps: number[] = []
  const values: number[] = []
  for (let at = Math.ceil(start / 60_000) * 60_000; known && metrics && at < end; at += 60_000) {
    const m = metrics.minute(dims.LoadBalancer, dims.TargetGroup, at, nowMs)
    const value = m && valueOf(metric.MetricName as string, stat.Stat as string, m)
    if (value === undefined) continue
    timestamps.push(epochSeconds(at))
    values.push(value)
  }
  if (descending) [timestamps, values].forEach((xs) => xs.reverse())
  return { Id: q.Id, Label: (q.Label as string | undefined) ?? (metric.MetricName as string), Timestamps: timestamps, Values: values, StatusCode: 'Complete' }
}

function valueOf(name: string, stat: string, m: { requests: number; errors: number; p99?: number }): number | undefined {
  if (name === 'RequestCount') return m.requests
  if (name === 'HTTPCode_Target_5XX_Count') return m.errors > 0 ? m.errors : undefined
  // Only p99 is drawn; other statistics of the response time are not served rather than made up.
  return stat === 'p99' ? m.p99 : undefined
}

function toMs(v: unknown, name: string): number {
  if (typeof v === 'number') return v * 1000
  if (v instanceof Date) return v.getTime()
  throw new AwsError('InvalidParameterValue', `The parameter ${name} must be a timestamp.`)
}

/** ListMetrics over the load balancer metrics: each target group's three metrics, filtered as CloudWatch filters. */
export function listMetrics(input: JsonObject, metrics: LoadBalancerMetrics | undefined): JsonObject {
  const wanted = ((input.Dimensions as JsonObject[] | undefined) ?? []).map((d) => ({ name: d.Name as string, value: d.Value as string | undefined }))
  const all = (metrics?.dimensions() ?? []).flatMap(({ loadBalancer, targetGroup }) =>
    [...METRICS].map((name) => ({
      Namespace: 'AWS/ApplicationELB',
      MetricName: name,
      Dimensions: [
        { Name: 'TargetGroup', Value: targetGroup },
        { Name: 'LoadBalancer', Value: loadBalancer },
      ],
    })),
  )
  const found = all.filter(
    (m) =>
      (input.Namespace === undefined || input.Namespace === m.Namespace) &&
      (input.MetricName === undefined || input.MetricName === m.MetricName) &&
      wanted.every((w) => m.Dimensions.some((d) => d.Name === w.name && (w.value === undefined || d.Value === w.value))),
  )
  return { Metrics: found }
}
