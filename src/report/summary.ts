// The job summary: outcome, what was deployed where, the phases with their times, and on failure the cause
// (stopped tasks with reasons and exit codes, a log tail, service events). Kept far below GitHub's 1 MiB.
import * as core from '@actions/core'
import { revisionOf } from '../aws/arn.js'
import type { DeploymentFacts } from '../core/facts.js'
import type { Decision } from '../core/outcome.js'
import { describeStop, groupStoppedTasks } from '../core/stopped.js'
import type { FailureCause, Outcome, Timeline } from '../core/timeline.js'
import { elapsed } from './log.js'

/** GitHub rejects a step summary over 1 MiB; stay well under it. */
export const MAX_SUMMARY_CHARS = 200_000
const MAX_LINE = 300

const MARK: Record<Outcome, string> = {
  succeeded: '✅',
  'rolled-back': '↩️',
  failed: '❌',
  'timed-out': '⏱️',
  started: '🚀',
}

function escape(text: string): string {
  const cut = text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text
  return cut.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

export interface SummaryInput {
  facts: DeploymentFacts
  decision: Decision
  timeline: Timeline
  cause?: FailureCause
}

function phases(timeline: Timeline, end: number): string[][] {
  const events = timeline.events.filter((e) => e.type === 'phase')
  const start = timeline.events[0]?.at.getTime() ?? end
  return events.map((e, i) => {
    const from = e.at.getTime()
    const to = events[i + 1]?.at.getTime() ?? end
    return [e.phase, elapsed(from - start), elapsed(to - from), escape(e.type === 'phase' && e.detail ? e.detail : '—')]
  })
}

function addCause(cause: FailureCause): void {
  core.summary.addHeading('Cause', 3).addRaw(`<p>${escape(cause.summary)}</p>`, true)
  const groups = groupStoppedTasks(cause.stoppedTasks)
  if (groups.length > 0) {
    core.summary.addHeading('Stopped tasks', 4).addTable([
      [
        { data: 'Tasks', header: true },
        { data: 'Reason', header: true },
        { data: 'Stop code', header: true },
        { data: 'Exit codes', header: true },
        { data: 'Example task', header: true },
      ],
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
        escape(g[0].taskId),
      ]),
    ])
    for (const g of groups) {
      const task = g.find((t) => t.logTail.length > 0)
      if (!task) continue
      core.summary
        .addRaw(
          `<p>Last log lines of task ${escape(task.taskId)} — ${escape(describeStop(task))}${task.logLocation ? ` (<code>${escape(task.logLocation)}</code>)` : ''}:</p>`,
          true,
        )
        .addCodeBlock(task.logTail.map(escape).join('\n'), 'text')
    }
  }
  if (cause.alarms.length > 0) {
    core.summary.addHeading('Alarms in ALARM', 4).addList(cause.alarms.map((a) => escape(`${a.name}${a.reason ? ` — ${a.reason}` : ''}`)))
  }
  if (cause.serviceEvents.length > 0) {
    core.summary.addHeading('Service events (newest first)', 4).addCodeBlock(cause.serviceEvents.slice(0, 20).map(escape).join('\n'), 'text')
  }
}

/** CodeDeploy: how it ran, its status and error, the lifecycle event that failed, and its rollback deployment. */
function codeDeployRows(facts: DeploymentFacts): [{ data: string; header: true }, string][] {
  const cd = facts.kind === 'codedeploy' ? facts.codeDeploy : undefined
  if (!cd) return []
  const row = (name: string, value: string): [{ data: string; header: true }, string] => [{ data: name, header: true }, escape(value)]
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
function nativeRows(facts: DeploymentFacts): [{ data: string; header: true }, string][] {
  if (facts.kind !== 'ecs-native' || !facts.serviceDeploymentArn) return []
  const row = (name: string, value: string): [{ data: string; header: true }, string] => [{ data: name, header: true }, escape(value)]
  const sd = facts.serviceDeployment
  const rows = [
    row('Strategy', facts.engine),
    row('Service deployment', `${facts.serviceDeploymentArn.slice(facts.serviceDeploymentArn.lastIndexOf('/') + 1)}${sd?.status ? `: ${sd.status}` : ''}`),
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

/** Builds the summary into core.summary's buffer (not written). */
function buildSummary({ facts, decision, timeline, cause }: SummaryInput): void {
  const end = facts.finishedAt?.getTime() ?? timeline.events.at(-1)?.at.getTime() ?? Date.now()
  core.summary
    .addHeading(`${MARK[decision.outcome]} ECS deployment ${decision.outcome}: ${escape(facts.service)}`, 2)
    .addRaw(`<p>${escape(decision.reason)}</p>`, true)
    .addTable([
      [{ data: 'Cluster', header: true }, escape(facts.cluster)],
      [{ data: 'Service', header: true }, escape(facts.service)],
      [{ data: 'Task definition', header: true }, `${escape(revisionOf(facts.previousTaskDefinitionArn, '—'))} → ${escape(revisionOf(facts.taskDefinitionArn, '—'))}`],
      [{ data: 'Image', header: true }, escape(facts.image ?? '—')],
      [{ data: 'Deployment', header: true }, escape(facts.deploymentId ?? '—')],
      ...(facts.actionRollback?.deploymentId ? [[{ data: 'Rollback deployment', header: true }, escape(facts.actionRollback.deploymentId)]] : []),
      ...(facts.kind !== 'codedeploy' && facts.ecsRollback ? [[{ data: 'ECS rollback deployment', header: true }, escape(facts.ecsRollback.deploymentId)]] : []),
      ...codeDeployRows(facts),
      ...nativeRows(facts),
    ])
  const rows = phases(timeline, end)
  if (rows.length > 0) {
    core.summary.addHeading('Timeline', 3).addTable([
      [
        { data: 'Phase', header: true },
        { data: 'Started', header: true },
        { data: 'Took', header: true },
        { data: 'Detail', header: true },
      ],
      ...rows,
    ])
  }
  if (cause) addCause(cause)
  const warnings = [...new Set(timeline.events.flatMap((e) => (e.type === 'warning' ? [e.message] : [])))]
  if (warnings.length > 0) core.summary.addHeading('Warnings', 4).addList(warnings.slice(0, 20).map(escape))
}

/** Writes the summary; if it somehow grew too large, writes the head of it and says so. */
export async function writeSummary(input: SummaryInput): Promise<void> {
  buildSummary(input)
  const text = core.summary.stringify()
  if (text.length > MAX_SUMMARY_CHARS) {
    core.summary.emptyBuffer()
    core.summary.addRaw(text.slice(0, MAX_SUMMARY_CHARS), true).addRaw('<p><em>Summary cut to stay under the job summary size limit.</em></p>', true)
  }
  await core.summary.write()
}

/** The summary of a run stopped before anything changed (bad inputs, failed preflight): every problem, listed. */
export async function writeProblemsSummary(cluster: string, service: string, title: string, problems: string[]): Promise<void> {
  core.summary
    .addHeading(`${MARK.failed} ECS deploy ${escape(`${cluster}/${service}`)}: ${escape(title)}`, 2)
    .addRaw('<p>Nothing was changed in AWS.</p>', true)
    .addList(problems.map(escape))
  await core.summary.write()
}
