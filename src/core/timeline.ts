// A deployment is a timeline of typed events. Strategies and watchers emit them; reporters (live log,
// annotations, job summary, outputs) consume them; src/outcome.ts alone decides the outcome.

/** `started`: `wait: false` — the deployment began and was not watched. `cancelled`: the job was cancelled; the post
 * step reports what became of the deployment. `awaiting-approval`: paused with test traffic on the new revision
 * (`approval`), for a later run's `approve` or `reject`. */
export type Outcome = 'succeeded' | 'rolled-back' | 'failed' | 'timed-out' | 'started' | 'cancelled' | 'awaiting-approval'

export type Phase = 'preflight' | 'build' | 'render' | 'register' | 'deploy' | 'watch' | 'bake' | 'rollback' | 'done' | 'pre-deploy' | 'post-deploy'

/** A task that stopped, as ECS explains it. */
export interface StoppedTask {
  taskId: string
  taskDefinitionArn?: string
  stopCode?: string
  stoppedReason?: string
  /** The containers that say why: exit code and reason per container. */
  containers: { name: string; exitCode?: number; reason?: string }[]
  /** The last lines the essential container wrote (awslogs), oldest first; empty when unknown. */
  logTail: string[]
  logLocation?: string
}

/** Why a deployment did not succeed, in words a person acts on. */
export interface FailureCause {
  /** One line: "ECS deployment circuit breaker: tasks failed to start." or "alarm api-5xx went to ALARM". */
  summary: string
  /** Stopped tasks of our deployment that failed, grouped by reason, most frequent first. */
  stoppedTasks: StoppedTask[]
  /** Tasks the deployment or its rollback stopped on purpose (scaled in, task set deleted): not a cause. */
  removedTasks?: number
  /** Recent service events (newest first) that bear on the failure. */
  serviceEvents: string[]
  /** Alarms in ALARM that played a part. */
  alarms: { name: string; reason?: string }[]
}

export interface DeploymentCounts {
  desired: number
  pending: number
  running: number
  failed: number
}

export type TimelineEvent =
  | { type: 'phase'; at: Date; phase: Phase; detail?: string }
  /** A new ECS service event (its text as ECS wrote it). */
  | { type: 'service-event'; at: Date; message: string; createdAt?: Date }
  /** Our deployment's state or counts changed. */
  | {
      type: 'deployment'
      at: Date
      deploymentId: string
      status: string
      rolloutState?: string
      rolloutStateReason?: string
      counts: DeploymentCounts
    }
  | { type: 'tasks-started'; at: Date; taskIds: string[] }
  | { type: 'tasks-stopped'; at: Date; tasks: StoppedTask[] }
  | { type: 'traffic-shifted'; at: Date; from: number; to: number; label: string }
  | { type: 'alarm'; at: Date; name: string; state: string; reason?: string }
  | { type: 'hook-waiting'; at: Date; hook: string; detail: string }
  | { type: 'rollback'; at: Date; from: string; to: string; reason: string; by: 'ecs' | 'action' }
  | { type: 'warning'; at: Date; message: string }
  | { type: 'analysis'; at: Date; result: 'pass' | 'fail' | 'inconclusive' | 'nothing'; reason: string }
  | { type: 'outcome'; at: Date; outcome: Outcome; reason: string; cause?: FailureCause }

export type TimelineListener = (event: TimelineEvent) => void

export class Timeline {
  readonly events: TimelineEvent[] = []
  private readonly listeners: TimelineListener[] = []

  subscribe(listener: TimelineListener): void {
    this.listeners.push(listener)
  }

  emit(event: TimelineEvent): void {
    this.events.push(event)
    for (const listener of this.listeners) listener(event)
  }

  /** The one outcome event, once decided. */
  outcome(): Extract<TimelineEvent, { type: 'outcome' }> | undefined {
    return this.events.find((e): e is Extract<TimelineEvent, { type: 'outcome' }> => e.type === 'outcome')
  }
}
