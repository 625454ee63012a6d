// The deployment circuit breaker: its threshold, and the failed-task count it compares against it.
import type { CircuitBreakerConfig, Deployment } from './state.js'

/** Consecutive failures a deployment of `desired` tasks may have before the breaker trips. */
export function breakerThreshold(config: CircuitBreakerConfig, desired: number): number {
  const t = config.thresholdConfiguration
  if (!t) return Math.min(200, Math.max(3, Math.ceil(0.5 * desired)))
  switch (t.type) {
    case 'COUNT':
      return t.value
    case 'BOUNDED_PERCENT':
      return Math.min(200, Math.max(3, Math.ceil((t.value / 100) * desired)))
    case 'UNBOUNDED_PERCENT':
      return Math.max(1, Math.ceil((t.value / 100) * desired))
  }
}

/** A task of the deployment stopped without the scheduler wanting it to. */
export function recordFailure(d: Deployment, atMs: number): void {
  d.failedTasks += 1
  d.updatedAt = atMs
}

/** A task of the deployment has been healthy for `HEALTHY_RESET_MS`: consecutive counting starts over. */
export const HEALTHY_RESET_MS = 30_000

export function recordHealthy(d: Deployment, atMs: number): void {
  if (d.config.deploymentCircuitBreaker.resetOnHealthyTask === false || d.failedTasks === 0) return
  d.failedTasks = 0
  d.updatedAt = atMs
}

export function breakerTripped(d: Deployment): boolean {
  const cb = d.config.deploymentCircuitBreaker
  return cb.enable && d.rolloutState === 'IN_PROGRESS' && d.failedTasks >= breakerThreshold(cb, d.desiredCount)
}
