// The ONE place that decides how a deployment ended. Success means OUR deployment completed (and its bake
// passed); a service that is "stable" again after a rollback is never a success.
import type { CodeDeployObservation, DeploymentFacts, DeploymentObservation } from './facts.js'
import type { Outcome } from './timeline.js'
import { revisionOf } from './register.js'

export interface Decision {
  outcome: Outcome
  reason: string
}


function describe(o: DeploymentObservation | undefined): string {
  if (!o) return 'never observed'
  const c = o.counts
  return `${o.rolloutState ?? o.status}, running ${c.running}/${c.desired}, pending ${c.pending}, failed tasks ${c.failed}`
}

/** An ECS lifecycle hook the deployment was still waiting on when time ran out. */
function waitingHook(facts: DeploymentFacts): string {
  const hook = facts.hook
  if (hook?.status === 'AWAITING_ACTION') return ` while PAUSE hook ${hook.name}${hook.stage ? ` at ${hook.stage}` : ''} was waiting for approval`
  if (hook?.status === 'IN_PROGRESS') return ` while lifecycle hook ${hook.target ?? hook.name}${hook.stage ? ` at ${hook.stage}` : ''} was still running`
  return ''
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
  if (facts.codeDeploy) return decideCodeDeploy(facts, facts.codeDeploy)

  const ours = facts.actionRollback
  if (ours) {
    const cause =
      ours.trigger === 'bake-alarm'
        ? `Alarm ${facts.bake?.fired?.name} went to ALARM during the bake${facts.bake?.fired?.reason ? ` (${facts.bake.fired.reason})` : ''}`
        : `Deployment ${id} did not complete before the timeout (${describe(facts.final)})${waitingHook(facts)}`
    if (!ours.completed) {
      return { outcome: 'failed', reason: `${cause}; rolling back to ${revisionOf(ours.toTaskDefinitionArn, 'the previous task definition')} failed: ${sentence(ours.problem ?? 'unknown')}` }
    }
    return {
      outcome: ours.trigger === 'bake-alarm' ? 'rolled-back' : 'timed-out',
      reason: `${cause}; rolled back to ${revisionOf(ours.toTaskDefinitionArn, 'the previous task definition')}.`,
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
      reason: `Deployment ${id} was superseded by deployment ${by.deploymentId}${by.taskDefinition ? ` (${revisionOf(by.taskDefinition, 'the previous task definition')})` : ''}, which this run did not start.`,
    }
  }

  if (facts.error) return { outcome: 'failed', reason: sentence(facts.error) }

  if (facts.timedOut) {
    const when = facts.bake?.cutShortByDeadline ? 'before the bake time was over' : `before deployment ${id} completed (${describe(facts.final)})${waitingHook(facts)}`
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
    return { outcome: 'succeeded', reason: `Deployment ${id} completed: ${f.counts.running}/${f.counts.desired} tasks of ${revisionOf(facts.taskDefinitionArn, 'the previous task definition')} running${baked}.` }
  }
  return { outcome: 'failed', reason: `Deployment ${id} ended without completing (${describe(f)}).` }
}

/** What CodeDeploy said about a failed or stopped deployment, naming the lifecycle event (hook) that failed. */
function codeDeployFailure(facts: DeploymentFacts, cd: CodeDeployObservation): string {
  const info = cd.errorInformation
  const how = `CodeDeploy deployment ${cd.deploymentId} ${cd.status === 'Stopped' ? 'was stopped' : 'failed'}${info?.code ? ` (${info.code})` : ''}`
  const event = cd.failedEvent
  if (!event) return `${how}${info?.message ? `: ${sentence(info.message)}` : '.'}`
  const what = facts.hook?.name === event.name && facts.hook.target ? `hook ${event.name} (Lambda ${facts.hook.target})` : `lifecycle event ${event.name}`
  return `${how}: ${what} failed${event.message ? `: ${sentence(event.message)}` : info?.message ? `: ${sentence(info.message)}` : '.'}`
}

/**
 * CodeDeploy: success is all production traffic on the new task set with every lifecycle event (hook) passed —
 * CodeDeploy then only waits to delete the old task set — or the deployment Succeeded, and the bake passed.
 * A rollback is CodeDeploy's own deployment, started by it or by the action's StopDeployment.
 */
function decideCodeDeploy(facts: DeploymentFacts, cd: CodeDeployObservation): Decision {
  const id = cd.deploymentId
  const traffic = facts.trafficShifts?.at(-1)?.percent ?? 0
  const state = `${cd.status ?? 'not seen'}${cd.failedEvent ? ` at ${cd.failedEvent.name}` : ''}, ${traffic}% of production traffic on the new task set`
  const never = facts.rollbackPolicy === 'never'

  const ours = facts.actionRollback
  if (ours) {
    const fired = facts.bake?.fired
    const cause =
      ours.trigger === 'bake-alarm'
        ? `Alarm ${fired?.name} went to ALARM during the bake${fired?.reason ? ` (${fired.reason})` : ''}`
        : `CodeDeploy deployment ${id} did not finish before the timeout`
    if (!ours.completed) return { outcome: 'failed', reason: `${cause}; rolling back failed: ${sentence(ours.problem ?? 'unknown')}` }
    return {
      outcome: ours.trigger === 'bake-alarm' ? 'rolled-back' : 'timed-out',
      reason: `${cause}; CodeDeploy rolled back to ${revisionOf(ours.toTaskDefinitionArn, 'the previous task definition')} (deployment ${ours.deploymentId}).`,
    }
  }

  if (cd.status === 'Failed' || cd.status === 'Stopped') {
    const why = codeDeployFailure(facts, cd)
    const back = revisionOf(facts.previousTaskDefinitionArn, 'the previous task definition')
    if (cd.rollbackDeploymentId && cd.rollbackStatus === 'Succeeded') {
      return { outcome: 'rolled-back', reason: `${why} CodeDeploy rolled back to ${back} (deployment ${cd.rollbackDeploymentId}).` }
    }
    if (cd.rollbackDeploymentId) {
      const how = cd.rollbackStatus === 'Failed' || cd.rollbackStatus === 'Stopped' ? `ended ${cd.rollbackStatus}` : `did not finish (${cd.rollbackStatus ?? 'not seen'})`
      return { outcome: 'failed', reason: `${why} CodeDeploy's rollback deployment ${cd.rollbackDeploymentId} ${how}.` }
    }
    return { outcome: 'failed', reason: `${why} ${never ? 'Not rolled back (rollback: never).' : `CodeDeploy did not roll back${cd.rollbackMessage ? `: ${sentence(cd.rollbackMessage)}` : '.'}`}` }
  }

  if (facts.error) return { outcome: 'failed', reason: sentence(facts.error) }

  if (facts.timedOut) {
    const when = facts.bake?.cutShortByDeadline ? 'before the bake time was over' : `before CodeDeploy deployment ${id} finished (${state})`
    return { outcome: 'timed-out', reason: `Timed out ${when}${never ? '; not rolled back (rollback: never)' : ''}.` }
  }

  if (facts.bake?.fired) {
    return {
      outcome: 'failed',
      reason: `Alarm ${facts.bake.fired.name} went to ALARM during the bake${facts.bake.fired.reason ? ` (${facts.bake.fired.reason})` : ''}; not rolled back (rollback: never).`,
    }
  }

  const moved = cd.status === 'Succeeded' || (cd.status === 'InProgress' && traffic === 100)
  if (moved && (!facts.bake || facts.bake.passed)) {
    const baked = facts.bake ? ` and baked ${Math.round(facts.bake.durationMs / 1000)} s with no alarm` : ''
    return { outcome: 'succeeded', reason: `CodeDeploy deployment ${id} moved all production traffic to ${revisionOf(facts.taskDefinitionArn, 'the previous task definition')}${baked}.` }
  }
  return { outcome: 'failed', reason: `CodeDeploy deployment ${id} ended without moving all production traffic (${state}).` }
}
