// ECS's own blue/green, canary and linear deployments (deploymentConfiguration.strategy on a service with the ECS
// deployment controller), as the engine's steps (the lifecycle is ../lifecycle.ts): UpdateService with the strategy
// → watch the service deployment through its lifecycle stages, traffic weights and hooks → (on a fail fast or the
// timeout) StopServiceDeployment(ROLLBACK).
//
// bake-time becomes ECS's own bakeTimeInMinutes: ECS keeps the previous revision running after production traffic
// has moved and watches the deployment's alarms, so an alarm during the bake rolls back at once, by a listener
// change rather than a new rollout.
import { StopServiceDeploymentCommand, type Service } from '@aws-sdk/client-ecs'
import { revisionOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { errorName, errorText } from '../../aws/errors.js'
import type { ActionRollback, NativeFacts } from '../../core/facts.js'
import type { Timeline } from '../../core/timeline.js'
import type { CanaryAnalysis } from '../../watch/analysis.js'
import type { RunContext } from '../../watch/context.js'
import { ROLLING_BACK, eventIds, observe } from '../../watch/service.js'
import type { EngineOptions } from '../contract.js'
import { runContextOf, runLifecycle, startFacts, type Deployer, type RollbackStart, type Watched } from '../lifecycle.js'
import { sendMutating } from '../mutating.js'
import { rollbackDeadline } from '../register.js'
import { deploymentFor, deploymentUpdate, updateService } from '../service-config.js'
import { bakeLine, nativeConfiguration, type NativePlan } from './settings.js'
import { NativeWatch } from './watch.js'

export type { NativePlan } from './settings.js'

export async function runNative(clients: Clients, plan: NativePlan, timeline: Timeline, options: EngineOptions = {}): Promise<NativeFacts> {
  const run = runContextOf(options)
  const facts: NativeFacts = { kind: 'ecs-native', ...startFacts(plan, run, plan.engine.label) }
  const deployer = new NativeDeployer(clients, plan, timeline, run, facts)
  deployer.smokeTest = options.afterLive !== undefined
  return runLifecycle(clients, plan, timeline, run, facts, options, deployer)
}

/** ECS-native steps; ./approval.ts starts them differently for `approve` and `reject`. */
export class NativeDeployer implements Deployer {
  /** ECS bakes: bake-time is its bakeTimeInMinutes. */
  readonly bakes = false
  protected updated?: Service
  private watcher?: NativeWatch
  /** A post-deploy task runs once production traffic is live: the watch ends at ECS's bake, which lasts at least a
   * minute so the old revision is still there to roll back to, and settle() watches the rest. */
  smokeTest = false

  constructor(
    protected readonly clients: Clients,
    protected readonly plan: NativePlan,
    protected readonly timeline: Timeline,
    protected readonly run: RunContext,
    protected readonly facts: NativeFacts,
  ) {}

  protected at(): Date {
    return new Date(this.run.clock.now())
  }

  async start(taskDefinitionArn: string): Promise<boolean> {
    const { plan, facts } = this
    const config = nativeConfiguration(plan)
    if (this.smokeTest) config.bakeTimeInMinutes = Math.max(config.bakeTimeInMinutes ?? 0, 1)
    this.timeline.emit({ type: 'phase', at: this.at(), phase: 'deploy', detail: `${taskDefinitionArn} — ${plan.engine.label}; ${bakeLine(config.bakeTimeInMinutes ?? 0, plan)}` })
    try {
      this.updated = await updateService(this.clients, deploymentUpdate(plan, taskDefinitionArn, config), this.timeline, plan.deadline)
    } catch (error) {
      facts.error = `UpdateService (${plan.cluster}/${plan.service}, strategy ${config.strategy}): ${errorText(error)}`
      return false
    }
    const arn = this.updated?.currentServiceDeployment
    if (!arn) {
      facts.error = `UpdateService response names no service deployment for ${taskDefinitionArn}`
      return false
    }
    const ours = deploymentFor(this.updated, taskDefinitionArn)
    facts.serviceDeploymentArn = arn
    facts.deploymentId = ours?.id ?? revisionOf(arn, '?')
    if (ours) facts.final = ours
    return true
  }

  async watch(deadline: number, analysis: CanaryAnalysis): Promise<Watched> {
    const { plan, facts } = this
    this.timeline.emit({ type: 'phase', at: this.at(), phase: 'watch', detail: `service deployment ${facts.serviceDeploymentArn}` })
    const watch = (this.watcher = new NativeWatch(this.clients, plan, facts, this.timeline, this.run, eventIds(this.updated)))
    watch.analysis = analysis
    // Failing fast rolls back: with rollback never, the circuit breaker alone decides.
    watch.maxTaskFailures = plan.rollback === 'on-failure' ? (plan.maxTaskFailures ?? 0) : 0
    watch.liveAtBake = this.smokeTest
    try {
      const end = await watch.run(deadline)
      if (end !== 'timeout' && end !== 'stopped') return end
      facts.hook = watch.waitingHook()
      // ECS was already rolling back when our time ran out: that rollback is the one to wait for.
      if (ROLLING_BACK.test(watch.status ?? '')) await watch.run(rollbackDeadline(this.run.clock.now(), plan))
      return end
    } catch (error) {
      facts.error = `Watching service deployment ${facts.serviceDeploymentArn}: ${errorText(error)}`
      return 'ended'
    } finally {
      watch.record()
    }
  }

  /** The smoke test passed at the bake: the rest of the deployment, watched to its end. */
  async settle(): Promise<void> {
    const watch = this.watcher
    if (!watch?.wentLive) return
    try {
      const end = await watch.run(this.plan.deadline)
      if (end === 'timeout') this.facts.timedOut = true
      if (end === 'stopped') this.facts.stopped = this.run.stopped()
    } catch (error) {
      this.facts.error = `Watching service deployment ${this.facts.serviceDeploymentArn}: ${errorText(error)}`
    } finally {
      watch.record()
    }
  }

  rollbackStart(): RollbackStart {
    const { facts } = this
    const to = revisionOf(this.plan.previousTaskDefinitionArn, '?')
    const waiting = facts.hook
    const what =
      waiting?.status === 'AWAITING_ACTION' ? `PAUSE hook ${waiting.name} was waiting for approval` : waiting ? `lifecycle hook ${waiting.target} was still running` : undefined
    const late = `service deployment ${revisionOf(facts.serviceDeploymentArn, '?')} did not finish before the timeout (${this.watcher?.where()}${what ? `; ${what}` : ''})`
    return { detail: `StopServiceDeployment(ROLLBACK) → ${to}`, from: facts.deploymentId ?? '', to, late }
  }

  /** StopServiceDeployment(ROLLBACK), then the rollback watched to its end. */
  async rollBack(rollback: ActionRollback): Promise<void> {
    const watch = this.watcher as NativeWatch
    try {
      if (await this.stop(rollback)) await this.follow(rollback, watch)
    } finally {
      watch.record()
    }
  }

  /** False when the stop failed (the problem is on `rollback`). */
  private async stop(rollback: ActionRollback): Promise<boolean> {
    const arn = this.facts.serviceDeploymentArn
    try {
      const stop = new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' })
      await sendMutating(this.timeline, 'StopServiceDeployment', () => this.clients.ecs.send(stop), rollbackDeadline(this.run.clock.now(), this.plan))
    } catch (error) {
      // A rollback already under way (ours, whose answer was lost, or ECS's own at that moment) is followed, not failed.
      if (errorName(error) !== 'ConflictException' || !/ROLLBACK_(REQUESTED|IN_PROGRESS|SUCCESSFUL)/.test(errorText(error))) {
        rollback.problem = `StopServiceDeployment(ROLLBACK) of ${arn}: ${errorText(error)}`
        return false
      }
      this.timeline.emit({
        type: 'warning',
        at: this.at(),
        message: `StopServiceDeployment: the service deployment is already rolling back (${errorText(error)}); following that rollback.`,
      })
    }
    return true
  }

  private async follow(rollback: ActionRollback, watch: NativeWatch): Promise<void> {
    let end
    try {
      end = await watch.run(rollbackDeadline(this.run.clock.now(), this.plan))
    } catch (error) {
      rollback.problem = `Watching the rollback of ${this.facts.serviceDeploymentArn}: ${errorText(error)}`
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
}
