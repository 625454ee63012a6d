// ECS's own blue/green, canary and linear deployments (deploymentConfiguration.strategy on a service with the ECS
// deployment controller): register → UpdateService with the strategy → watch the service deployment through its
// lifecycle stages, traffic weights and hooks → (on timeout) StopServiceDeployment(ROLLBACK). It records facts and
// decides nothing; src/core/outcome.ts judges them.
//
// bake-time becomes ECS's own bakeTimeInMinutes: ECS keeps the previous revision running after production traffic
// has moved and watches the deployment's alarms, so an alarm during the bake rolls back at once, by a listener
// change rather than a new rollout.
import { StopServiceDeploymentCommand, type Service } from '@aws-sdk/client-ecs'
import { revisionOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { errorName, errorText } from '../../aws/errors.js'
import type { NativeFacts } from '../../core/facts.js'
import type { Timeline } from '../../core/timeline.js'
import { ROLLING_BACK, eventIds, observe } from '../../watch/service.js'
import { finisher, pollerOf, registerTaskDefinition, rollbackDeadline, rollbackWhy, startFacts, stoppedByRelease, type EngineOptions } from '../register.js'
import { deploymentFor, deploymentUpdate, updateService } from '../service-config.js'
import { bakeLine, nativeConfiguration, type NativePlan } from './settings.js'
import { NativeWatch, type End } from './watch.js'

export type { NativePlan } from './settings.js'

export async function runNative(clients: Clients, plan: NativePlan, timeline: Timeline, options: EngineOptions = {}): Promise<NativeFacts> {
  const poller = pollerOf(options)
  const at = () => new Date(poller.clock.now())
  const facts: NativeFacts = { kind: 'ecs-native', ...startFacts(plan, at, plan.engine.label) }
  const finish = finisher(facts, poller)
  options.onFacts?.(facts)

  const taskDefinitionArn = await registerTaskDefinition(clients, plan, facts, timeline, at)
  if (!taskDefinitionArn) return finish()

  const config = nativeConfiguration(plan)
  timeline.emit({ type: 'phase', at: at(), phase: 'deploy', detail: `${taskDefinitionArn} — ${plan.engine.label}; ${bakeLine(config.bakeTimeInMinutes ?? 0, plan)}` })
  let updated: Service | undefined
  try {
    updated = await updateService(clients, deploymentUpdate(plan, taskDefinitionArn, config), timeline)
  } catch (error) {
    facts.error = `UpdateService (${plan.cluster}/${plan.service}, strategy ${config.strategy}): ${errorText(error)}`
    return finish()
  }
  const arn = updated?.currentServiceDeployment
  if (!arn) {
    facts.error = `UpdateService response names no service deployment for ${taskDefinitionArn}`
    return finish()
  }
  const ours = deploymentFor(updated, taskDefinitionArn)
  facts.serviceDeploymentArn = arn
  facts.deploymentId = ours?.id ?? revisionOf(arn, '?')
  if (ours) facts.final = ours
  if (!plan.wait) return finish()

  timeline.emit({ type: 'phase', at: at(), phase: 'watch', detail: `service deployment ${arn}` })
  const watch = new NativeWatch(clients, plan, facts, timeline, poller, eventIds(updated))
  // Failing fast rolls back: with rollback never, the circuit breaker alone decides.
  watch.maxTaskFailures = plan.rollback === 'on-failure' ? (plan.maxTaskFailures ?? 0) : 0
  try {
    const end = await watch.run(plan.deadline)
    if (end === 'fail-fast') await rollBack(clients, plan, facts, watch, timeline, 'fail-fast')
    else if (end === 'timeout') {
      const stopped = stoppedByRelease(facts, poller)
      if (!stopped) facts.timedOut = true
      facts.hook = watch.waitingHook()
      // ECS was already rolling back when our time ran out: that rollback is the one to wait for.
      if (ROLLING_BACK.test(watch.status ?? '')) await watch.run(rollbackDeadline(poller.clock.now(), plan))
      else if (plan.rollback === 'on-failure') await rollBack(clients, plan, facts, watch, timeline, stopped ? 'release' : 'timeout')
    }
  } catch (error) {
    facts.error = `Watching service deployment ${arn}: ${errorText(error)}`
  }
  watch.record()
  return finish()
}

/** The deadline came, or new tasks crash-looped: StopServiceDeployment(ROLLBACK), then watch that rollback to its end. */
async function rollBack(
  clients: Clients,
  plan: NativePlan,
  facts: NativeFacts,
  watch: NativeWatch,
  timeline: Timeline,
  trigger: 'timeout' | 'fail-fast' | 'release',
): Promise<void> {
  const at = () => new Date(watch.clock.now())
  const to = plan.previousTaskDefinitionArn
  const rollback: NonNullable<NativeFacts['actionRollback']> = { trigger, toTaskDefinitionArn: to, completed: false }
  facts.actionRollback = rollback
  const waiting = facts.hook
  const what =
    waiting?.status === 'AWAITING_ACTION' ? `PAUSE hook ${waiting.name} was waiting for approval` : waiting ? `lifecycle hook ${waiting.target} was still running` : undefined
  const late = `service deployment ${revisionOf(facts.serviceDeploymentArn, '?')} did not finish before the timeout (${watch.where()}${what ? `; ${what}` : ''})`
  const why = rollbackWhy(facts, trigger, late)
  timeline.emit({ type: 'phase', at: at(), phase: 'rollback', detail: `StopServiceDeployment(ROLLBACK) → ${revisionOf(to, '?')}` })
  timeline.emit({ type: 'rollback', at: at(), from: facts.deploymentId ?? '', to: revisionOf(to, '?'), reason: why, by: 'action' })
  try {
    await clients.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: facts.serviceDeploymentArn, stopType: 'ROLLBACK' }))
  } catch (error) {
    // A rollback already under way (ours, whose answer was lost, or ECS's own at that moment) is followed, not failed.
    if (errorName(error) !== 'ConflictException' || !/ROLLBACK_(REQUESTED|IN_PROGRESS|SUCCESSFUL)/.test(errorText(error))) {
      rollback.problem = `StopServiceDeployment(ROLLBACK) of ${facts.serviceDeploymentArn}: ${errorText(error)}`
      return
    }
    timeline.emit({ type: 'warning', at: at(), message: `StopServiceDeployment: the service deployment is already rolling back (${errorText(error)}); following that rollback.` })
  }
  let end: End
  try {
    end = await watch.run(rollbackDeadline(watch.clock.now(), plan))
  } catch (error) {
    rollback.problem = `Watching the rollback of ${facts.serviceDeploymentArn}: ${errorText(error)}`
    return
  }
  rollback.completed = watch.status === 'ROLLBACK_SUCCESSFUL'
  const back = watch.otherPrimary()
  if (back) {
    rollback.deploymentId = back.id
    rollback.final = observe(back)
  }
  if (!rollback.completed) {
    rollback.problem =
      end === 'timeout'
        ? `the rollback did not finish in time (${watch.where()})`
        : `the service deployment ended ${watch.status}${watch.sd?.statusReason ? `: ${watch.sd.statusReason}` : ''}`
  }
}
