// The rolling engine's steps (the lifecycle is ../lifecycle.ts): UpdateService → watch our deployment → (the bake)
// → our own rollback, UpdateService back to the previous revision.
import type { DeploymentConfiguration, Service } from '@aws-sdk/client-ecs'
import type { Clients } from '../../aws/clients.js'
import { errorText } from '../../aws/errors.js'
import type { ActionRollback, DeploymentObservation, RollingFacts } from '../../core/facts.js'
import type { DeployPlan } from '../../core/plan.js'
import type { Timeline } from '../../core/timeline.js'
import type { RunContext } from '../../watch/context.js'
import { eventIds } from '../../watch/service.js'
import type { EngineOptions } from '../contract.js'
import { runContextOf, runLifecycle, startFacts, type Deployer, type RollbackStart, type Watched } from '../lifecycle.js'
import { rollbackDeadline } from '../register.js'
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
}

export async function runRolling(clients: Clients, plan: RollingPlan, timeline: Timeline, options: EngineOptions = {}): Promise<RollingFacts> {
  const run = runContextOf(options)
  const facts: RollingFacts = { kind: 'rolling', ...startFacts(plan, run, 'rolling update') }
  return runLifecycle(clients, plan, timeline, run, facts, options, new RollingDeployer(clients, plan, timeline, run, facts))
}

class RollingDeployer implements Deployer {
  readonly bakes = true
  private readonly config: DeploymentConfiguration
  private updated?: Service
  private ours?: DeploymentObservation

  constructor(
    private readonly clients: Clients,
    private readonly plan: RollingPlan,
    private readonly timeline: Timeline,
    private readonly run: RunContext,
    private readonly facts: RollingFacts,
  ) {
    this.config = deploymentConfigurationFor(plan.currentDeploymentConfiguration, plan.alarms, plan.rollback)
  }

  private at(): Date {
    return new Date(this.run.clock.now())
  }

  async start(taskDefinitionArn: string): Promise<boolean> {
    const { plan, facts } = this
    this.timeline.emit({ type: 'phase', at: this.at(), phase: 'deploy', detail: taskDefinitionArn })
    try {
      this.updated = await updateService(this.clients, deploymentUpdate(plan, taskDefinitionArn, this.config), this.timeline, plan.deadline)
    } catch (error) {
      facts.error = `UpdateService (${plan.cluster}/${plan.service}): ${errorText(error)}`
      return false
    }
    const ours = deploymentFor(this.updated, taskDefinitionArn)
    if (!ours) {
      facts.error = `UpdateService response has no deployment of ${taskDefinitionArn}`
      return false
    }
    this.ours = ours
    facts.deploymentId = ours.id
    facts.serviceDeploymentArn = this.updated?.currentServiceDeployment
    facts.final = ours
    this.timeline.emit({
      type: 'deployment',
      at: this.at(),
      deploymentId: ours.id,
      status: ours.status,
      rolloutState: ours.rolloutState,
      rolloutStateReason: ours.rolloutStateReason,
      counts: ours.counts,
    })
    return true
  }

  async watch(deadline: number): Promise<Watched> {
    const { plan, facts } = this
    const ours = this.ours as DeploymentObservation
    this.timeline.emit({ type: 'phase', at: this.at(), phase: 'watch', detail: ours.id })
    try {
      const result = await watchDeployment(
        this.clients,
        {
          ...watchOf(plan, this.updated, ours, facts.taskDefinitionArn ?? '', facts.startedAt),
          taskDefinition: facts.taskDefinition,
          deadline,
          // Failing fast rolls back: with rollback never, the circuit breaker alone decides.
          maxTaskFailures: plan.rollback === 'on-failure' ? plan.maxTaskFailures : 0,
        },
        this.timeline,
        this.run,
      )
      apply(facts, result)
      return result.end === 'completed' ? 'live' : result.end === 'timeout' || result.end === 'stopped' || result.end === 'fail-fast' ? result.end : 'ended'
    } catch (error) {
      facts.error = `Watching deployment ${ours.id}: ${errorText(error)}`
      return 'ended'
    }
  }

  rollbackStart(): RollbackStart {
    const to = this.plan.previousTaskDefinitionArn
    return { detail: to, from: this.facts.taskDefinitionArn ?? '', to, late: `deployment ${this.facts.deploymentId} did not complete before the timeout` }
  }

  /** Puts the previous task definition back and watches that rollout to its end. */
  async rollBack(rollback: ActionRollback): Promise<void> {
    const { plan } = this
    const to = rollback.toTaskDefinitionArn
    let updated: Service | undefined
    try {
      updated = await updateService(
        this.clients,
        { cluster: plan.cluster, service: plan.service, taskDefinition: to, deploymentConfiguration: rollbackConfiguration(this.config) },
        this.timeline,
        rollbackDeadline(this.run.clock.now(), plan),
      )
    } catch (error) {
      rollback.problem = `UpdateService to ${to}: ${errorText(error)}`
      return
    }
    const deployment = deploymentFor(updated, to)
    if (!deployment) {
      rollback.problem = `UpdateService response has no deployment of ${to}`
      return
    }
    rollback.deploymentId = deployment.id
    rollback.final = deployment
    try {
      const result = await watchDeployment(
        this.clients,
        { ...watchOf(plan, updated, deployment, to, this.at()), deadline: rollbackDeadline(this.run.clock.now(), plan) },
        this.timeline,
        this.run,
      )
      rollback.final = result.final ?? rollback.final
      rollback.completed = result.end === 'completed'
      if (!rollback.completed) rollback.problem = rollbackProblem(result, deployment.id, rollback.final)
    } catch (error) {
      rollback.problem = `Watching rollback deployment ${deployment.id}: ${errorText(error)}`
    }
  }
}

function rollbackProblem(result: WatchResult, id: string, final: DeploymentObservation | undefined): string {
  const state = final ? `${final.rolloutState ?? final.status}${final.rolloutStateReason ? `: ${final.rolloutStateReason}` : ''}` : 'unknown'
  return result.end === 'timeout'
    ? `rollback deployment ${id} did not complete in time (${state})`
    : result.end === 'superseded'
      ? `rollback deployment ${id} was replaced by ${result.supersededBy?.deploymentId}`
      : `rollback deployment ${id} ended ${state}`
}
