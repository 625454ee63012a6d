// One task moving through PROVISIONING → PENDING (pull) → ACTIVATING → RUNNING and, once stopped,
// DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED; the image pull, the awslogs driver, the
// container's behaviour (crash, unhealthy, slow start) and its container health check.
import type { Behavior } from '../types.js'
import type { Container, Ctx, Task } from './state.js'
import { DURATIONS, enterDeprovisioning, stopTask } from './tasks.js'

/** ELB health checks, 10 s apart: a target is healthy after 1 passed check, unhealthy after 2 failed ones. */
const ELB_HEALTHY_AFTER_MS = 10_000
const ELB_UNHEALTHY_AFTER_MS = 20_000

/** Move `task` to simulated time `nowMs`. `onFailed` hears of a task that stopped on its own. */
export function advanceTask(ctx: Ctx, task: Task, nowMs: number, onFailed: (task: Task, atMs: number) => void): void {
  // Several stages can end within one step; each one sets the next `nextAt` (the bound is only a safety net).
  for (let n = 0; n < 16 && task.nextAt <= nowMs; n++) step(ctx, task, task.nextAt, onFailed)
  if (task.lastStatus === 'RUNNING' && task.desiredStatus === 'RUNNING') running(task, nowMs, onFailed)
}

function step(ctx: Ctx, task: Task, at: number, onFailed: (task: Task, atMs: number) => void): void {
  task.version += 1
  switch (task.lastStatus) {
    case 'PROVISIONING':
      task.lastStatus = 'PENDING'
      task.pullStartedAt = at
      task.nextAt = at + DURATIONS.pending
      return
    case 'PENDING':
      return pulled(ctx, task, at, onFailed)
    case 'ACTIVATING':
      return started(ctx, task, at)
    case 'DEACTIVATING':
      task.lastStatus = 'STOPPING'
      task.nextAt = at + DURATIONS.stopping
      return
    case 'STOPPING':
      return enterDeprovisioning(task, at)
    case 'DEPROVISIONING':
      task.lastStatus = 'STOPPED'
      task.stoppedAt = at
      task.nextAt = at + DURATIONS.retention
      return
    case 'STOPPED':
      ctx.state.tasks.delete(task.id)
      task.nextAt = Number.POSITIVE_INFINITY
      return
    case 'RUNNING':
      task.nextAt = Number.POSITIVE_INFINITY
      return
  }
}

/** End of the pull: the logger is set up and the images fetched, or the task fails to start. */
function pulled(ctx: Ctx, task: Task, at: number, onFailed: (task: Task, atMs: number) => void): void {
  for (const c of task.containers) {
    const log = c.def.awslogs
    if (log && !log.createGroup && !ctx.deps.logs.groupExists(log.group)) {
      const reason = 'ResourceInitializationError: failed to validate logger args: The specified log group does not exist.'
      return failToStart(task, at, reason, c, onFailed)
    }
  }
  for (const c of task.containers) {
    const digest = ctx.deps.images.resolve(c.def.image)
    if (digest === undefined && ctx.deps.images.isSandboxEcr(c.def.image)) {
      const reason = `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${c.def.image}: not found`
      return failToStart(task, at, reason, c, onFailed)
    }
    if (digest !== undefined) c.digest = digest
    c.behavior = ctx.deps.behaviors.behaviorFor(c.def.image, digest, c.def.name, c.command)
  }
  task.pullStoppedAt = at
  task.lastStatus = 'ACTIVATING'
  const slowest = Math.max(0, ...task.containers.map((c) => (c.behavior.kind === 'slow-start' ? c.behavior.seconds : 0)))
  task.nextAt = at + DURATIONS.activating + slowest * 1000
}

function failToStart(task: Task, at: number, reason: string, container: Container, onFailed: (task: Task, atMs: number) => void): void {
  container.reason = reason
  task.pullStoppedAt = at
  stopTask(task, at, { code: 'TaskFailedToStart', reason, graceful: false, failed: true })
  onFailed(task, at)
}

function started(ctx: Ctx, task: Task, at: number): void {
  task.lastStatus = 'RUNNING'
  task.startedAt = at
  task.nextAt = Number.POSITIVE_INFINITY
  for (const c of task.containers) {
    c.lastStatus = 'RUNNING'
    const b = c.behavior
    if (b.kind === 'crash' || b.kind === 'exit') c.exitAt = at + (b.afterSeconds ?? 5) * 1000
    const hc = c.def.healthCheck
    if (hc) {
      if (b.kind === 'unhealthy') c.unhealthyAt = at + (Math.max(hc.startPeriod, hc.interval) + (hc.retries - 1) * hc.interval) * 1000
      else c.healthyAt = at + hc.interval * 1000
    }
    writeLogs(ctx, task, c, b, at)
  }
  const lb = task.loadBalancer
  if (lb) {
    const target = task.containers.find((c) => c.def.name === lb.containerName) ?? task.containers[0]!
    if (target.behavior.kind === 'unhealthy') task.elbUnhealthyAt = at + ELB_UNHEALTHY_AFTER_MS
    else task.elbHealthyAt = at + ELB_HEALTHY_AFTER_MS
  }
  updateTaskHealth(task, at)
}

function writeLogs(ctx: Ctx, task: Task, c: Container, b: Behavior, at: number): void {
  const log = c.def.awslogs
  // The group was checked at pull time; it may have been deleted since, and then the lines are lost.
  if (!log || (!log.createGroup && !ctx.deps.logs.groupExists(log.group))) return
  const stream = log.streamPrefix ? `${log.streamPrefix}/${c.def.name}/${task.id}` : task.id
  const events = (b.logLines ?? []).map((message, i) => ({ timestamp: at + i, message }))
  ctx.deps.logs.put(log.group, stream, events, log.createGroup)
}

/** A RUNNING task: containers exiting, health checks turning. */
function running(task: Task, now: number, onFailed: (task: Task, atMs: number) => void): void {
  let changed = false
  for (const c of task.containers) {
    if (c.lastStatus === 'RUNNING' && c.exitAt !== undefined && c.exitAt <= now) {
      const b = c.behavior
      c.lastStatus = 'STOPPED'
      c.exitCode = b.kind === 'crash' ? (b.exitCode ?? 1) : b.kind === 'exit' ? (b.exitCode ?? 0) : 0
      changed = true
      if (c.def.essential) {
        stopTask(task, c.exitAt, { code: 'EssentialContainerExited', reason: 'Essential container in task exited', graceful: false, failed: true })
        onFailed(task, c.exitAt)
        return
      }
    }
    if (c.healthStatus === 'UNKNOWN' && c.healthyAt !== undefined && c.healthyAt <= now) {
      c.healthStatus = 'HEALTHY'
      changed = true
    }
    if (c.healthStatus !== 'UNHEALTHY' && c.unhealthyAt !== undefined && c.unhealthyAt <= now) {
      c.healthStatus = 'UNHEALTHY'
      changed = true
    }
  }
  if (changed) {
    task.version += 1
    updateTaskHealth(task, now)
  }
}

/** The task's health is that of its essential containers that have a health check. */
function updateTaskHealth(task: Task, at: number): void {
  const checked = task.containers.filter((c) => c.def.essential && c.def.healthCheck)
  if (checked.length === 0) {
    task.healthStatus = 'UNKNOWN'
    task.healthySince ??= at
    return
  }
  if (checked.some((c) => c.healthStatus === 'UNHEALTHY')) {
    task.healthStatus = 'UNHEALTHY'
    task.healthySince = undefined
  } else if (checked.every((c) => c.healthStatus === 'HEALTHY')) {
    task.healthStatus = 'HEALTHY'
    task.healthySince ??= Math.max(...checked.map((c) => c.healthyAt ?? at))
  }
}
