// The end of a run, for one service or a release of several: the outcome on the timelines, the GitHub record,
// outputs, annotations and job summaries. A single service reports as it always did (its own outcome, outputs and
// summary); a release adds its own outcome, the `services` output and a table, then each service's section.
import * as core from '@actions/core'
import { formatDuration } from '../core/duration.js'
import { decideRun, finalOf, resultOf, rolledBackLine, type ServiceRun } from '../core/release.js'
import type { Decision } from '../core/outcome.js'
import type { Outcome, Timeline } from '../core/timeline.js'
import { annotate, failStep } from './annotations.js'
import type { GitHubDeploymentRecord } from './github-deployment.js'
import { setOutputs, setReleaseOutputs } from './outputs.js'
import { writeReleaseSummary, writeSummary } from './summary.js'

/** What the end of a run reports on. */
export interface RunEnd {
  cluster: string
  rollback: 'on-failure' | 'never'
  /** The run's own timeline (a single service's too). */
  timeline: Timeline
  startedAt: number
  record: GitHubDeploymentRecord
  image?: string
}

/**
 * Starts the GitHub record once every service's deployment has started, so its payload names them all (`all`), or at
 * the end of the deployments (`all` false) when one never started; once.
 */
export function startRecord(record: GitHubDeploymentRecord, end: Omit<RunEnd, 'record' | 'rollback' | 'startedAt'>, runs: ServiceRun[], all: boolean): void {
  if (record.started || !(all ? runs.every((r) => r.facts?.deploymentId) : runs.some((r) => r.facts?.deploymentId))) return
  if (runs.length === 1) {
    const [r] = runs
    const facts = r.facts!
    record.start(end.timeline, {
      cluster: end.cluster,
      service: r.name,
      engine: r.engine,
      previousTaskDefinitionArn: r.previousTaskDefinitionArn,
      image: facts.image,
      taskDefinitionArn: facts.taskDefinitionArn,
      deploymentId: facts.deploymentId,
    })
    return
  }
  record.start(end.timeline, {
    cluster: end.cluster,
    service: runs.map((r) => r.name).join(', '),
    engine: [...new Set(runs.map((r) => r.engine))].join(', '),
    image: end.image,
    services: runs.map((r) => ({
      service: r.name,
      engine: r.engine,
      previousTaskDefinitionArn: r.previousTaskDefinitionArn,
      taskDefinitionArn: r.facts?.taskDefinitionArn,
      deploymentId: r.facts?.deploymentId,
    })),
  })
}

/** Decides the run (core/release.ts), says so everywhere, and returns the decision. */
export async function reportRun(end: RunEnd, runs: ServiceRun[]): Promise<Decision> {
  const decision = decideRun(runs, end.rollback)
  if (runs.length === 1) await reportService(end, runs[0], decision)
  else await reportRelease(end, runs, decision)
  return decision
}

const done = (end: RunEnd): void => end.timeline.emit({ type: 'phase', at: new Date(), phase: 'done', detail: `after ${formatDuration(Date.now() - end.startedAt)}` })

async function reportService(end: RunEnd, r: ServiceRun, decision: Decision): Promise<void> {
  const facts = r.facts!
  done(end)
  end.timeline.emit({ type: 'outcome', at: new Date(), ...decision, cause: r.cause })
  end.record.finish(decision.outcome, decision.reason, facts.taskDefinitionArn)
  setOutputs(facts, decision.outcome)
  // annotate() writes the one titled error of a failed run and sets the exit code: no second, untitled error.
  annotate(decision, facts, r.timeline, r.cause)
  await writeSummary({ facts, decision, timeline: r.timeline, cause: r.cause, changes: r.changes })
}

async function reportRelease(end: RunEnd, runs: ServiceRun[], release: Decision): Promise<void> {
  for (const r of runs) {
    r.timeline.emit({ type: 'outcome', at: new Date(), ...r.decision!, cause: r.cause })
    if (r.rolledBack) r.timeline.emit({ type: 'outcome', at: new Date(), outcome: finalOf(r).outcome, reason: rolledBackLine(r), cause: r.rolledBack.cause })
  }
  done(end)
  end.timeline.emit({ type: 'outcome', at: new Date(), ...release })
  end.record.finish(release.outcome, release.reason)
  const results = runs.map(resultOf)
  setReleaseOutputs(results, release.outcome, end.image)
  for (const r of runs) annotateService(end.cluster, r)
  if (!isLanded(release.outcome)) {
    core.error(release.reason, { title: `ECS release ${release.outcome}: ${end.cluster}/${runs.map((r) => r.name).join(', ')}` })
    failStep()
  }
  await writeReleaseSummary(end.cluster, release, results, Date.now() - end.startedAt)
  // A service rolled back with the release is headed by what became of it, not by its own success.
  for (const r of runs) {
    await writeSummary({ facts: r.facts!, decision: finalOf(r), timeline: r.timeline, cause: r.rolledBack?.cause ?? r.cause, changes: r.changes, share: runs.length })
  }
}

function annotateService(cluster: string, r: ServiceRun): void {
  const back = r.rolledBack
  if (!back) annotate(r.decision!, r.facts!, r.timeline, r.cause)
  else if (back.decision.outcome === 'succeeded') core.warning(rolledBackLine(r), { title: `ECS deployment rolled back: ${cluster}/${r.name}` })
  else annotate(finalOf(r), back.facts, r.timeline, back.cause)
}

const isLanded = (outcome: Outcome): boolean => outcome === 'succeeded' || outcome === 'started'
