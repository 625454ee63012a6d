import { describe, expect, it } from '@jest/globals'
import type { AnalysisFacts, Minute } from '../src/core/analysis.js'
import { analysisCharts, mermaidChart, parseMermaidChart, textChart } from '../src/report/chart.js'

const T0 = Date.UTC(2026, 0, 1, 12, 0)
const minute = (i: number, requests: number, errors: number, p99: number): Minute => ({ at: T0 + i * 60_000, requests, errors, p99 })

describe('the canary analysis charts', () => {
  it('side by side: each minute of the new revision (bars) against the same minute of the old one (line)', () => {
    const analysis: AnalysisFacts = {
      mode: 'report',
      candidate: [minute(0, 600, 30, 0.3), minute(1, 600, 6, 0.26)],
      baseline: [minute(0, 5400, 27, 0.25), minute(1, 5400, 54, 0.24)],
    }
    const [errors, p99] = analysisCharts(analysis)
    expect(errors.x).toEqual(['12:00', '12:01'])
    expect(errors.series.map((s) => s.values)).toEqual([
      [5, 1],
      [0.5, 1],
    ])
    expect(p99.series.map((s) => s.values)).toEqual([
      [300, 260],
      [250, 240],
    ])
    expect(p99.yMax).toBe(330)
    // Through the summary's Mermaid block and back, as the demo's terminal view draws it.
    const parsed = parseMermaidChart(mermaidChart(p99))
    expect(parsed?.series.map((s) => s.values)).toEqual(p99.series.map((s) => s.values))
    expect(textChart(parsed!)[0]).toBe('p99 per minute (ms): new revision (bars), baseline (line)')
  })

  it('before/after: every minute of the bake against the 30 minutes before as one (their 5xx rate and median p99)', () => {
    const before = [minute(-3, 1000, 5, 0.2), minute(-2, 1000, 5, 0.3), minute(-1, 1000, 5, 0.25)]
    const [errors, p99] = analysisCharts({ mode: 'rollback', beforeAfter: true, candidate: [minute(5, 1000, 50, 0.25), minute(6, 1000, 40, 0.25)], baseline: before })
    expect(errors.series[1].values).toEqual([0.5, 0.5])
    expect(errors.series[0].values).toEqual([5, 4])
    expect(p99.series[1].values).toEqual([250, 250])
  })

  it('draws nothing before a minute was judged', () => {
    expect(analysisCharts({ mode: 'report', candidate: [], baseline: [] })).toEqual([])
  })
})
