// When CodeDeploy sees a deployment's alarms. It polls their state (AlarmConfiguration.ignorePollAlarmFailure is
// about a failed poll) for as long as the deployment runs, the termination wait included: the deployment is
// InProgress until the original task set is gone, and can still stop and roll back. How often it polls is not
// documented; the sandbox polls as the deployment starts and then once a simulated minute, so a client watching the
// same alarms can call StopDeployment first, as it can against CodeDeploy.
import type { Ctx, Deployment } from './state.js'

export const ALARM_POLL_MS = 60_000

/** The deployment's alarms in ALARM, when a poll is due now; [] between polls. */
export function pollAlarms(ctx: Ctx, d: Deployment, now: number): string[] {
  if (d.creator !== 'user' || !d.alarms.enabled) return []
  if (d.alarmsPolledAt !== undefined && now < d.alarmsPolledAt + ALARM_POLL_MS) return []
  d.alarmsPolledAt = now
  return d.alarms.alarms.map((a) => a.name).filter((name) => ctx.deps.alarms.get(name)?.state === 'ALARM')
}
