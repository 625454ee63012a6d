// Watches OUR rolling deployment (by id) to its end. A service that is "stable" says nothing: ECS leaves a service
// stable after rolling back too, so success is only our deployment COMPLETED, PRIMARY and running == desired.
// One DescribeServices per look, shared with the run's other watches of the cluster (watch/service-looks.ts);
// DescribeServiceDeployments only when a deployment's state changes or to confirm the end; ListTasks/DescribeTasks
// only when tasks of our deployment stopped.
import type { TaskDefinition } from '@aws-sdk/client-ecs'
import type { Clients } from '../../aws/clients.js'
import { isThrottling } from '../../aws/errors.js'
import { crashLoopReason } from '../../core/fail-fast.js'
import type { DeploymentObservation, EcsRollback, ServiceDeploymentObservation } from '../../core/facts.js'
import type { StoppedTask, Timeline } from '../../core/timeline.js'
import { pollLoop, type Seen } from '../../watch/loop.js'
import { contextOf, type RunContext } from '../../watch/context.js'
import type { PollOptions } from '../../watch/poller.js'
import { DeploymentTracker, EventFeed, MENTIONS_STOPPED, ROLLING_BACK, describeServiceDeployment, observe, serviceDeploymentObservation } from '../../watch/service.js'
import { watchService, watchServiceDeployment, type ServiceDeploymentWatch, type ServiceWatch } from '../../watch/service-looks.js'
import { StoppedTaskCollector } from '../../watch/stopped-tasks.js'

export interface WatchTarget {
  cluster: string
  service: string
  deploymentId: string
  serviceDeploymentArn?: string
  taskDefinitionArn: string
  /** Gives the log configuration for stopped tasks' log tails. */
  taskDefinition?: TaskDefinition
  /** Our deployment as the UpdateService response showed it (not emitted again). */
  initial?: DeploymentObservation
  /** Service events with these ids were there before we started. */
  knownEventIds?: Iterable<string>
  /** Only service events from this time on are ours to show. */
  since: Date
  deadline: number
  /** Fail fast: end as soon as this many of our tasks failed the same way before the deployment ran its desired count
   * (0 or absent: leave it to the circuit breaker). */
  maxTaskFailures?: number
}

/** How the watch ended: what ECS did, a fail fast, the deadline (`timeout`), or the release's stop (`stopped`). */
export type WatchEnd = 'completed' | 'failed' | 'rolled-back' | 'superseded' | 'service-gone' | 'fail-fast' | 'timeout' | 'stopped'

export interface WatchResult {
  end: WatchEnd
  final?: DeploymentObservation
  serviceDeployment?: ServiceDeploymentObservation
  ecsRollback?: EcsRollback
  supersededBy?: { deploymentId: string; taskDefinition?: string; rolloutStateReason?: string }
  /** The service's status when it was found being deleted. */
  serviceGone?: string
  /** Why the watch failed fast: the crash loop, in words. */
  failFast?: string
  stoppedTasks: StoppedTask[]
  /** Why the release stopped the watch (end `stopped`). */
  stopped?: string
}

function stateOf(o: DeploymentObservation): string {
  return `${o.status}|${o.rolloutState}`
}

const done = (o: DeploymentObservation | undefined): boolean => o !== undefined && o.status === 'PRIMARY' && o.rolloutState === 'COMPLETED' && o.counts.running === o.counts.desired

class DeploymentWatch {
  private readonly feed: EventFeed
  private readonly tracker: DeploymentTracker
  private readonly stopped: StoppedTaskCollector
  private ours?: DeploymentObservation
  private sd?: ServiceDeploymentObservation
  private rollback?: EcsRollback
  private supersededBy?: WatchResult['supersededBy']
  private failedTasks = 0
  private changed = false
  private serviceGone?: string
  private failFast?: string
  private sdWatch?: ServiceDeploymentWatch
  /** When the request of the current look went out, and the look the service deployment was last read after. */
  private lookSent?: number
  private sdReadAfter?: number
  /** Our deployment ran its desired count at least once: a healthy rollout, never failed fast. */
  private reachedDesired = false

  constructor(
    private readonly clients: Clients,
    private readonly target: WatchTarget,
    private readonly timeline: Timeline,
    private readonly run: RunContext,
  ) {
    this.feed = new EventFeed(timeline, run.clock.now, target.knownEventIds ?? [], target.since)
    this.tracker = new DeploymentTracker(timeline, run.clock.now)
    this.stopped = new StoppedTaskCollector(clients, run, timeline, target.cluster, { deploymentId: target.deploymentId }, target.taskDefinition)
    if (target.initial) {
      this.ours = target.initial
      this.tracker.known(target.initial)
    }
  }

  private now(): Date {
    return new Date(this.run.clock.now())
  }

  async watch(): Promise<WatchResult> {
    const service = watchService(this.clients, this.run, this.target.cluster, this.target.service)
    const arn = this.target.serviceDeploymentArn
    this.sdWatch = arn ? watchServiceDeployment(this.clients, this.run, this.target.cluster, arn) : undefined
    let looped
    try {
      looped = await pollLoop(this.run, this.timeline, this.target.deadline, { doing: `watching ${this.target.service}` }, () => this.look(service))
    } finally {
      service.close()
      this.sdWatch?.close()
      this.sdWatch = undefined
    }
    if (!('end' in looped)) {
      await this.stopped.collect()
      await this.refreshServiceDeployment()
    }
    return {
      end: 'end' in looped ? looped.end : looped.cut === 'stopped' ? 'stopped' : 'timeout',
      ...('cut' in looped && looped.cut === 'stopped' ? { stopped: looped.why } : {}),
      final: this.ours,
      serviceDeployment: this.sd,
      ecsRollback: this.rollback,
      supersededBy: this.supersededBy,
      ...(this.serviceGone ? { serviceGone: this.serviceGone } : {}),
      ...(this.failFast ? { failFast: this.failFast } : {}),
      stoppedTasks: this.stopped.stopped,
    }
  }

  /** One look at the service. */
  private async look(watch: ServiceWatch): Promise<Seen<WatchEnd>> {
    const { service, sent } = await watch.look()
    this.lookSent = sent
    this.changed = false
    // A service being deleted will never complete our deployment: say so now, not at the timeout.
    if (service.status && service.status !== 'ACTIVE') {
      this.serviceGone = service.status
      this.feed.take(service.events)
      return { end: 'service-gone' }
    }
    const messages = this.feed.take(service.events)
    if (messages.length > 0) this.changed = true
    if (messages.some((m) => MENTIONS_STOPPED.test(m) && this.feed.mayBeOurs(m))) this.stopped.wanted = true

    const deployments = (service.deployments ?? []).map(observe)
    const ours = deployments.find((d) => d.id === this.target.deploymentId)
    const before = this.ours
    if (ours) {
      this.track(ours)
      if (ours.counts.failed > this.failedTasks) this.stopped.wanted = true
      this.failedTasks = ours.counts.failed
      this.ours = ours
    }
    const stateChanged = ours !== undefined && (before === undefined || stateOf(before) !== stateOf(ours))
    if (stateChanged) await this.refreshServiceDeployment()
    const primary = deployments.find((d) => d.status === 'PRIMARY')

    const end = this.rollback ? await this.judgeRollback(deployments, primary) : await this.judgeOurs(ours, primary, deployments)
    if (end && end !== 'completed') this.stopped.wanted = true
    if (this.stopped.wanted && (await this.stopped.collect())) this.changed = true
    if (!end && ours) {
      this.reachedDesired ||= ours.counts.desired > 0 && ours.counts.running >= ours.counts.desired
      this.failFast = this.reachedDesired || this.rollback ? undefined : crashLoopReason(this.stopped.stopped, ours.counts, this.target.maxTaskFailures ?? 0)
      if (this.failFast) return { end: 'fail-fast' }
    }
    return end ? { end } : { changed: this.changed }
  }

  private async judgeOurs(
    ours: DeploymentObservation | undefined,
    primary: DeploymentObservation | undefined,
    deployments: DeploymentObservation[],
  ): Promise<WatchEnd | undefined> {
    if (done(ours)) {
      await this.refreshServiceDeployment()
      return 'completed'
    }
    if (primary && primary.id !== this.target.deploymentId) {
      await this.refreshServiceDeployment()
      if (this.isEcsRollback(primary)) {
        this.startRollback(primary)
        return this.judgeRollback(deployments, primary)
      }
      this.supersededBy = { deploymentId: primary.id, taskDefinition: primary.taskDefinition, rolloutStateReason: primary.rolloutStateReason }
      return 'superseded'
    }
    if (ours?.rolloutState === 'FAILED') {
      // With rollback on, ECS may announce the rollback on the service deployment before the new PRIMARY shows.
      if (!ROLLING_BACK.test(this.sd?.status ?? '')) await this.refreshServiceDeployment()
      if (ROLLING_BACK.test(this.sd?.status ?? '')) return undefined
      return 'failed'
    }
    return undefined
  }

  private isEcsRollback(primary: DeploymentObservation): boolean {
    return (
      this.ours?.rolloutState === 'FAILED' || /rolling back/i.test(primary.rolloutStateReason ?? '') || /^ROLLBACK_/.test(this.sd?.status ?? '') || this.sd?.rollback !== undefined
    )
  }

  private startRollback(primary: DeploymentObservation): void {
    const ours = this.ours
    const reason =
      (ours?.rolloutState === 'FAILED' ? ours.rolloutStateReason : undefined) ??
      this.sd?.statusReason ??
      this.sd?.rollback?.reason ??
      primary.rolloutStateReason ??
      'ECS rolled the deployment back'
    this.rollback = { deploymentId: primary.id, taskDefinition: primary.taskDefinition, reason, completed: false, failed: false }
    this.track(primary)
    this.timeline.emit({
      type: 'rollback',
      at: this.now(),
      from: this.target.deploymentId,
      to: primary.id,
      reason: primary.rolloutStateReason ? `${reason} (${primary.rolloutStateReason})` : reason,
      by: 'ecs',
    })
    this.changed = true
  }

  private async judgeRollback(deployments: DeploymentObservation[], primary: DeploymentObservation | undefined): Promise<WatchEnd | undefined> {
    const rollback = this.rollback
    if (!rollback) throw new Error('judgeRollback called with no rollback under way')
    const rb = deployments.find((d) => d.id === rollback.deploymentId)
    if (rb) {
      const before = rollback.final
      this.track(rb)
      rollback.final = rb
      if (!before || stateOf(before) !== stateOf(rb)) await this.refreshServiceDeployment()
    }
    if (primary && primary.id !== rollback.deploymentId && primary.id !== this.target.deploymentId) {
      this.supersededBy = { deploymentId: primary.id, taskDefinition: primary.taskDefinition, rolloutStateReason: primary.rolloutStateReason }
      return 'superseded'
    }
    if (done(rb) || this.sd?.status === 'ROLLBACK_SUCCESSFUL') {
      rollback.completed = true
      return 'rolled-back'
    }
    if (rb?.rolloutState === 'FAILED' || this.sd?.status === 'ROLLBACK_FAILED') {
      rollback.failed = true
      return 'rolled-back'
    }
    return undefined
  }

  private track(o: DeploymentObservation): void {
    if (this.tracker.track(o)) this.changed = true
  }

  private async refreshServiceDeployment(): Promise<void> {
    const arn = this.target.serviceDeploymentArn
    if (!arn) return
    // Once a look: a state change and the end it brings are the same news.
    if (this.sdWatch && this.sdReadAfter !== undefined && this.sdReadAfter === this.lookSent) return
    try {
      // During the loop, one read no older than this look, shared with the other watches of a release.
      const sd = this.sdWatch && this.lookSent !== undefined ? await this.sdWatch.describe(this.lookSent) : await describeServiceDeployment(this.clients, this.run, arn)
      this.sdReadAfter = this.lookSent
      if (sd) this.sd = serviceDeploymentObservation(arn, sd)
    } catch (error) {
      // The service deployment only adds detail; the deployments[] view decides.
      if (isThrottling(error)) this.run.throttled++
    }
  }
}

/** Watches our deployment until it completes, fails, is rolled back by ECS (and that rollback ends), is
 * replaced by someone else's deployment, or the deadline comes. */
export async function watchDeployment(clients: Clients, target: WatchTarget, timeline: Timeline, given: RunContext | PollOptions = {}): Promise<WatchResult> {
  return new DeploymentWatch(clients, target, timeline, contextOf(given)).watch()
}
