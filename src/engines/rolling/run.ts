// The rolling engine: register → update → watch → bake → (our own) rollback. It records facts and decides
// nothing: src/core/outcome.ts turns the facts into the outcome. AWS errors end the run as facts (`error`), not
// throws, so the outcome, diagnosis and reports still happen.
import type { DeploymentConfiguration, Service } from '@aws-sdk/client-ecs'
import type { Clients } from '../../aws/clients.js'
import { errorText } from '../../aws/errors.js'
import type { ActionRollback, DeploymentObservation, RollingFacts } from '../../core/facts.js'
import type { DeployPlan } from '../../core/plan.js'
import type { Timeline } from '../../core/timeline.js'
import { bakeInto } from '../../watch/bake.js'
import type { Poller } from '../../watch/poller.js'
import { eventIds } from '../../watch/service.js'
import { finisher, pollerOf, registerTaskDefinition, rollbackDeadline, rollbackWhy, startFacts, stoppedByRelease, type EngineOptions } from '../register.js'
import { deploymentConfigurationFor, deploymentFor, deploymentUpdate, updateService } from '../service-config.js'
import { watchDeployment, type WatchResult, type WatchTarget } from './watch.js'

export type RollingPlan = DeployPlan

/** For the action's own rollback: the alarm that fired is still in ALARM and would fail the rollback at once,
 * and a breaker rollback would go back to the bad release (the last COMPLETED one). */
export function rollbackConfiguration(config: DeploymentConfiguration): DeploymentConfiguration {
  return {
    ...config,
    deploymentCircuitBreaker: { ...config.deploymentCircuitBreaker, enable: true, rollback: false },
    ...(config.alarms ? { alarms: { ...config.alarms, alarmNames: config.alarms.alarmNames ?? [], enable: false, rollback: false } } : {}),
  }
}

/** The watch of `deployment`, which UpdateService (its answer: `updated`) just started for `taskDefinitionArn`. */
function watchOf(plan: RollingPlan, updated: Service | undefined, deployment: DeploymentObservation, taskDefinitionArn: string, since: Date): Omit<WatchTarget, 'deadline'> {
  return {
    cluster: plan.cluster,
    service: plan.service,
    deploymentId: deployment.id,
    serviceDeploymentArn: updated?.currentServiceDeployment,
    taskDefinitionArn,
    initial: deployment,
    knownEventIds: eventIds(updated),
    since: deployment.createdAt ?? since,
  }
}

function apply(facts: RollingFacts, result: WatchResult): void {
  facts.final = result.final ?? facts.final
  facts.serviceDeployment = result.serviceDeployment ?? facts.serviceDeployment
  facts.ecsRollback = result.ecsRollback
  facts.supersededBy = result.supersededBy
  if (result.serviceGone) facts.serviceGone = result.serviceGone
  if (result.failFast) facts.failFast = result.failFast
  facts.stoppedTasks.push(...result.stoppedTasks)
  if (result.end === 'timeout') facts.timedOut = true
}

export async function runRolling(clients: Clients, plan: RollingPlan, timeline: Timeline, options: EngineOptions = {}): Promise<RollingFacts> {
  const poller = pollerOf(options)
  const at = () => new Date(poller.clock.now())
  const facts: RollingFacts = { kind: 'rolling', ...startFacts(plan, at, 'rolling update') }
  const finish = finisher(facts, poller)
  options.onFacts?.(facts)

  const taskDefinitionArn = await registerTaskDefinition(clients, plan, facts, timeline, at)
  if (!taskDefinitionArn) return finish()

  const config = deploymentConfigurationFor(plan.currentDeploymentConfiguration, plan.alarms, plan.rollback)
  timeline.emit({ type: 'phase', at: at(), phase: 'deploy', detail: taskDefinitionArn })
  let updated: Service | undefined
  try {
    updated = await updateService(clients, deploymentUpdate(plan, taskDefinitionArn, config), timeline)
  } catch (error) {
    facts.error = `UpdateService (${plan.cluster}/${plan.service}): ${errorText(error)}`
    return finish()
  }
  const ours = deploymentFor(updated, taskDefinitionArn)
  if (!ours) {
    facts.error = `UpdateService response has no deployment of ${taskDefinitionArn}`
    return finish()
  }
  facts.deploymentId = ours.id
  facts.serviceDeploymentArn = updated?.currentServiceDeployment
  facts.final = ours
  timeline.emit({
    type: 'deployment',
    at: at(),
    deploymentId: ours.id,
    status: ours.status,
    rolloutState: ours.rolloutState,
    rolloutStateReason: ours.rolloutStateReason,
    counts: ours.counts,
  })
  if (!plan.wait) return finish()

  timeline.emit({ type: 'phase', at: at(), phase: 'watch', detail: ours.id })
  try {
    const result = await watchDeployment(
      clients,
      {
        ...watchOf(plan, updated, ours, taskDefinitionArn, facts.startedAt),
        taskDefinition: facts.taskDefinition,
        deadline: plan.deadline,
        // Failing fast rolls back: with rollback never, the circuit breaker alone decides.
        maxTaskFailures: plan.rollback === 'on-failure' ? plan.maxTaskFailures : 0,
      },
      timeline,
      poller,
    )
    apply(facts, result)
    if (result.end === 'timeout') stoppedByRelease(facts, poller)
  } catch (error) {
    facts.error = `Watching deployment ${ours.id}: ${errorText(error)}`
    return finish()
  }
  if (facts.final && !facts.ecsRollback && !facts.supersededBy && !facts.timedOut && !facts.stopped && facts.final.rolloutState === 'COMPLETED' && plan.bakeTimeMs > 0) {
    if (!(await bakeInto(clients, facts, plan, timeline, poller, options.bake))) return finish()
    if (facts.bake && !facts.bake.passed && !facts.bake.fired && !facts.bake.unreadable) stoppedByRelease(facts, poller)
  }

  if (plan.rollback === 'on-failure') {
    const trigger = facts.failFast
      ? 'fail-fast'
      : facts.bake?.fired
        ? 'bake-alarm'
        : facts.bake?.unreadable
          ? 'bake-unverified'
          : (facts.stopped || facts.timedOut) && !facts.ecsRollback && !facts.supersededBy
            ? facts.stopped
              ? 'release'
              : 'timeout'
            : undefined
    if (trigger) facts.actionRollback = await rollBack(clients, plan, config, facts, trigger, timeline, poller)
  }
  return finish()
}

/** Puts the previous task definition back and watches that rollout to its end. */
async function rollBack(
  clients: Clients,
  plan: RollingPlan,
  config: DeploymentConfiguration,
  facts: RollingFacts,
  trigger: ActionRollback['trigger'],
  timeline: Timeline,
  poller: Poller,
): Promise<ActionRollback> {
  const at = () => new Date(poller.clock.now())
  const to = plan.previousTaskDefinitionArn
  const rollback: ActionRollback = { trigger, toTaskDefinitionArn: to, completed: false }
  const why = rollbackWhy(facts, trigger, `deployment ${facts.deploymentId} did not complete before the timeout`)
  timeline.emit({ type: 'phase', at: at(), phase: 'rollback', detail: to })
  timeline.emit({ type: 'rollback', at: at(), from: facts.taskDefinitionArn ?? '', to, reason: why, by: 'action' })
  let updated: Service | undefined
  try {
    updated = await updateService(clients, { cluster: plan.cluster, service: plan.service, taskDefinition: to, deploymentConfiguration: rollbackConfiguration(config) }, timeline)
  } catch (error) {
    rollback.problem = `UpdateService to ${to}: ${errorText(error)}`
    return rollback
  }
  const deployment = deploymentFor(updated, to)
  if (!deployment) {
    rollback.problem = `UpdateService response has no deployment of ${to}`
    return rollback
  }
  rollback.deploymentId = deployment.id
  rollback.final = deployment
  try {
    const result = await watchDeployment(clients, { ...watchOf(plan, updated, deployment, to, at()), deadline: rollbackDeadline(poller.clock.now(), plan) }, timeline, poller)
    rollback.final = result.final ?? rollback.final
    rollback.completed = result.end === 'completed'
    if (!rollback.completed) {
      const state = rollback.final
        ? `${rollback.final.rolloutState ?? rollback.final.status}${rollback.final.rolloutStateReason ? `: ${rollback.final.rolloutStateReason}` : ''}`
        : 'unknown'
      rollback.problem =
        result.end === 'timeout'
          ? `rollback deployment ${deployment.id} did not complete in time (${state})`
          : result.end === 'superseded'
            ? `rollback deployment ${deployment.id} was replaced by ${result.supersededBy?.deploymentId}`
            : `rollback deployment ${deployment.id} ended ${state}`
    }
  } catch (error) {
    rollback.problem = `Watching rollback deployment ${deployment.id}: ${errorText(error)}`
  }
  return rollback
}
