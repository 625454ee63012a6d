// The service as the watch sees it: one DescribeServices, our deployment's counts and state, the service events we
// have not shown yet (and the tasks they say started), and the service deployment ECS keeps for each deployment.
import { DescribeServiceDeploymentsCommand, DescribeServicesCommand, type Deployment, type Service, type ServiceDeployment, type ServiceEvent } from '@aws-sdk/client-ecs'
import type { Clients } from '../aws/clients.js'
import type { DeploymentObservation, ServiceDeploymentObservation } from '../core/facts.js'
import type { Timeline } from '../core/timeline.js'
import type { RunContext } from './context.js'

/** Service events that hint tasks stopped: worth a look at the stopped tasks. */
export const MENTIONS_STOPPED = /has stopped|health checks|is unhealthy|deployment failed|failed to start/
/** A service deployment's status while ECS rolls it back. */
export const ROLLING_BACK = /^ROLLBACK_(REQUESTED|IN_PROGRESS)$/

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

/** Changes when anything a person would want to see about the deployment changed. */
function keyOf(o: DeploymentObservation): string {
  const c = o.counts
  return [o.status, o.rolloutState, o.rolloutStateReason, c.desired, c.pending, c.running, c.failed].join('|')
}

export function eventIds(service: Service | undefined): string[] {
  return (service?.events ?? []).flatMap((e) => (e.id ? [e.id] : []))
}

export async function describeService(clients: Clients, run: RunContext, cluster: string, service: string): Promise<Service> {
  const out = await run.call((options) => clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }), options))
  const found = out.services?.[0]
  if (!found) throw serviceNotFound(cluster, service, out.failures?.[0]?.reason)
  return found
}

/** DescribeServices did not return the service: `MISSING` (ECS's failure reason) or not returned at all. */
export function serviceNotFound(cluster: string, service: string, reason: string | undefined): Error {
  return new Error(`DescribeServices: service ${service} in cluster ${cluster}: ${reason ?? 'not returned'}`)
}

export function serviceDeploymentObservation(arn: string, sd: ServiceDeployment): ServiceDeploymentObservation {
  const target = sd.targetServiceRevision
  return {
    arn,
    status: sd.status,
    statusReason: sd.statusReason,
    ...(sd.lifecycleStage ? { lifecycleStage: sd.lifecycleStage } : {}),
    ...(sd.rollback ? { rollback: { reason: sd.rollback.reason, startedAt: sd.rollback.startedAt, serviceRevisionArn: sd.rollback.serviceRevisionArn } } : {}),
    ...(sd.deploymentCircuitBreaker
      ? { circuitBreaker: { status: sd.deploymentCircuitBreaker.status, failureCount: sd.deploymentCircuitBreaker.failureCount, threshold: sd.deploymentCircuitBreaker.threshold } }
      : {}),
    ...(sd.alarms ? { alarms: { status: sd.alarms.status, alarmNames: sd.alarms.alarmNames ?? [], triggeredAlarmNames: sd.alarms.triggeredAlarmNames ?? [] } } : {}),
    ...(target
      ? {
          counts: {
            desired: target.requestedTaskCount ?? 0,
            running: target.runningTaskCount ?? 0,
            pending: target.pendingTaskCount ?? 0,
            failed: sd.deploymentCircuitBreaker?.failureCount ?? 0,
          },
        }
      : {}),
  }
}

/** One DescribeServiceDeployments; undefined when ECS does not return it. */
export async function describeServiceDeployment(clients: Clients, run: RunContext, arn: string): Promise<ServiceDeployment | undefined> {
  const out = await run.call((options) => clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }), options))
  return out.serviceDeployments?.[0]
}

/** Task ids named in "(service S) has started 2 tasks: (task a) (task b)." */
function startedTaskIds(message: string): string[] {
  if (!/has started \d+ tasks?/.test(message)) return []
  return [...message.matchAll(/\(task ([^)\s]+)\)/g)].map((m) => m[1])
}

/** Task ids named in "(service S) has stopped 2 running tasks: (task a) (task b)." */
function stoppedTaskIds(message: string): string[] {
  if (!/has stopped \d+ running tasks?/.test(message)) return []
  return [...message.matchAll(/\(task ([^)\s]+)\)/g)].map((m) => m[1])
}

/** Emits the service events we have not shown yet, oldest first, and the tasks they say started. */
export class EventFeed {
  private readonly seen: Set<string>
  /** Tasks the events shown so far said started. */
  private readonly started = new Set<string>()

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
      for (const id of started) this.started.add(id)
      if (started.length > 0) this.timeline.emit({ type: 'tasks-started', at: new Date(this.clock()), taskIds: started })
    }
    return messages
  }

  /**
   * False for "has stopped N running tasks" naming only tasks no event since ours began said started: the old
   * revision's tasks, drained by a healthy rollout, which say nothing about our deployment. True for anything else.
   */
  mayBeOurs(message: string): boolean {
    const ids = stoppedTaskIds(message)
    return ids.length === 0 || ids.some((id) => this.started.has(id))
  }
}

/** Emits a `deployment` event for a deployment whenever what a person sees of it changed. */
export class DeploymentTracker {
  private readonly emitted = new Map<string, string>()

  constructor(
    private readonly timeline: Timeline,
    private readonly clock: () => number,
  ) {}

  /** Records `o` as already shown (the UpdateService response showed it). */
  known(o: DeploymentObservation): void {
    this.emitted.set(o.id, keyOf(o))
  }

  /** True when it changed (and was emitted). */
  track(o: DeploymentObservation): boolean {
    const key = keyOf(o)
    if (this.emitted.get(o.id) === key) return false
    this.emitted.set(o.id, key)
    this.timeline.emit({
      type: 'deployment',
      at: new Date(this.clock()),
      deploymentId: o.id,
      status: o.status,
      rolloutState: o.rolloutState,
      rolloutStateReason: o.rolloutStateReason,
      counts: o.counts,
    })
    return true
  }
}
