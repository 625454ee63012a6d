// When the canary analysis reads and what it records (src/watch/analysis.ts), on the handler table with a fake clock.
import { describe, expect, it } from '@jest/globals'
import { DEFAULT_RULE, type AnalysisMode, type Minute } from '../src/core/analysis.js'
import type { DeploymentFacts } from '../src/core/facts.js'
import { Timeline } from '../src/core/timeline.js'
import { ANALYSIS_EVERY_MS, CanaryAnalysis } from '../src/watch/analysis.js'
import { contextOf } from '../src/watch/context.js'
import { awsError, fakeAws, fakeClock } from './helpers/fake-aws.js'
import { rollingFacts } from './helpers/ecs-model.js'

const LB = 'app/web/0123456789abcdef'
const BLUE = 'targetgroup/web-blue/0123456789abcdef'
const GREEN = 'targetgroup/web-green/0123456789abcdef'
const START = new Date(Date.UTC(2026, 0, 1, 12, 0))
const at = (minute: number) => START.getTime() + minute * 60_000

/** GetMetricData's answer for target groups 0 and 1 (in the order asked), minute by minute. */
function metricData(sides: Minute[][]) {
  return {
    MetricDataResults: sides.flatMap((minutes, i) => [
      { Id: `requests${i}`, Timestamps: minutes.map((m) => new Date(m.at)), Values: minutes.map((m) => m.requests) },
      { Id: `errors${i}`, Timestamps: minutes.map((m) => new Date(m.at)), Values: minutes.map((m) => m.errors) },
      { Id: `p99${i}`, Timestamps: minutes.map((m) => new Date(m.at)), Values: minutes.map((m) => m.p99 ?? 0) },
    ]),
  }
}

const minutes = (from: number, to: number, requests: number, errors: number, p99 = 0.25): Minute[] =>
  Array.from({ length: to - from }, (_, i) => ({ at: at(from + i), requests, errors, p99 }))

function setup(mode: AnalysisMode, handlers: Parameters<typeof fakeAws>[0], plan: { targets?: boolean; bake?: boolean } = { targets: true }) {
  const clock = fakeClock()
  const aws = fakeAws(handlers, clock)
  const timeline = new Timeline()
  const facts: DeploymentFacts = rollingFacts({})
  const analysis = new CanaryAnalysis(
    aws.clients,
    contextOf(clock),
    timeline,
    {
      mode,
      rule: DEFAULT_RULE,
      ...(plan.targets ? { targets: { loadBalancer: LB, targetGroups: [BLUE, GREEN] as [string, string] } } : {}),
      ...(plan.bake ? { bakeTargetGroup: BLUE } : {}),
    },
    facts,
  )
  return { clock, aws, timeline, facts, analysis }
}

const lines = (timeline: Timeline) => timeline.events.flatMap((e) => (e.type === 'analysis' ? [`${e.result}: ${e.reason}`] : e.type === 'warning' ? [`warning: ${e.message}`] : []))

describe('CanaryAnalysis side by side', () => {
  // Blue served alone before the deployment; green is the new revision, at 5 % errors against 0.5 %.
  const bad = metricData([[...minutes(-30, 0, 6000, 30), ...minutes(0, 3, 5400, 27)], minutes(0, 3, 600, 30)])

  it('reads only while traffic is split, at most every 10 s, and asks for the rollback in rollback mode', async () => {
    const { clock, aws, facts, analysis, timeline } = setup('rollback', { GetMetricData: () => bad })
    expect(await analysis.look(0, START)).toBe(false)
    expect(await analysis.look(100, START)).toBe(false)
    expect(aws.calls).toHaveLength(0)
    expect(await analysis.look(10, START)).toBe(true)
    expect(await analysis.look(10, START)).toBe(false)
    expect(aws.calls).toHaveLength(1)
    expect(aws.calls[0].input).toMatchObject({ StartTime: new Date(at(-30)), ScanBy: 'TimestampAscending' })
    // The new revision is the target group without requests before the deployment, whatever the order asked.
    expect(facts.analysis?.candidate.map((m) => m.requests)).toEqual([600, 600, 600])
    expect(facts.analysis?.verdict).toMatchObject({ result: 'fail', metric: 'error-rate' })
    expect(lines(timeline)).toEqual(['fail: 5xx rate 5.00 % (90/1800) against 0.50 % (81/16200) (+4.50 points, p=<0.0001)'])
    clock.t += ANALYSIS_EVERY_MS
    expect(await analysis.look(10, START)).toBe(true)
    expect(aws.calls).toHaveLength(2)
  })

  it('report mode records the failed verdict with a warning, and never asks for a rollback', async () => {
    const { facts, analysis, timeline } = setup('report', { GetMetricData: () => bad })
    expect(await analysis.look(10, START)).toBe(false)
    expect(facts.analysis?.verdict?.result).toBe('fail')
    expect(lines(timeline)[1]).toBe(
      'warning: canary analysis failed the new revision (analysis: report, so nothing is rolled back): 5xx rate 5.00 % (90/1800) against 0.50 % (81/16200) (+4.50 points, p=<0.0001)',
    )
  })

  it('a read that fails is one warning and no verdict; the deployment goes on', async () => {
    const { clock, analysis, timeline, facts } = setup('rollback', {
      GetMetricData: () => {
        throw awsError('AccessDenied', 'not authorized to perform cloudwatch:GetMetricData')
      },
    })
    expect(await analysis.look(10, START)).toBe(false)
    clock.t += ANALYSIS_EVERY_MS
    expect(await analysis.look(10, START)).toBe(false)
    analysis.finish()
    expect(lines(timeline)).toEqual([
      'warning: canary analysis: AccessDenied: not authorized to perform cloudwatch:GetMetricData; judging again at the next read',
      'nothing: nothing to compare: the two target groups never took production traffic at the same time',
    ])
    expect(facts.analysis?.nothing).toBeDefined()
  })

  it('off reads nothing and records nothing', async () => {
    const { aws, analysis, facts } = setup('off', { GetMetricData: () => bad })
    expect(await analysis.look(10, START)).toBe(false)
    analysis.finish()
    expect(aws.calls).toHaveLength(0)
    expect(facts.analysis).toBeUndefined()
  })
})

describe('CanaryAnalysis before/after (the bake)', () => {
  const window = { deploymentStart: START, bakeStart: new Date(at(2)) }

  it('finds the load balancer once by ListMetrics, then judges the bake against the 30 minutes before', async () => {
    const data = metricData([[...minutes(-30, 0, 6000, 30), ...minutes(0, 2, 6000, 30), ...minutes(2, 5, 6000, 300)]])
    const { clock, aws, facts, analysis, timeline } = setup(
      'rollback',
      {
        ListMetrics: () => ({
          Metrics: [
            {
              Dimensions: [
                { Name: 'TargetGroup', Value: BLUE },
                { Name: 'LoadBalancer', Value: LB },
              ],
            },
          ],
        }),
        GetMetricData: () => data,
      },
      { bake: true },
    )
    expect(await analysis.bakeLook(window)).toBe(true)
    clock.t += ANALYSIS_EVERY_MS
    await analysis.bakeLook(window)
    expect(aws.calls.map((c) => c.op)).toEqual(['ListMetrics', 'GetMetricData', 'GetMetricData'])
    expect(aws.calls[1].input).toMatchObject({ MetricDataQueries: expect.arrayContaining([expect.objectContaining({ Id: 'requests0' })]) })
    // The minutes of the rollout itself (0–1) are neither side.
    expect(facts.analysis).toMatchObject({ beforeAfter: true, verdict: { result: 'fail', metric: 'error-rate' } })
    expect(facts.analysis?.candidate).toHaveLength(3)
    expect(facts.analysis?.baseline).toHaveLength(30)
    analysis.finish()
    expect(lines(timeline).at(-1)).toBe(
      'fail: verdict over 3 minutes of the bake against the 30 before the deployment: 5xx rate 5.00 % (900/18000) against 0.50 % (900/180000) (+4.50 points, p=<0.0001)',
    )
  })

  it('a service without a load balancer target group: nothing to compare, said once at the end', async () => {
    const { aws, analysis, timeline } = setup('report', {}, {})
    expect(await analysis.bakeLook(window)).toBe(false)
    analysis.finish()
    expect(aws.calls).toHaveLength(0)
    expect(lines(timeline)).toEqual(['nothing: nothing to compare: the service has no load balancer target group'])
  })
})
