// Watches OUR deployment (by id) to its end. A service that is "stable" says nothing: ECS leaves a service stable
// after rolling back too, so success is only our deployment COMPLETED, PRIMARY and running == desired.
// One DescribeServices per look; DescribeServiceDeployments only when a deployment's state changes or to confirm
// the end; ListTasks/DescribeTasks only when tasks of our deployment stopped.
import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  type Deployment,
  type Service,
  type ServiceEvent,
  type TaskDefinition,
} from '@aws-sdk/client-ecs'
import type { Clients } from './aws-clients.js'
import type {
  DeploymentObservation,
  EcsRollback,
  ServiceDeploymentObservation,
} from './facts.js'
import { Poller, errorText, isThrottling, isTransient, type PollOptions } from './poller.js'
import { addLogTail, kindOf, listStoppedTasks, stoppedTaskFrom, type Call } from './stopped-tasks.js'
import type { StoppedTask, Timeline } from './timeline.js'

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
}

export type WatchEnd = 'completed' | 'failed' | 'rolled-back' | 'superseded' | 'timeout'

export interface WatchResult {
  end: WatchEnd
  final?: DeploymentObservation
  serviceDeployment?: ServiceDeploymentObservation
  ecsRollback?: EcsRollback
  supersededBy?: { deploymentId: string; taskDefinition?: string; rolloutStateReason?: string }
  stoppedTasks: StoppedTask[]
  throttled: number
  calls: number
}

/** Non-throttling errors (5xx, dropped connections) tolerated in a row before the watch gives up. */
const MAX_TRANSIENT_ERRORS = 5

export function observe(d: Deployment): DeploymentObservation {
  return {
    id: d.id ?? '',
    status: d.status ?? '',
    taskDefinition: d.taskDefinition,
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
    counts: {
      desired: d.desiredCount ?? 0,
      pending: d.pendingCount ?? 0,
      running: d.runningCount ?? 0,
      failed: d.failedTasks ?? 0,
    },
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  }
}

function keyOf(o: DeploymentObservation): string {
  const c = o.counts
  return [o.status, o.rolloutState, o.rolloutStateReason, c.desired, c.pending, c.running, c.failed].join('|')
}

function stateOf(o: DeploymentObservation): string {
  return `${o.status}|${o.rolloutState}`
}

const done = (o: DeploymentObservation | undefined): boolean =>
  o !== undefined && o.status === 'PRIMARY' && o.rolloutState === 'COMPLETED' && o.counts.running === o.counts.desired

/** Task ids named in "(service S) has started 2 tasks: (task a) (task b)." */
function startedTaskIds(message: string): string[] {
  if (!/has started \d+ tasks?/.test(message)) return []
  return [...message.matchAll(/\(task ([^)\s]+)\)/g)].map((m) => m[1])
}

const MENTIONS_STOPPED = /has stopped|health checks|is unhealthy|deployment failed|failed to start/

async function describeService(clients: Clients, call: Call, cluster: string, service: string): Promise<Service> {
  const out = await call(() => clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] })))
  const found = out.services?.[0]
  if (!found) {
    const why = out.failures?.[0]?.reason ?? 'not returned'
    throw new Error(`DescribeServices: service ${service} in cluster ${cluster}: ${why}`)
  }
  return found
}

export async function describeServiceDeployment(
  clients: Clients,
  call: Call,
  arn: string,
): Promise<ServiceDeploymentObservation | undefined> {
  const out = await call(() =>
    clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })),
  )
  const sd = out.serviceDeployments?.[0]
  if (!sd) return undefined
  return {
    arn,
    status: sd.status,
    statusReason: sd.statusReason,
    ...(sd.rollback
      ? { rollback: { reason: sd.rollback.reason, startedAt: sd.rollback.startedAt, serviceRevisionArn: sd.rollback.serviceRevisionArn } }
      : {}),
    ...(sd.deploymentCircuitBreaker
      ? {
          circuitBreaker: {
            status: sd.deploymentCircuitBreaker.status,
            failureCount: sd.deploymentCircuitBreaker.failureCount,
            threshold: sd.deploymentCircuitBreaker.threshold,
          },
        }
      : {}),
    ...(sd.alarms
      ? {
          alarms: {
            status: sd.alarms.status,
            alarmNames: sd.alarms.alarmNames ?? [],
            triggeredAlarmNames: sd.alarms.triggeredAlarmNames ?? [],
          },
        }
      : {}),
  }
}

/** Emits the service events we have not shown yet, oldest first. */
class EventFeed {
  private readonly seen: Set<string>
  constructor(
    private readonly timeline: Timeline,
    private readonly clock: () => number,
    known: Iterable<string>,
    private readonly since?: Date,
  ) {
    this.seen = new Set(known)
  }

  /** Returns the new messages. */
  take(events: ServiceEvent[] | undefined): string[] {
    const fresh = (events ?? [])
      .filter((e) => e.id && !this.seen.has(e.id))
      .filter((e) => !this.since || !e.createdAt || e.createdAt.getTime() >= this.since.getTime())
      .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0))
    for (const e of events ?? []) if (e.id) this.seen.add(e.id)
    const messages: string[] = []
    for (const e of fresh) {
      const message = e.message ?? ''
      messages.push(message)
      this.timeline.emit({ type: 'service-event', at: new Date(this.clock()), message, createdAt: e.createdAt })
      const started = startedTaskIds(message)
      if (started.length > 0) this.timeline.emit({ type: 'tasks-started', at: new Date(this.clock()), taskIds: started })
    }
    return messages
  }
}

class DeploymentWatch {
  private readonly call: Call
  private readonly feed: EventFeed
  private readonly emitted = new Map<string, string>()
  private ours?: DeploymentObservation
  private sd?: ServiceDeploymentObservation
  private rollback?: EcsRollback
  private supersededBy?: WatchResult['supersededBy']
  private failedTasks = 0
  private wantStopped = false
  private readonly stoppedIds = new Set<string>()
  private readonly stoppedKinds = new Set<string>()
  private readonly stopped: StoppedTask[] = []
  private logsProblemShown = false
  private changed = false

  constructor(
    private readonly clients: Clients,
    private readonly target: WatchTarget,
    private readonly timeline: Timeline,
    private readonly poller: Poller,
  ) {
    this.call = (send) => poller.call(send)
    this.feed = new EventFeed(timeline, poller.clock.now, target.knownEventIds ?? [], target.since)
    if (target.initial) {
      this.ours = target.initial
      this.emitted.set(target.initial.id, keyOf(target.initial))
    }
  }

  private now(): Date {
    return new Date(this.poller.clock.now())
  }

  async run(): Promise<WatchResult> {
    let transientErrors = 0
    let throttledStreak = false
    while (await this.poller.pause(this.target.deadline)) {
      let end: WatchEnd | undefined
      try {
        end = await this.look()
        transientErrors = 0
        throttledStreak = false
      } catch (error) {
        const throttled = isThrottling(error)
        if (!throttled && !(isTransient(error) && ++transientErrors <= MAX_TRANSIENT_ERRORS)) throw error
        this.poller.backOff(throttled)
        if (!throttledStreak || !throttled) {
          this.timeline.emit({
            type: 'warning',
            at: this.now(),
            message: `${errorText(error)} while watching ${this.target.service}; next look in ${Math.round(this.poller.intervalMs / 1000)} s`,
          })
        }
        throttledStreak = throttled
        continue
      }
      if (end) return this.result(end)
      if (this.changed) this.poller.changed()
      else this.poller.unchanged()
    }
    await this.collectStopped()
    await this.refreshServiceDeployment()
    return this.result('timeout')
  }

  private result(end: WatchEnd): WatchResult {
    return {
      end,
      final: this.ours,
      serviceDeployment: this.sd,
      ecsRollback: this.rollback,
      supersededBy: this.supersededBy,
      stoppedTasks: this.stopped,
      throttled: this.poller.throttled,
      calls: this.poller.calls,
    }
  }

  /** One look at the service. Returns how the watch ends, or undefined to keep watching. */
  private async look(): Promise<WatchEnd | undefined> {
    const service = await describeService(this.clients, this.call, this.target.cluster, this.target.service)
    this.changed = false
    const messages = this.feed.take(service.events)
    if (messages.length > 0) this.changed = true
    if (messages.some((m) => MENTIONS_STOPPED.test(m))) this.wantStopped = true

    const deployments = (service.deployments ?? []).map(observe)
    const ours = deployments.find((d) => d.id === this.target.deploymentId)
    const before = this.ours
    if (ours) {
      this.track(ours)
      if (ours.counts.failed > this.failedTasks) this.wantStopped = true
      this.failedTasks = ours.counts.failed
      this.ours = ours
    }
    const stateChanged = ours !== undefined && (before === undefined || stateOf(before) !== stateOf(ours))
    if (stateChanged) await this.refreshServiceDeployment()
    const primary = deployments.find((d) => d.status === 'PRIMARY')

    const end = this.rollback ? await this.judgeRollback(deployments, primary) : await this.judgeOurs(ours, primary, deployments)
    if (end && end !== 'completed') this.wantStopped = true
    if (this.wantStopped) await this.collectStopped()
    return end
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
      this.supersededBy = {
        deploymentId: primary.id,
        taskDefinition: primary.taskDefinition,
        rolloutStateReason: primary.rolloutStateReason,
      }
      return 'superseded'
    }
    if (ours?.rolloutState === 'FAILED') {
      // With rollback on, ECS may announce the rollback on the service deployment before the new PRIMARY shows.
      if (!this.sd || !/^ROLLBACK_(REQUESTED|IN_PROGRESS)$/.test(this.sd.status ?? '')) await this.refreshServiceDeployment()
      if (/^ROLLBACK_(REQUESTED|IN_PROGRESS)$/.test(this.sd?.status ?? '')) return undefined
      return 'failed'
    }
    return undefined
  }

  private isEcsRollback(primary: DeploymentObservation): boolean {
    return (
      this.ours?.rolloutState === 'FAILED' ||
      /rolling back/i.test(primary.rolloutStateReason ?? '') ||
      /^ROLLBACK_/.test(this.sd?.status ?? '') ||
      this.sd?.rollback !== undefined
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

  private async judgeRollback(
    deployments: DeploymentObservation[],
    primary: DeploymentObservation | undefined,
  ): Promise<WatchEnd | undefined> {
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

  /** Emits a `deployment` event when a deployment we follow changed. */
  private track(o: DeploymentObservation): void {
    const key = keyOf(o)
    if (this.emitted.get(o.id) === key) return
    this.emitted.set(o.id, key)
    this.changed = true
    this.timeline.emit({
      type: 'deployment',
      at: this.now(),
      deploymentId: o.id,
      status: o.status,
      rolloutState: o.rolloutState,
      rolloutStateReason: o.rolloutStateReason,
      counts: o.counts,
    })
  }

  private async refreshServiceDeployment(): Promise<void> {
    const arn = this.target.serviceDeploymentArn
    if (!arn) return
    try {
      this.sd = (await describeServiceDeployment(this.clients, this.call, arn)) ?? this.sd
    } catch (error) {
      // The service deployment only adds detail; the deployments[] view decides.
      if (isThrottling(error)) this.poller.backOff(true)
    }
  }

  /** Stopped tasks of our deployment not yet shown; log tails for the first task of each kind. */
  private async collectStopped(): Promise<void> {
    try {
      const tasks = await listStoppedTasks(this.clients, this.call, this.target.cluster, { deploymentId: this.target.deploymentId }, this.stoppedIds)
      this.wantStopped = false
      if (tasks.length === 0) return
      const fresh: StoppedTask[] = []
      for (const task of tasks) {
        let stopped = stoppedTaskFrom(task)
        this.stoppedIds.add(stopped.taskId)
        const kind = kindOf(stopped)
        if (!this.stoppedKinds.has(kind)) {
          this.stoppedKinds.add(kind)
          stopped = await this.withLogTail(stopped)
        }
        fresh.push(stopped)
      }
      this.stopped.push(...fresh)
      this.changed = true
      this.timeline.emit({ type: 'tasks-stopped', at: this.now(), tasks: fresh })
    } catch (error) {
      // Left wanted: the next look tries again.
      if (isThrottling(error)) this.poller.backOff(true)
    }
  }

  private async withLogTail(task: StoppedTask): Promise<StoppedTask> {
    try {
      return await addLogTail(this.clients, this.call, task, this.target.taskDefinition)
    } catch (error) {
      if (!this.logsProblemShown) {
        this.logsProblemShown = true
        this.timeline.emit({ type: 'warning', at: this.now(), message: `Could not read the task's logs: ${errorText(error)}` })
      }
      return task
    }
  }
}

/** Watches our deployment until it completes, fails, is rolled back by ECS (and that rollback ends), is
 * replaced by someone else's deployment, or the deadline comes. */
export async function watchDeployment(
  clients: Clients,
  target: WatchTarget,
  timeline: Timeline,
  options: PollOptions = {},
): Promise<WatchResult> {
  return new DeploymentWatch(clients, target, timeline, new Poller(options)).run()
}

export interface IdleResult {
  /** The deployment that was in progress when we started waiting; undefined when the service was idle. */
  waitedFor?: string
  /** How that deployment ended (its rolloutState). */
  rolloutState?: string
}

const busy = (deployments: Deployment[]): Deployment | undefined =>
  deployments.find((d) => d.rolloutState === 'IN_PROGRESS') ??
  // Services without rolloutState (classic load balancers) are busy while more than one deployment remains.
  (deployments.length > 1 && deployments.every((d) => d.rolloutState === undefined)
    ? deployments.find((d) => d.status === 'PRIMARY')
    : undefined)

/** Waits for a deployment that is already in progress on the service (one we did not start) to end. */
export async function waitForIdle(
  clients: Clients,
  cluster: string,
  service: string,
  deadline: number,
  timeline: Timeline,
  options: PollOptions = {},
): Promise<IdleResult> {
  const poller = new Poller(options)
  const call: Call = (send) => poller.call(send)
  const now = () => new Date(poller.clock.now())
  let feed: EventFeed | undefined
  let waitedFor: string | undefined
  let last: DeploymentObservation | undefined
  const emitted = new Map<string, string>()
  for (;;) {
    let service_: Service
    try {
      service_ = await describeService(clients, call, cluster, service)
    } catch (error) {
      if (!isThrottling(error) && !isTransient(error)) throw error
      poller.backOff(isThrottling(error))
      if (!(await poller.pause(deadline))) break
      continue
    }
    // Events already there when we first looked are history, not progress.
    const fresh = feed === undefined
    feed ??= new EventFeed(timeline, poller.clock.now, (service_.events ?? []).flatMap((e) => (e.id ? [e.id] : [])))
    const changedEvents = fresh ? 0 : feed.take(service_.events).length
    const inFlight = busy(service_.deployments ?? [])
    if (!inFlight) {
      const ended = (service_.deployments ?? []).find((d) => d.id === waitedFor)
      return { waitedFor, rolloutState: waitedFor ? (ended?.rolloutState ?? last?.rolloutState) : undefined }
    }
    const o = observe(inFlight)
    if (!waitedFor) {
      waitedFor = o.id
      timeline.emit({
        type: 'warning',
        at: now(),
        message: `Deployment ${o.id} is already in progress on ${service}; waiting for it to end before deploying.`,
      })
    }
    let changed = changedEvents > 0
    if (emitted.get(o.id) !== keyOf(o)) {
      emitted.set(o.id, keyOf(o))
      changed = true
      timeline.emit({ type: 'deployment', at: now(), deploymentId: o.id, status: o.status, rolloutState: o.rolloutState, rolloutStateReason: o.rolloutStateReason, counts: o.counts })
    }
    last = o
    if (changed) poller.changed()
    else poller.unchanged()
    if (!(await poller.pause(deadline))) break
  }
  const c = last?.counts
  throw new Error(
    `Timed out waiting for deployment ${last?.id ?? waitedFor ?? '(unknown)'} already in progress on service ${service} to end` +
      (c ? ` (${last?.rolloutState ?? last?.status}, running ${c.running}/${c.desired}, pending ${c.pending}, failed ${c.failed})` : '') +
      '. Nothing was deployed.',
  )
}
