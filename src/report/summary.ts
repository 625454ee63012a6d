// The job summary: outcome and links, what was deployed where, the rollout as a chart, what changed in the task
// definition, the phases with their times, and on failure the cause (the alarm or the stopped tasks with reasons,
// exit codes and the telling log lines, service events). HTML that GitHub's Markdown keeps, with no Markdown inside
// it, no unbroken string wider than a table cell, and no empty section. Kept far below GitHub's 1 MiB.
import * as core from '@actions/core'
import { revisionOf } from '../aws/arn.js'
import type { AnalysisFacts } from '../core/analysis.js'
import type { DeploymentFacts } from '../core/facts.js'
import { strategyDeployment } from '../core/facts-view.js'
import type { OneOffTask } from '../core/one-off.js'
import type { Decision } from '../core/outcome.js'
import { describeStop, groupStoppedTasks, isFailure, tellingTail } from '../core/stopped.js'
import { describeChange, type TaskDefinitionChange } from '../core/task-definition-diff.js'
import type { ServiceResult } from '../core/release.js'
import type { FailureCause, Outcome, Timeline } from '../core/timeline.js'
import { analysisCharts, mermaidChart, rolloutChart } from './chart.js'
import { consoleLinks, type ConsoleLinks } from './console.js'
import { elapsed } from './log.js'
import { writeSummaryBuffer } from './guard.js'

/** GitHub rejects a step summary over 1 MiB; stay well under it. */
export const MAX_SUMMARY_CHARS = 200_000
const MAX_LINE = 300

const MARK: Record<Outcome, string> = {
  succeeded: '✅',
  'rolled-back': '↩️',
  failed: '❌',
  'timed-out': '⏱️',
  started: '🚀',
  cancelled: '🛑',
  'awaiting-approval': '⏸️',
}

/** Text as HTML: `&`, `<`, `>` and `"` escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Text as HTML, cut to a line. */
function escapeOnly(text: string): string {
  return escapeHtml(text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text)
}

/** Where a long word may break: after a separator, or every 24 letters of a hash. */
const LONG_WORD = /[^\s<>]{28,}/g
function breakable(html: string): string {
  return html.replace(LONG_WORD, (word) => word.replace(/([/:@,=|]|\.(?=\D))(?!$)/g, '$1<wbr>').replace(/([A-Za-z0-9]{24})(?=[A-Za-z0-9])/g, '$1<wbr>'))
}

/** Full ARNs as their last part (`web:42`), digests as their first 12 hex digits: both overflow a table otherwise. */
function shorten(text: string): string {
  return text
    .replace(/\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d*:([^\s,;)]+)/g, (_, resource: string) => resource.slice(resource.lastIndexOf('/') + 1))
    .replace(/\b(sha256:[0-9a-f]{12})[0-9a-f]{52}\b/g, '$1…')
}

/** Text for a table cell or paragraph: shortened, escaped, `code` as <code>, long words breakable. */
function escape(text: string): string {
  return breakable(escapeOnly(shorten(text)).replace(/`([^`]+)`/g, '<code>$1</code>'))
}

const link = (href: string | undefined, text: string): string => (href ? `<a href="${escapeOnly(href)}">${text}</a>` : text)

/** A table's header row. */
const headers = (...names: string[]) => names.map((data) => ({ data, header: true }))

type Row = [{ data: string; header: true }, string]
/** A row of a two-column table: the name as its header cell. */
const row = (name: string, value: string): Row => [{ data: name, header: true }, escape(value)]

export interface SummaryInput {
  facts: DeploymentFacts
  decision: Decision
  timeline: Timeline
  cause?: FailureCause
  /** What the new task definition changes against the one it replaces. */
  changes?: TaskDefinitionChange[]
  /** The region, when no ARN names it (links). */
  region?: string
  /** The services of a release sharing the summary's size limit (1 when alone). */
  share?: number
}

function phases(timeline: Timeline, end: number): string[][] {
  const events = timeline.events.filter((e) => e.type === 'phase')
  const start = timeline.events[0]?.at.getTime() ?? end
  // `done` only marks the end: its time is the total, which the heading's line gives.
  return events.flatMap((e, i) => {
    if (e.type !== 'phase' || e.phase === 'done') return []
    const from = e.at.getTime()
    const to = events[i + 1]?.at.getTime() ?? end
    return [[e.phase, elapsed(from - start), elapsed(to - from), escape(e.detail ?? '—')]]
  })
}

function addCause(cause: FailureCause, links: ConsoleLinks | undefined): void {
  core.summary.addHeading('Cause', 3).addRaw(`<p>${escape(cause.summary)}</p>`, true)
  if (cause.alarms.length > 0) {
    core.summary
      .addHeading('Alarms in ALARM', 4)
      .addRaw(
        `<ul>${cause.alarms.map((a) => `<li>${link(links?.alarm(a.name), `<code>${escape(a.name)}</code>`)}${a.reason ? ` — ${escape(a.reason)}` : ''}</li>`).join('')}</ul>`,
        true,
      )
  }
  // Only tasks that failed: those a rollback removed on purpose (their task set deleted, scaled in) are counted.
  const groups = groupStoppedTasks(cause.stoppedTasks.filter(isFailure))
  if (groups.length > 0) {
    core.summary.addHeading('Stopped tasks', 4).addTable([
      headers('Tasks', 'Reason', 'Stop code', 'Exit codes', 'Example task'),
      ...groups.map((g) => [
        String(g.length),
        escape(g[0].stoppedReason ?? '—'),
        escape(g[0].stopCode ?? '—'),
        escape(
          g[0].containers
            .filter((c) => c.exitCode !== undefined)
            .map((c) => `${c.name}: ${c.exitCode}`)
            .join(', ') || '—',
        ),
        link(links?.task(g[0].taskId), escape(g[0].taskId)),
      ]),
    ])
    for (const g of groups) {
      const task = g.find((t) => t.logTail.length > 0)
      const lines = task ? tellingTail(task.logTail) : []
      if (!task || lines.length === 0) continue
      const stream = task.logLocation ? link(links?.logStream(task.logLocation), 'log stream') : undefined
      core.summary
        .addRaw(`<p>Log of task ${escape(task.taskId)} — ${escape(describeStop(task))}${stream ? ` (${stream})` : ''}:</p>`, true)
        .addCodeBlock(lines.map(escapeOnly).join('\n'), 'text')
    }
  }
  if (cause.removedTasks) {
    core.summary.addRaw(
      `<p>${cause.removedTasks} ${cause.removedTasks === 1 ? 'task was' : 'tasks were'} stopped on purpose by the deployment or its rollback (scaled in, task set deleted): not a cause.</p>`,
      true,
    )
  }
  if (cause.serviceEvents.length > 0) {
    core.summary.addDetails('Service events (newest first)', `<pre>${cause.serviceEvents.slice(0, 20).map(escapeOnly).join('\n')}</pre>`)
  }
}

/** The task definition's changes against the revision it replaces, one row each; secret values never appear. */
function addChanges(changes: TaskDefinitionChange[]): void {
  core.summary.addHeading('What changed', 3)
  if (changes.length === 0) {
    core.summary.addRaw('<p>The task definition is the same as the revision it replaces.</p>', true)
    return
  }
  core.summary.addTable([
    headers('Where', 'What', 'Change'),
    ...changes.slice(0, 60).map((c) => {
      const change = describeChange(c)
      return [escape(c.scope === 'task' ? 'task' : c.scope), escape(c.field), escape(change.slice(change.indexOf(`${c.field}: `) + c.field.length + 2))]
    }),
  ])
}

/** CodeDeploy: how it ran, its status and error, the lifecycle event that failed, and its rollback deployment. */
function codeDeployRows(facts: DeploymentFacts): Row[] {
  const cd = 'codeDeploy' in facts ? facts.codeDeploy : undefined
  if (!cd) return []
  const waiting =
    cd.status === 'InProgress' && facts.trafficShifts?.at(-1)?.percent === 100 ? ' — all traffic moved; CodeDeploy deletes the old task set after the termination wait' : ''
  const rows = [row('CodeDeploy', `${facts.engine}: ${cd.status ?? '—'}${cd.errorInformation?.code ? ` (${cd.errorInformation.code})` : ''}${waiting}`)]
  if (facts.trafficShifts?.length) rows.push(row('Production traffic on the new task set', facts.trafficShifts.map((t) => `${t.percent}%`).join(' → ')))
  const event = cd.failedEvent
  if (event) {
    const hook = facts.hook?.name === event.name && facts.hook.target ? ` (Lambda ${facts.hook.target})` : ''
    rows.push(row('Failed lifecycle event', `${event.name}${hook}${event.errorCode ? ` [${event.errorCode}]` : ''}${event.message ? `: ${event.message}` : ''}`))
    if (event.logTail) rows.push(row('Hook log tail', event.logTail))
  }
  if (cd.rollbackDeploymentId) rows.push(row('CodeDeploy rollback deployment', `${cd.rollbackDeploymentId}: ${cd.rollbackStatus ?? 'not seen'}`))
  return rows
}

/** ECS blue/green, canary and linear: the strategy, the service deployment, how production traffic moved, the hook. */
function nativeRows(facts: DeploymentFacts): Row[] {
  const strategy = strategyDeployment(facts)
  if (!strategy) return []
  const sd = strategy.look
  const rows = [
    row('Strategy', facts.engine),
    row('Service deployment', `${revisionOf(strategy.arn, '')}${sd?.status ? `: ${sd.status}` : ''}`),
    row('Production traffic on the new revision', ['0%', ...(facts.trafficShifts ?? []).map((t) => `${t.percent}%`)].join(' → ')),
  ]
  const hook = facts.hook
  if (hook) {
    const state = hook.status === 'AWAITING_ACTION' ? 'waiting for approval' : hook.status === 'IN_PROGRESS' ? 'still running' : hook.status
    const who = hook.target === 'PAUSE' ? `PAUSE hook ${hook.name}` : `${hook.target ?? hook.name} (${hook.name})`
    rows.push(row('Lifecycle hook', `${who}: ${state}${hook.stage ? ` at ${hook.stage}` : ''}`))
  }
  return rows
}

/** A row per one-off task (`pre-deploy-command`, `post-deploy-command`): command, duration, exit code, log link. */
function addOneOffTasks(tasks: OneOffTask[], links: ConsoleLinks | undefined): void {
  const rows = tasks.map((t) => {
    const took = t.finishedAt ? elapsed(t.finishedAt.getTime() - t.startedAt.getTime()) : '—'
    const exit = t.exitCode !== undefined ? String(t.exitCode) : t.end === 'exited' ? '—' : t.end
    const log = t.stopped?.logLocation ? link(links?.logStream(t.stopped.logLocation), 'log') : '—'
    return [escape(t.when), `<code>${escape(t.command)}</code>`, took, link(t.consoleUrl, escape(exit)), log]
  })
  core.summary.addHeading('One-off tasks', 3).addTable([headers('When', 'Command', 'Took', 'Exit code', 'Log'), ...rows])
}

/** Builds the summary into core.summary's buffer (not written). */
function buildSummary({ facts, decision, timeline, cause, changes, region }: SummaryInput): void {
  const start = timeline.events[0]?.at.getTime()
  const end = facts.finishedAt?.getTime() ?? timeline.events.at(-1)?.at.getTime() ?? Date.now()
  const links = consoleLinks(facts, region)
  const took = start !== undefined ? ` Took ${elapsed(end - start)}.` : ''
  const to = [
    links?.service && link(links.service, 'Service in the ECS console'),
    links?.deployment && link(links.deployment, 'its deployments'),
    links?.codeDeploy && link(links.codeDeploy, 'CodeDeploy deployment'),
    ...facts.alarms.slice(0, 5).map((name) => link(links?.alarm(name), `alarm ${escape(name)}`)),
  ].filter(Boolean)
  core.summary.addHeading(`${MARK[decision.outcome]} ECS deployment ${decision.outcome}: ${escape(facts.service)}`, 2).addRaw(`<p>${escape(decision.reason)}${took}</p>`, true)
  if (to.length > 0) core.summary.addRaw(`<p>${to.join(' · ')}</p>`, true)
  core.summary.addTable([
    row('Cluster', facts.cluster),
    row('Service', facts.service),
    [{ data: 'Task definition', header: true }, `${escape(revisionOf(facts.previousTaskDefinitionArn, '—'))} → ${escape(revisionOf(facts.taskDefinitionArn, '—'))}`],
    // Shortened to fit; the whole reference (the digest to copy) is the cell's title.
    [{ data: 'Image', header: true }, facts.image ? `<span title="${escapeOnly(facts.image)}">${escape(facts.image)}</span>` : '—'],
    row('Deployment', facts.deploymentId ?? '—'),
    ...(facts.actionRollback?.deploymentId ? [row('Rollback deployment', facts.actionRollback.deploymentId)] : []),
    ...('ecsRollback' in facts && facts.ecsRollback ? [row('ECS rollback deployment', facts.ecsRollback.deploymentId)] : []),
    ...codeDeployRows(facts),
    ...nativeRows(facts),
  ])
  if (cause) addCause(cause, links)
  if (facts.oneOffTasks?.length) addOneOffTasks(facts.oneOffTasks, links)
  const chart = rolloutChart(facts, timeline, end)
  if (chart) {
    // A blank line on each side: GitHub reads Markdown (the Mermaid fence) only outside an HTML block.
    core.summary.addHeading('Rollout', 3).addRaw(`\n${mermaidChart(chart)}\n`, true)
    if (chart.marks.length > 0) core.summary.addRaw(`<p><sub>${chart.marks.map(escape).join(' · ')}</sub></p>`, true)
  }
  if (facts.analysis) addAnalysis(facts.analysis)
  if (changes) addChanges(changes)
  const rows = phases(timeline, end)
  if (rows.length > 0) {
    core.summary.addHeading('Timeline', 3).addTable([headers('Phase', 'Started', 'Took', 'Detail'), ...rows])
  }
  const warnings = [...new Set(timeline.events.flatMap((e) => (e.type === 'warning' ? [e.message] : [])))]
  if (warnings.length > 0) core.summary.addHeading('Warnings', 4).addList(warnings.slice(0, 20).map(escape))
}

/** The canary analysis: its verdict with the numbers, and both sides' 5xx rate and p99 minute by minute. */
function addAnalysis(analysis: AnalysisFacts): void {
  const verdict = analysis.verdict
  const line = verdict
    ? `<b>${verdict.result}</b> over ${verdict.minutes} minute${verdict.minutes === 1 ? '' : 's'}: ${escape(verdict.reason)}`
    : escape(analysis.nothing ?? 'no verdict')
  core.summary.addHeading('Canary analysis', 3).addRaw(`<p>${line} <sub>(analysis: ${analysis.mode})</sub></p>`, true)
  for (const chart of analysisCharts(analysis)) core.summary.addRaw(`\n${mermaidChart(chart)}\n`, true)
}

/** What `build` adds to core.summary's buffer, as GitHub gets it; leaves the buffer empty. */
function rendered(build: () => void): string {
  core.summary.emptyBuffer()
  build()
  const text = core.summary.stringify()
  core.summary.emptyBuffer()
  return text
}

/** The summary as GitHub gets it (for tests and the demo). */
export function renderSummary(input: SummaryInput): string {
  return rendered(() => buildSummary(input))
}

/** Writes the summary; if it somehow grew too large, writes the head of it and says so. */
export async function writeSummary(input: SummaryInput): Promise<void> {
  buildSummary(input)
  const text = core.summary.stringify()
  const limit = Math.floor(MAX_SUMMARY_CHARS / Math.max(1, input.share ?? 1))
  if (text.length > limit) {
    core.summary.emptyBuffer()
    core.summary.addRaw(text.slice(0, limit), true).addRaw('<p><em>Summary cut to stay under the job summary size limit.</em></p>', true)
  }
  await writeSummaryBuffer()
}

/** The summary of a run stopped before anything changed (bad inputs, failed preflight): every problem, listed. */
export async function writeProblemsSummary(cluster: string, service: string, title: string, problems: string[]): Promise<void> {
  buildProblemsSummary(cluster, service, title, problems)
  await writeSummaryBuffer()
}

/** The problems summary as GitHub gets it (for tests). */
export function renderProblemsSummary(cluster: string, service: string, title: string, problems: string[]): string {
  return rendered(() => buildProblemsSummary(cluster, service, title, problems))
}

function buildProblemsSummary(cluster: string, service: string, title: string, problems: string[]): void {
  core.summary
    .addHeading(`${MARK.failed} ECS deploy ${escape(`${cluster}/${service}`)}: ${escape(title)}`, 2)
    .addRaw('<p>Nothing was changed in AWS.</p>', true)
    .addList(problems.map(escape))
}

/** A release of several services: its outcome, then one row per service (each has its own section below). */
export async function writeReleaseSummary(cluster: string, release: Decision, results: ServiceResult[], tookMs: number): Promise<void> {
  buildReleaseSummary(cluster, release, results, tookMs)
  await writeSummaryBuffer()
}

function buildReleaseSummary(cluster: string, release: Decision, results: ServiceResult[], tookMs: number): void {
  core.summary
    .addHeading(`${MARK[release.outcome]} ECS release ${release.outcome}: ${escape(cluster)}, ${results.length} services`, 2)
    .addRaw(`<p>${escape(release.reason)} Took ${elapsed(tookMs)}.</p>`, true)
    .addTable([
      headers('Service', 'Engine', 'Outcome', 'Task definition', 'Rolled back'),
      ...results.map((r) => [
        escape(r.service),
        escape(r.engine),
        `${MARK[r.decision.outcome]} ${r.decision.outcome}`,
        `${escape(revisionOf(r.previousTaskDefinitionArn, '—'))} → ${escape(revisionOf(r.taskDefinitionArn, '—'))}`,
        r.rolledBack
          ? `${MARK[r.rolledBack.decision.outcome === 'succeeded' ? 'rolled-back' : r.rolledBack.decision.outcome]} ${r.rolledBack.decision.outcome === 'succeeded' ? `back to ${escape(revisionOf(r.previousTaskDefinitionArn, '—'))}` : escape(r.rolledBack.decision.reason)}`
          : '—',
      ]),
    ])
}
