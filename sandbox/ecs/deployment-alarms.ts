// Which alarms watch a deployment. "If an alarm is in the ALARM state at the beginning of a deployment, Amazon ECS
// will not monitor alarms for the duration of that deployment (Amazon ECS ignores the alarm configuration)", so a
// new deployment can fix what set the alarm off (ECS developer guide, "How CloudWatch alarms detect Amazon ECS
// deployment failures").
import type { Ctx, Deployment, DeploymentConfiguration } from './state.js'

const inAlarm = (ctx: Ctx, names: string[]): string[] => names.filter((name) => ctx.deps.alarms.get(name)?.state === 'ALARM')

/** True when the configuration's alarms are ignored for a deployment starting now: one of them is in ALARM. */
export function alarmsIgnoredAtStart(ctx: Ctx, config: DeploymentConfiguration): boolean {
  const alarms = config.alarms
  return !!alarms?.enable && inAlarm(ctx, alarms.alarmNames).length > 0
}

/** The alarm names that can fail `d` (none for a rollback or when they were ignored at its start). */
export function watchedAlarms(d: Deployment): string[] {
  const alarms = d.config.alarms
  return alarms?.enable && !d.isRollback && !d.alarmsIgnored ? alarms.alarmNames : []
}

/** The watched alarms of `d` in ALARM now. */
export function firingAlarms(ctx: Ctx, d: Deployment): string[] {
  return inAlarm(ctx, watchedAlarms(d))
}
