// The ONE place that decides how a deployment ended, from facts tagged by the engine that produced them. Success
// means OUR deployment completed (and its bake passed); a service that is "stable" again after a rollback is never
// a success.
import { revisionOf } from '../aws/arn.js'
import type { BakeResult, CodeDeployFacts, CodeDeployObservation, DeploymentFacts, DeploymentObservation, NativeFacts, RollingFacts } from './facts.js'
import { describeOneOff, failedOneOff } from './one-off.js'
import type { DeploymentCounts, Outcome } from './timeline.js'

export interface Decision {
  outcome: Outcome
  reason: string
}

function describeCounts(state: string, c: DeploymentCounts): string {
  return `${state}, running ${c.running}/${c.desired}, pending ${c.pending}, failed tasks ${c.failed}`
}

function describe(o: DeploymentObservation | undefined): string {
  return o ? describeCounts(o.rolloutState ?? o.status, o.counts) : 'never observed'
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

const previous = (facts: DeploymentFacts): string => revisionOf(facts.previousTaskDefinitionArn, 'the previous task definition')

/** The release went live but its bake could not read the alarms: in words. */
function notBakedCause(facts: DeploymentFacts): string {
  const bake = facts.bake
  const since = bake?.unreadableSince ? ` since ${bake.unreadableSince.toISOString().slice(11, 19)} UTC` : ''
  return `Release ${revisionOf(facts.taskDefinitionArn, '?')} is live and was NOT baked: alarms unreadable${since} (${(bake?.unreadable ?? 'unknown').replace(/\.$/, '')})`
}

/** The release is live, unbaked, and nothing rolled it back (rollback: never). */
function unbaked(facts: DeploymentFacts): Decision | undefined {
  if (!facts.bake?.unreadable) return undefined
  const never = facts.rollbackPolicy === 'never' ? '; not rolled back (rollback: never)' : ''
  return { outcome: 'failed', reason: `${notBakedCause(facts)}${never}.` }
}

/** Why the action rolled back. */
function actionCause(facts: DeploymentFacts, trigger: 'bake-alarm' | 'bake-unverified' | 'fail-fast' | 'release' | 'post-deploy' | 'analysis'): string {
  if (trigger === 'post-deploy') return afterLiveCause(facts).replace(/\.$/, '')
  if (trigger === 'analysis') return `Canary analysis failed the new revision: ${facts.analysis?.verdict?.reason ?? 'unknown'}`
  if (trigger === 'fail-fast') return capitalized(facts.failFast ?? 'new tasks crash-looped')
  if (trigger === 'release') return `Stopped before its end: ${facts.stopped ?? 'another service of the release failed'}`
  return trigger === 'bake-alarm' ? alarmDuringBake(facts) : notBakedCause(facts)
}

const capitalized = (text: string): string => `${text[0].toUpperCase()}${text.slice(1)}`

function alarmDuringBake(facts: DeploymentFacts): string {
  const fired = facts.bake?.fired
  return `Alarm ${fired?.name} went to ALARM during the bake${fired?.reason ? ` (${fired.reason})` : ''}`
}

export function decideOutcome(facts: DeploymentFacts): Decision {
  const decision = rejectedOrPaused(facts) ?? decide(facts)
  // A call that never answered is why the run could not see its end: say which.
  if (facts.unanswered && decision.outcome !== 'succeeded' && !decision.reason.includes(facts.unanswered)) {
    return { ...decision, reason: `${decision.reason} ${sentence(facts.unanswered)}` }
  }
  return decision
}

/** The post-deploy command failed after traffic went live: in words. */
const afterLiveCause = (facts: DeploymentFacts): string => describeOneOff(failedOneOff(facts.oneOffTasks, 'post-deploy')!)

/** A one-off task that failed decides the run when nothing else did: before the deployment (nothing was deployed),
 * or after it with no rollback (rollback: never). */
function oneOffDecision(facts: DeploymentFacts): Decision | undefined {
  const pre = failedOneOff(facts.oneOffTasks, 'pre-deploy')
  if (pre) return { outcome: pre.end === 'timed-out' ? 'timed-out' : 'failed', reason: `Nothing was deployed: ${describeOneOff(pre)}` }
  if (!facts.actionRollback && failedOneOff(facts.oneOffTasks, 'post-deploy')) {
    return { outcome: 'failed', reason: `${afterLiveCause(facts)}${facts.rollbackPolicy === 'never' ? ' Not rolled back (rollback: never).' : ''}` }
  }
  return undefined
}

/** `approval`: the deployment waits for the pause this run added; `reject`: the rollback it asked for, said as such. */
function rejectedOrPaused(facts: DeploymentFacts): Decision | undefined {
  const paused = facts.awaitingApproval
  if (paused && facts.deploymentId && !facts.error && !facts.timedOut && !facts.actionRollback && !facts.stopped) {
    const expires = paused.expiresAt ? `, expires at ${paused.expiresAt.toISOString()}` : ''
    return {
      outcome: 'awaiting-approval',
      reason: `waiting for approval at ${paused.at}${expires}: deployment ${paused.id} has test traffic and no production traffic on ${revisionOf(facts.taskDefinitionArn, 'the new revision')}; approve with \`approve: ${paused.id}\`, or reject with \`reject: ${paused.id}\` (unanswered, it rolls back by itself).`,
    }
  }
  if (!facts.rejected) return undefined
  const decision = decide(facts)
  return decision.outcome === 'rolled-back' ? { outcome: 'rolled-back', reason: `${capitalized(facts.rejected)}: ${decision.reason}` } : decision
}

function decide(facts: DeploymentFacts): Decision {
  const oneOff = oneOffDecision(facts)
  if (oneOff) return oneOff
  if (!facts.deploymentId) {
    return { outcome: facts.timedOut ? 'timed-out' : 'failed', reason: sentence(`Nothing was deployed: ${facts.error ?? 'no deployment was started'}`) }
  }
  if (!facts.waited && !facts.error) {
    return { outcome: 'started', reason: `Deployment ${facts.deploymentId} started; not waited for (wait: false).` }
  }
  switch (facts.kind) {
    case 'rolling':
      return decideEcs(facts, facts.final, completedRolling(facts))
    case 'ecs-native':
      return decideEcs(facts, nativeState(facts), completedNative(facts))
    case 'codedeploy':
      return decideCodeDeploy(facts, facts.codeDeploy ?? { deploymentId: facts.deploymentId })
  }
}

/** Our rolling deployment is done: COMPLETED, PRIMARY and running its desired count. */
function completedRolling(facts: RollingFacts): DeploymentObservation | undefined {
  const f = facts.final
  return f?.status === 'PRIMARY' && f.rolloutState === 'COMPLETED' && f.counts.running === f.counts.desired ? f : undefined
}

/** Our ECS-native deployment is done: its service deployment SUCCESSFUL (task counts from DescribeServices when it
 * agrees, else from the service deployment's target revision). */
function completedNative(facts: NativeFacts): DeploymentObservation | undefined {
  const sd = facts.serviceDeployment
  if (sd?.status !== 'SUCCESSFUL') return undefined
  const seen = facts.final
  if (seen?.status === 'PRIMARY' && seen.rolloutState === 'COMPLETED') return seen
  return { id: facts.deploymentId ?? '', status: 'PRIMARY', rolloutState: 'COMPLETED', counts: sd.counts ?? seen?.counts ?? { desired: 0, running: 0, pending: 0, failed: 0 } }
}

/** How far an ECS-native deployment got: DescribeServices' look at our deployment, with the service deployment's
 * verdict when it ended STOPPED. */
function nativeState(facts: NativeFacts): DeploymentObservation | undefined {
  const sd = facts.serviceDeployment
  if (sd?.status === 'STOPPED' && !facts.actionRollback) {
    const counts = sd.counts ?? facts.final?.counts ?? { desired: 0, running: 0, pending: 0, failed: 0 }
    return {
      id: facts.deploymentId ?? '',
      status: facts.final?.status ?? 'PRIMARY',
      rolloutState: 'FAILED',
      rolloutStateReason: sd.statusReason ?? `service deployment ${revisionOf(sd.arn, '?')} was stopped`,
      counts,
    }
  }
  return facts.final
}

/** Rolling and ECS-native: ECS's own deployment, rolled back by ECS or by the action. */
function decideEcs(facts: RollingFacts | NativeFacts, final: DeploymentObservation | undefined, completed: DeploymentObservation | undefined): Decision {
  const id = facts.deploymentId ?? '(none)'
  const ours = facts.actionRollback
  if (ours) {
    const cause = ours.trigger === 'timeout' ? `Deployment ${id} did not complete before the timeout (${describe(final)})${waitingHook(facts)}` : actionCause(facts, ours.trigger)
    const to = revisionOf(ours.toTaskDefinitionArn, 'the previous task definition')
    // At the timeout the run is out of time whatever its rollback did; after a bake alarm a rollback that did not
    // happen is a failure.
    if (!ours.completed)
      return { outcome: ours.trigger === 'timeout' ? 'timed-out' : 'failed', reason: `${cause}; rolling back to ${to} failed: ${sentence(ours.problem ?? 'unknown')}` }
    return { outcome: ours.trigger === 'timeout' ? 'timed-out' : 'rolled-back', reason: `${cause}; rolled back to ${to}.` }
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

  if (facts.serviceGone) {
    return { outcome: 'failed', reason: `Service ${facts.service} is ${facts.serviceGone} (being deleted) while deployment ${id} was in progress (${describe(final)}).` }
  }

  if (facts.timedOut) {
    const when = facts.bake?.cutShortByDeadline ? 'before the bake time was over' : `before deployment ${id} completed (${describe(final)})${waitingHook(facts)}`
    const policy = facts.rollbackPolicy === 'never' ? '; not rolled back (rollback: never)' : ''
    return { outcome: 'timed-out', reason: `Timed out ${when}${policy}.` }
  }

  if (final?.rolloutState === 'FAILED') {
    const why = final.rolloutStateReason ?? facts.serviceDeployment?.statusReason ?? `deployment ${id} failed`
    const rolledBack = facts.rollbackPolicy === 'never' ? ' Not rolled back (rollback: never).' : ' ECS had no completed deployment to roll back to.'
    return { outcome: 'failed', reason: `${sentence(why)}${rolledBack}` }
  }

  if (facts.bake?.fired) return { outcome: 'failed', reason: `${alarmDuringBake(facts)}; not rolled back (rollback: never).` }
  const notBaked = unbaked(facts)
  if (notBaked) return notBaked

  if (completed && (!facts.bake || facts.bake.passed)) {
    const baked = bakedWords(facts.bake)
    const c = completed.counts
    return {
      outcome: 'succeeded',
      reason: `Deployment ${id} completed: ${c.running}/${c.desired} tasks of ${revisionOf(facts.taskDefinitionArn, 'the previous task definition')} running${baked}.`,
    }
  }
  return { outcome: 'failed', reason: `Deployment ${id} ended without completing (${describe(final)}).` }
}

/** What CodeDeploy said about a failed or stopped deployment, naming the lifecycle event (hook) that failed. */
function codeDeployFailure(facts: CodeDeployFacts, cd: CodeDeployObservation): string {
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
function decideCodeDeploy(facts: CodeDeployFacts, cd: CodeDeployObservation): Decision {
  const id = cd.deploymentId
  const traffic = facts.trafficShifts?.at(-1)?.percent ?? 0
  const state = `${cd.status ?? 'not seen'}${cd.failedEvent ? ` at ${cd.failedEvent.name}` : ''}, ${traffic}% of production traffic on the new task set`
  const never = facts.rollbackPolicy === 'never'

  const ours = facts.actionRollback
  if (ours) {
    const cause = ours.trigger === 'timeout' ? `CodeDeploy deployment ${id} did not finish before the timeout` : actionCause(facts, ours.trigger)
    if (!ours.completed) return { outcome: ours.trigger === 'timeout' ? 'timed-out' : 'failed', reason: `${cause}; rolling back failed: ${sentence(ours.problem ?? 'unknown')}` }
    return {
      outcome: ours.trigger === 'timeout' ? 'timed-out' : 'rolled-back',
      reason: `${cause}; CodeDeploy rolled back to ${revisionOf(ours.toTaskDefinitionArn, 'the previous task definition')} (deployment ${ours.deploymentId}).`,
    }
  }

  if (cd.status === 'Failed' || cd.status === 'Stopped') {
    const why = codeDeployFailure(facts, cd)
    if (cd.rollbackDeploymentId && cd.rollbackStatus === 'Succeeded') {
      return { outcome: 'rolled-back', reason: `${why} CodeDeploy rolled back to ${previous(facts)} (deployment ${cd.rollbackDeploymentId}).` }
    }
    if (cd.rollbackDeploymentId) {
      const how = cd.rollbackStatus === 'Failed' || cd.rollbackStatus === 'Stopped' ? `ended ${cd.rollbackStatus}` : `did not finish (${cd.rollbackStatus ?? 'not seen'})`
      return { outcome: 'failed', reason: `${why} CodeDeploy's rollback deployment ${cd.rollbackDeploymentId} ${how}.` }
    }
    return {
      outcome: 'failed',
      reason: `${why} ${never ? 'Not rolled back (rollback: never).' : `CodeDeploy did not roll back${cd.rollbackMessage ? `: ${sentence(cd.rollbackMessage)}` : '.'}`}`,
    }
  }

  if (facts.error) return { outcome: 'failed', reason: sentence(facts.error) }

  if (facts.timedOut) {
    const when = facts.bake?.cutShortByDeadline ? 'before the bake time was over' : `before CodeDeploy deployment ${id} finished (${state})`
    return { outcome: 'timed-out', reason: `Timed out ${when}${never ? '; not rolled back (rollback: never)' : ''}.` }
  }

  if (facts.bake?.fired) return { outcome: 'failed', reason: `${alarmDuringBake(facts)}; not rolled back (rollback: never).` }
  const notBaked = unbaked(facts)
  if (notBaked) return notBaked

  const moved = cd.status === 'Succeeded' || (cd.status === 'InProgress' && traffic === 100)
  if (moved && (!facts.bake || facts.bake.passed)) {
    const baked = bakedWords(facts.bake)
    return {
      outcome: 'succeeded',
      reason: `CodeDeploy deployment ${id} moved all production traffic to ${revisionOf(facts.taskDefinitionArn, 'the previous task definition')}${baked}.`,
    }
  }
  return { outcome: 'failed', reason: `CodeDeploy deployment ${id} ended without moving all production traffic (${state}).` }
}

/** The bake of a release that passed, in words: an alarm in ALARM before the deployment and throughout the bake is
 * not "no alarm" — the bake could not judge the release by it. */
function bakedWords(bake: BakeResult | undefined): string {
  if (!bake) return ''
  const took = ` and baked ${Math.round(bake.durationMs / 1000)} s`
  const unjudged = bake.unjudged ?? []
  if (unjudged.length === 0) return `${took} with no alarm`
  const names = unjudged.length === 1 ? `alarm ${unjudged[0]} was` : `alarms ${unjudged.join(', ')} were`
  return `${took}, but ${names} in ALARM before the deployment and throughout the bake, so the bake could not judge the release by ${unjudged.length === 1 ? 'it' : 'them'}`
}
