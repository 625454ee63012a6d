// Several services, one release: each service's own decision (core/outcome.ts) and, when another service failed,
// the rollback of the ones that had succeeded; here the release as a whole is decided from them. The release lands
// everywhere or nowhere: it succeeded only when every service did, and it is rolled back only when every service is
// back on the task definition it ran before.
import { revisionOf } from '../aws/arn.js'
import type { DeploymentFacts } from './facts.js'
import type { Decision } from './outcome.js'
import type { TaskDefinitionChange } from './task-definition-diff.js'
import type { FailureCause, Outcome, Timeline } from './timeline.js'

/** One service's run in a release (one service: a release of one), as the orchestrator fills it in. */
export interface ServiceRun {
  name: string
  timeline: Timeline
  /** The engine's kind. */
  engine: string
  /** What the service ran before this run. */
  previousTaskDefinitionArn: string
  changes?: TaskDefinitionChange[]
  facts?: DeploymentFacts
  decision?: Decision
  cause?: FailureCause
  /** It succeeded, another service failed, and its previous task definition was deployed again. */
  rolledBack?: { facts: DeploymentFacts; decision: Decision; cause?: FailureCause }
}

/** Succeeded, or started and not waited for. */
export const landed = (d: Decision): boolean => d.outcome === 'succeeded' || d.outcome === 'started' || d.outcome === 'awaiting-approval'

/** A service rolled back with the release: rolled-back when its rollback succeeded, else how the rollback ended. */
const backOutcome = (d: Decision): Outcome => (d.outcome === 'succeeded' ? 'rolled-back' : d.outcome === 'rolled-back' ? 'failed' : d.outcome)

/** What became of a service rolled back with the release, in words. */
export function rolledBackLine(r: ServiceRun): string {
  const back = r.rolledBack
  if (!back) return ''
  const to = revisionOf(r.previousTaskDefinitionArn, 'the previous task definition')
  return back.decision.outcome === 'succeeded'
    ? `${r.name} had deployed ${revisionOf(r.facts?.taskDefinitionArn, 'the release')}, and was rolled back to ${to} because another service of the release failed.`
    : `${r.name} had deployed ${revisionOf(r.facts?.taskDefinitionArn, 'the release')}; rolling it back to ${to} did not succeed: ${back.decision.reason}`
}

/** How a service ended, as the release sees it: headed by what became of it when it was rolled back with the release. */
export function finalOf(r: ServiceRun): Decision {
  return r.rolledBack ? { outcome: backOutcome(r.rolledBack.decision), reason: rolledBackLine(r) } : r.decision!
}

export function resultOf(r: ServiceRun): ServiceResult {
  const facts = r.facts!
  return {
    service: r.name,
    engine: r.engine,
    decision: r.decision!,
    ...(facts.taskDefinitionArn ? { taskDefinitionArn: facts.taskDefinitionArn } : {}),
    previousTaskDefinitionArn: r.previousTaskDefinitionArn,
    ...(facts.deploymentId ? { deploymentId: facts.deploymentId } : {}),
    changed: facts.deploymentId !== undefined,
    ...(facts.stopped ? { stopped: true } : {}),
    ...(r.rolledBack ? { rolledBack: { decision: r.rolledBack.decision, ...(r.rolledBack.facts.deploymentId ? { deploymentId: r.rolledBack.facts.deploymentId } : {}) } } : {}),
  }
}

/** The run's decision: a single service's own, a release's from all of its services. */
export function decideRun(runs: ServiceRun[], rollback: 'on-failure' | 'never'): Decision {
  return runs.length === 1 ? runs[0].decision! : decideRelease(runs.map(resultOf), rollback)
}

/** One service of the release, once its engine has ended (and its rollback, when it had one). */
export interface ServiceResult {
  service: string
  engine: string
  decision: Decision
  taskDefinitionArn?: string
  previousTaskDefinitionArn: string
  deploymentId?: string
  /** A deployment of ours reached ECS (or CodeDeploy): the service may have changed. */
  changed: boolean
  /** Another service failed first and this one was stopped before its end (its engine rolled it back). */
  stopped?: boolean
  /** It succeeded, another service failed, and the action deployed its previous task definition again. */
  rolledBack?: { decision: Decision; deploymentId?: string }
}

/** Settled outcomes that leave the service on the task definition it ran before. */
const isBack = (r: ServiceResult): boolean =>
  r.rolledBack ? r.rolledBack.decision.outcome === 'succeeded' : r.decision.outcome === 'rolled-back' || (r.decision.outcome !== 'succeeded' && !r.changed)

const names = (results: ServiceResult[]): string => {
  const all = results.map((r) => r.service)
  return all.length <= 1 ? all.join('') : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`
}

/** The services that caused the release to fail, each with its own reason; then the ones stopped because of them. */
const causes = (results: ServiceResult[]): string => {
  const own = results
    .filter((r) => r.decision.outcome !== 'succeeded' && r.decision.outcome !== 'started' && !r.stopped)
    .map((r) => `${r.service}: ${r.decision.reason.replace(/\.$/, '')}`)
    .join('; ')
  const stopped = results.filter((r) => r.stopped)
  if (stopped.length === 0) return own
  const back = stopped.every((r) => r.decision.outcome === 'rolled-back')
  return `${own}. ${names(stopped)} ${stopped.length === 1 ? 'was' : 'were'} stopped before ${stopped.length === 1 ? 'its' : 'their'} end${back ? ' and rolled back' : ` (${stopped.map((r) => `${r.service}: ${r.decision.reason.replace(/\.$/, '')}`).join('; ')})`}`
}

export function decideRelease(results: ServiceResult[], rollback: 'on-failure' | 'never'): Decision {
  const count = `${results.length} services`
  if (results.every((r) => r.decision.outcome === 'succeeded')) return { outcome: 'succeeded', reason: `All ${count} deployed: ${names(results)}.` }
  if (results.every((r) => r.decision.outcome === 'succeeded' || r.decision.outcome === 'started')) {
    return { outcome: 'started', reason: `Deployments started on all ${count} (wait: false; not watched).` }
  }
  const why = causes(results)
  const reverted = results.filter((r) => r.rolledBack)
  const stillNew = results.filter((r) => !isBack(r))
  // Nothing reached ECS (a failed migration, a refused registration): nothing to roll back, as for a single service.
  if (results.every((r) => !r.changed)) {
    const outcome: Outcome = results.some((r) => r.decision.outcome === 'timed-out') ? 'timed-out' : 'failed'
    return { outcome, reason: `Nothing was deployed on any of the ${count}. ${why}.` }
  }
  if (stillNew.length === 0) {
    const also = reverted.length > 0 ? ` ${names(reverted)} ${reverted.length === 1 ? 'was' : 'were'} rolled back too, so the release is nowhere.` : ''
    return { outcome: 'rolled-back', reason: `The release was rolled back on all ${count}. ${why}.${also}` }
  }
  const outcome: Outcome = results.some((r) => r.decision.outcome === 'timed-out' || r.rolledBack?.decision.outcome === 'timed-out') ? 'timed-out' : 'failed'
  const failedBack = reverted.filter((r) => r.rolledBack?.decision.outcome !== 'succeeded')
  const left =
    rollback === 'never'
      ? ` ${names(stillNew)} kept the new release (rollback: never): the release landed on some services only.`
      : failedBack.length > 0
        ? ` Rolling back ${names(failedBack)} failed (${failedBack.map((r) => `${r.service}: ${r.rolledBack?.decision.reason.replace(/\.$/, '')}`).join('; ')}): ${names(stillNew)} may still run the new release; roll back by hand.`
        : ` ${names(stillNew)} ${stillNew.length === 1 ? 'is' : 'are'} not back on the previous task definition.`
  return { outcome, reason: `The release failed. ${why}.${left}` }
}

/** The `services` output: one object per service, in input order. */
export function releaseJson(results: ServiceResult[]): string {
  return JSON.stringify(
    results.map((r) => ({
      service: r.service,
      engine: r.engine,
      outcome: r.decision.outcome,
      reason: r.decision.reason,
      taskDefinitionArn: r.taskDefinitionArn ?? null,
      previousTaskDefinitionArn: r.previousTaskDefinitionArn,
      deploymentId: r.deploymentId ?? null,
      ...(r.rolledBack ? { rolledBack: { outcome: r.rolledBack.decision.outcome, reason: r.rolledBack.decision.reason, deploymentId: r.rolledBack.deploymentId ?? null } } : {}),
    })),
  )
}
