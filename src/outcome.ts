// The ONE place that decides how a deployment ended. Success means OUR deployment completed (and its bake
// passed); a service that is "stable" again after a rollback is never a success.
import type { DeploymentFacts, DeploymentObservation } from './facts.js'
import type { Outcome } from './timeline.js'

export interface Decision {
  outcome: Outcome
  reason: string
}

function revision(arn: string | undefined): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : 'the previous task definition'
}

function describe(o: DeploymentObservation | undefined): string {
  if (!o) return 'never observed'
  const c = o.counts
  return `${o.rolloutState ?? o.status}, running ${c.running}/${c.desired}, pending ${c.pending}, failed tasks ${c.failed}`
}

function sentence(text: string): string {
  const t = text.trim()
  return /[.!?]$/.test(t) ? t : `${t}.`
}

export function decideOutcome(facts: DeploymentFacts): Decision {
  const id = facts.deploymentId ?? '(none)'

  if (!facts.deploymentId) {
    return { outcome: 'failed', reason: sentence(`Nothing was deployed: ${facts.error ?? 'no deployment was started'}`) }
  }
  if (!facts.waited && !facts.error) {
    return { outcome: 'started', reason: `Deployment ${id} started; not waited for (wait: false).` }
  }

  const ours = facts.actionRollback
  if (ours) {
    const cause =
      ours.trigger === 'bake-alarm'
        ? `Alarm ${facts.bake?.fired?.name} went to ALARM during the bake${facts.bake?.fired?.reason ? ` (${facts.bake.fired.reason})` : ''}`
        : `Deployment ${id} did not complete before the timeout (${describe(facts.final)})`
    if (!ours.completed) {
      return { outcome: 'failed', reason: `${cause}; rolling back to ${revision(ours.toTaskDefinitionArn)} failed: ${sentence(ours.problem ?? 'unknown')}` }
    }
    return {
      outcome: ours.trigger === 'bake-alarm' ? 'rolled-back' : 'timed-out',
      reason: `${cause}; rolled back to ${revision(ours.toTaskDefinitionArn)}.`,
    }
  }

  const ecs = facts.ecsRollback
  if (ecs) {
    if (ecs.completed) return { outcome: 'rolled-back', reason: sentence(ecs.reason) }
    const how = ecs.failed
      ? `the rollback deployment ${ecs.deploymentId} failed (${describe(ecs.final)})`
      : facts.supersededBy
        ? `the rollback deployment ${ecs.deploymentId} was replaced by ${facts.supersededBy.deploymentId}`
        : `the rollback deployment ${ecs.deploymentId} did not finish (${describe(ecs.final)})`
    return { outcome: 'failed', reason: `${sentence(ecs.reason)} ECS rolled back, but ${how}.` }
  }

  if (facts.supersededBy) {
    const by = facts.supersededBy
    return {
      outcome: 'failed',
      reason: `Deployment ${id} was superseded by deployment ${by.deploymentId}${by.taskDefinition ? ` (${revision(by.taskDefinition)})` : ''}, which this run did not start.`,
    }
  }

  if (facts.error) return { outcome: 'failed', reason: sentence(facts.error) }

  if (facts.timedOut) {
    const when = facts.bake?.cutShortByDeadline ? 'before the bake time was over' : `before deployment ${id} completed (${describe(facts.final)})`
    const policy = facts.rollbackPolicy === 'never' ? '; not rolled back (rollback: never)' : ''
    return { outcome: 'timed-out', reason: `Timed out ${when}${policy}.` }
  }

  if (facts.final?.rolloutState === 'FAILED') {
    const why = facts.final.rolloutStateReason ?? facts.serviceDeployment?.statusReason ?? `deployment ${id} failed`
    const rolledBack = facts.rollbackPolicy === 'never' ? ' Not rolled back (rollback: never).' : ' ECS had no completed deployment to roll back to.'
    return { outcome: 'failed', reason: `${sentence(why)}${rolledBack}` }
  }

  if (facts.bake?.fired) {
    return {
      outcome: 'failed',
      reason: `Alarm ${facts.bake.fired.name} went to ALARM during the bake${facts.bake.fired.reason ? ` (${facts.bake.fired.reason})` : ''}; not rolled back (rollback: never).`,
    }
  }

  const f = facts.final
  const completed = f?.status === 'PRIMARY' && f.rolloutState === 'COMPLETED' && f.counts.running === f.counts.desired
  if (completed && (!facts.bake || facts.bake.passed)) {
    const baked = facts.bake ? ` and baked ${Math.round(facts.bake.durationMs / 1000)} s with no alarm` : ''
    return { outcome: 'succeeded', reason: `Deployment ${id} completed: ${f.counts.running}/${f.counts.desired} tasks of ${revision(facts.taskDefinitionArn)} running${baked}.` }
  }
  return { outcome: 'failed', reason: `Deployment ${id} ended without completing (${describe(f)}).` }
}
