// The rollout as a picture: production traffic on the new revision over time (canary, linear, blue/green: its steps,
// the bake, the rollback), or for a rolling update the running tasks of the new and the old revision over time. A
// Mermaid `xychart-beta`, which GitHub renders in Markdown, job summaries included; a text chart for a terminal.
import type { AnalysisFacts, Minute } from '../core/analysis.js'
import type { DeploymentFacts } from '../core/facts.js'
import { movesTraffic } from '../core/facts-view.js'
import type { Timeline, TimelineEvent } from '../core/timeline.js'
import { elapsed } from './log.js'

/** Samples along the time axis: enough to show each step, few enough that the labels stay legible. */
const SAMPLES = 24

export interface Series {
  name: string
  /** `bar` for the main series, `line` for the one drawn over it. */
  kind: 'bar' | 'line'
  values: number[]
}

export interface RolloutChart {
  title: string
  yLabel: string
  yMax: number
  /** `mm:ss` since the run started, one per sample. */
  x: string[]
  series: Series[]
  /** What happened when, in one line: `00:05 deploy · 00:12 20% · 01:12 100% · 01:20 bake · 01:31 rollback`. */
  marks: string[]
}

/** A step function's value at each sample time: the last point at or before it. */
function sample(points: { at: number; value: number }[], times: number[]): number[] {
  return times.map((t) => {
    let value = points[0]?.value ?? 0
    for (const p of points) if (p.at <= t) value = p.value
    return value
  })
}

const phaseMarks = (events: TimelineEvent[], label: (t: number) => string): string[] => {
  // A rollback event says who rolled back; the rollback phase's own mark would repeat it.
  const phases = events.some((e) => e.type === 'rollback') ? ['deploy', 'bake'] : ['deploy', 'bake', 'rollback']
  return events.flatMap((e) => {
    if (e.type === 'phase' && phases.includes(e.phase)) return [`${label(e.at.getTime())} ${e.phase}`]
    if (e.type === 'alarm' && e.state === 'ALARM') return [`${label(e.at.getTime())} alarm ${e.name}`]
    if (e.type === 'rollback') return [`${label(e.at.getTime())} rollback by ${e.by === 'ecs' ? 'ECS' : 'the action'}`]
    return []
  })
}

/** The chart of this rollout; undefined when there is nothing to draw (not watched, no observation). */
export function rolloutChart(facts: DeploymentFacts, timeline: Timeline, end: number): RolloutChart | undefined {
  const events = timeline.events
  const start = events[0]?.at.getTime() ?? end
  const deployAt = events.find((e) => e.type === 'phase' && e.phase === 'deploy')?.at.getTime() ?? start
  if (end <= deployAt) return undefined
  const times = Array.from({ length: SAMPLES }, (_, i) => deployAt + ((end - deployAt) * i) / (SAMPLES - 1))
  // Labels that differ from one sample to the next: tenths of seconds on a short run, mm:ss on a longer one.
  const step = (end - deployAt) / (SAMPLES - 1)
  const label = (t: number) => (step < 1000 ? `${((t - start) / 1000).toFixed(1)}s` : elapsed(t - start))
  const x = times.map(label)
  const marks = phaseMarks(events, label)
  const shifts = events.filter((e): e is Extract<TimelineEvent, { type: 'traffic-shifted' }> => e.type === 'traffic-shifted' && e.label === 'production')

  if (movesTraffic(facts) || shifts.length > 0) {
    if (shifts.length === 0) return undefined
    const points = [{ at: deployAt, value: shifts[0].from }, ...shifts.map((s) => ({ at: s.at.getTime(), value: s.to }))]
    // A rollback sends production back to the old revision, whether or not a look caught the weight going to 0.
    const rollback = events.find((e) => e.type === 'rollback' || (e.type === 'phase' && e.phase === 'rollback'))
    const rolledBack = timeline.outcome()?.outcome === 'rolled-back' || facts.actionRollback?.completed
    if (rollback && rolledBack && !shifts.some((s) => s.at >= rollback.at && s.to === 0)) points.push({ at: rollback.at.getTime(), value: 0 })
    points.sort((a, b) => a.at - b.at)
    for (const s of shifts) marks.push(`${label(s.at.getTime())} ${s.to}%`)
    return {
      title: 'Production traffic on the new revision (%)',
      yLabel: 'traffic %',
      yMax: 100,
      x,
      series: [{ name: 'traffic on the new revision', kind: 'bar', values: sample(points, times) }],
      marks: sortMarks(marks),
    }
  }

  // Rolling: running tasks per deployment; ours is the new revision, every other deployment runs an older one.
  const ours = facts.deploymentId
  const running = new Map<string, number>()
  const fresh: { at: number; value: number }[] = []
  const old: { at: number; value: number }[] = []
  // The service's size before: the old revision ran it alone. Until a deployment of the old revision is seen (ECS's
  // rollback), its tasks are what ours has not replaced yet.
  const before = ('final' in facts ? facts.final?.counts.desired : undefined) ?? 0
  for (const e of events) {
    if (e.type !== 'deployment') continue
    running.set(e.deploymentId, e.status === 'INACTIVE' ? 0 : e.counts.running)
    const at = e.at.getTime()
    const mine = ours ? (running.get(ours) ?? 0) : 0
    const others = [...running].filter(([id]) => id !== ours)
    fresh.push({ at, value: mine })
    old.push({ at, value: others.length > 0 ? others.reduce((sum, [, n]) => sum + n, 0) : Math.max(0, before - mine) })
  }
  if (fresh.length === 0) return undefined
  fresh.unshift({ at: deployAt, value: 0 })
  old.unshift({ at: deployAt, value: before })
  const series: Series[] = [
    { name: 'tasks of the new revision', kind: 'bar', values: sample(fresh, times) },
    { name: 'tasks of the old revision', kind: 'line', values: sample(old, times) },
  ]
  return {
    title: 'Running tasks: new revision (bars), old revision (line)',
    yLabel: 'tasks',
    yMax: Math.max(1, ...series.flatMap((s) => s.values)),
    x,
    series,
    marks: sortMarks(marks),
  }
}

const sortMarks = (marks: string[]): string[] => [...new Set(marks)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))

/** The chart as a Mermaid block for GitHub Markdown (the job summary). */
export function mermaidChart(chart: RolloutChart): string {
  const quote = (s: string) => `"${s.replace(/"/g, "'")}"`
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${quote(chart.title)}`,
    `  x-axis "time since the run started" [${chart.x.map(quote).join(', ')}]`,
    `  y-axis ${quote(chart.yLabel)} 0 --> ${chart.yMax}`,
    ...chart.series.map((s) => `  ${s.kind} [${s.values.join(', ')}]`),
    '```',
  ].join('\n')
}

/** Parses the block `mermaidChart` wrote (for a terminal or a test); undefined when it is not one. */
export function parseMermaidChart(text: string): RolloutChart | undefined {
  const title = /title "([^"]*)"/.exec(text)?.[1]
  const x = /x-axis "[^"]*" \[([^\]]*)\]/.exec(text)?.[1]
  const y = /y-axis "([^"]*)" 0 --> (\d+)/.exec(text)
  if (title === undefined || x === undefined || !y) return undefined
  const series = [...text.matchAll(/^\s*(bar|line) \[([^\]]*)\]/gm)].map((m, i) => ({
    name: `series ${i + 1}`,
    kind: m[1] as 'bar' | 'line',
    values: m[2].split(',').map((v) => Number(v.trim())),
  }))
  return { title, yLabel: y[1], yMax: Number(y[2]), x: [...x.matchAll(/"([^"]*)"/g)].map((m) => m[1]), series, marks: [] }
}

/** A text chart for a terminal: rows from the top, `█` for the bar series, `•` for the line. */
export function textChart(chart: RolloutChart, rows = 8): string[] {
  const width = chart.x.length
  const out: string[] = [chart.title]
  const bar = chart.series.find((s) => s.kind === 'bar')
  const line = chart.series.find((s) => s.kind === 'line')
  const level = (v: number) => Math.round((v / chart.yMax) * rows)
  for (let r = rows; r >= 1; r--) {
    const label = r === rows ? String(chart.yMax) : r === Math.ceil(rows / 2) ? String(Math.round(chart.yMax / 2)) : ''
    let cells = ''
    for (let i = 0; i < width; i++) {
      const b = bar ? level(bar.values[i]) >= r : false
      const l = line ? level(line.values[i]) === r : false
      cells += l ? '••' : b ? '██' : '  '
    }
    out.push(`${label.padStart(4)} │${cells}`)
  }
  out.push(`   0 └${Array.from({ length: width }, (_, i) => (line && level(line.values[i]) === 0 ? '••' : '──')).join('')}`)
  const first = chart.x[0] ?? ''
  const last = chart.x.at(-1) ?? ''
  out.push(`      ${first}${' '.repeat(Math.max(1, width * 2 - first.length - last.length))}${last}`)
  return out
}

/** The canary analysis per minute: the new revision's 5xx rate and p99 (bars) against the baseline's (line): the old
 * revision's same minute, or before/after the whole 30 minutes before the deployment (its 5xx rate and median p99). */
export function analysisCharts(analysis: AnalysisFacts): RolloutChart[] {
  const { candidate, baseline } = analysis
  if (candidate.length === 0) return []
  const before = wholeWindow(baseline)
  const base = new Map(analysis.beforeAfter ? candidate.map((m) => [m.at, before]) : baseline.map((m) => [m.at, m]))
  const x = candidate.map((m) => new Date(m.at).toISOString().slice(11, 16))
  const rate = (m: Minute | undefined) => (m && m.requests > 0 ? Math.round((m.errors / m.requests) * 10_000) / 100 : 0)
  const p99 = (m: Minute | undefined) => Math.round((m?.p99 ?? 0) * 1000)
  const chart = (title: string, yLabel: string, value: (m: Minute | undefined) => number): RolloutChart => {
    const series: Series[] = [
      { name: 'new revision', kind: 'bar', values: candidate.map(value) },
      { name: 'baseline', kind: 'line', values: candidate.map((m) => value(base.get(m.at))) },
    ]
    return { title, yLabel, yMax: Math.max(1, Math.ceil(Math.max(...series.flatMap((s) => s.values)) * 1.1)), x, series, marks: [] }
  }
  return [chart('5xx rate per minute (%): new revision (bars), baseline (line)', '5xx %', rate), chart('p99 per minute (ms): new revision (bars), baseline (line)', 'p99 ms', p99)]
}

/** A window of minutes as one: its requests and errors, and its median p99. */
function wholeWindow(minutes: Minute[]): Minute {
  const p99s = minutes.flatMap((m) => (m.p99 === undefined ? [] : [m.p99])).sort((a, b) => a - b)
  return {
    at: minutes[0]?.at ?? 0,
    requests: minutes.reduce((s, m) => s + m.requests, 0),
    errors: minutes.reduce((s, m) => s + m.errors, 0),
    ...(p99s.length ? { p99: p99s[Math.floor(p99s.length / 2)] } : {}),
  }
}
