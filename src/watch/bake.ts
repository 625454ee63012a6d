// Bake: after our deployment reached its traffic, keep watching the alarms for a while; an alarm in ALARM ends the
// bake. Runs on the one poll loop, at a fixed 2 s.
import type { Clients } from '../aws/clients.js'
import { errorText, isThrottling, isTransient } from '../aws/errors.js'
import type { BakeResult, DeploymentFacts } from '../core/facts.js'
import type { Timeline } from '../core/timeline.js'
import { watchAlarms, type AlarmState } from './alarms.js'
import { pollLoop } from './loop.js'
import { Poller, type PollOptions } from './poller.js'
import type { Reader } from './shared-reads.js'

export interface BakePlan {
  alarms: string[]
  durationMs: number
  /** The bake never runs past the deployment's deadline. */
  deadline: number
  /** Alarms already in ALARM before the deployment started: they end the bake only after they recovered and fired
   * again (as ECS ignores them for the deployment itself). */
  firingAtStart?: string[]
}

/** A look every 2 s turns an alarm into a rollback request within about a second on average (30 DescribeAlarms
 * calls a minute, far inside CloudWatch's limits, and no ECS calls while baking; bakes under way at once share them). */
const BAKE_PACING = { minIntervalMs: 2000, maxIntervalMs: 2000 }
/** How long the last look at the alarms may take before the bake is declared unverified. */
const LAST_LOOK_MS = 10_000
/** The oldest a good read of the alarms may be at any moment of the bake: past it nothing is watching the release and
 * the bake fails. Throttling backs the 2 s looks off to 20 s at most, so a bake that is merely throttled stays within
 * it; half of a 1-minute alarm period, so a read never misses a whole evaluation. */
export const MAX_UNREAD_MS = 30_000

/** Polls the alarms every few seconds for `durationMs`. Bake 0 does nothing. */
export async function bake(clients: Clients, plan: BakePlan, timeline: Timeline, pollerOrOptions: Poller | PollOptions = {}): Promise<BakeResult> {
  const poller = pollerOrOptions instanceof Poller ? pollerOrOptions : new Poller(pollerOrOptions)
  const result: BakeResult = { durationMs: plan.durationMs, alarms: plan.alarms, passed: true, cutShortByDeadline: false }
  if (plan.durationMs <= 0) return result
  const now = () => new Date(poller.clock.now())
  const endsAt = Math.min(poller.clock.now() + plan.durationMs, plan.deadline)
  const cutShort = poller.clock.now() + plan.durationMs > plan.deadline
  timeline.emit({
    type: 'phase',
    at: now(),
    phase: 'bake',
    detail: `${Math.round(plan.durationMs / 1000)} s` + (plan.alarms.length ? `, alarms: ${plan.alarms.join(', ')}` : ', no alarms to watch'),
  })
  const last = new Map<string, string>()
  const missingShown = new Set<string>()
  const stillFiring = new Set(plan.firingAtStart ?? [])
  let lastRead = poller.clock.now()
  const unverified = (error: unknown): BakeResult => ({
    ...result,
    passed: false,
    unreadable: errorText(error),
    unreadableSince: new Date(lastRead),
    cutShortByDeadline: false,
  })
  const look = async (alarms: Reader<AlarmState>): Promise<BakeResult | undefined> => {
    const read = await alarms.read()
    const states = read.values
    // An answer another bake's look got is as old as it is, not as old as this look.
    lastRead = read.answeredAt
    for (const name of plan.alarms) {
      const alarm = states.get(name)
      if (!alarm) {
        if (!missingShown.has(name)) {
          missingShown.add(name)
          timeline.emit({ type: 'warning', at: now(), message: `Alarm ${name} does not exist; it cannot stop a bad release.` })
        }
        continue
      }
      if (last.get(name) !== alarm.state) {
        last.set(name, alarm.state)
        timeline.emit({ type: 'alarm', at: now(), name, state: alarm.state, reason: alarm.reason })
      }
      if (alarm.state !== 'ALARM') stillFiring.delete(name)
      else if (!stillFiring.has(name)) return { ...result, passed: false, fired: { name, reason: alarm.reason } }
    }
    return undefined
  }
  if (plan.alarms.length === 0) {
    // Nothing to read: a loop of looks that call nothing, so a release's stop still ends it.
    await pollLoop({ poller, timeline }, endsAt, { ...BAKE_PACING, doing: 'baking' }, async () => ({ changed: false }))
    if (poller.stopped()) return { ...result, passed: false }
  } else {
    const alarms = watchAlarms(clients, poller, plan.alarms)
    try {
      let failed: BakeResult | undefined
      const fired = await pollLoop({ poller, timeline }, endsAt, { ...BAKE_PACING, doing: 'baking', lookFirst: true }, async () => {
        try {
          const found = await look(alarms)
          return found ? { end: found } : { changed: true }
        } catch (error) {
          // Access denied, or no good read for too long: the bake can no longer vouch for the release.
          if ((!isThrottling(error) && !isTransient(error)) || poller.clock.now() - lastRead > MAX_UNREAD_MS) {
            failed = unverified(error)
            return { end: failed }
          }
          throw error
        }
      })
      if (fired) return fired
      if (failed) return failed
      // Stopped by the release (another service failed): nothing more to verify.
      if (poller.stopped()) return { ...result, passed: false }
      // The last look may have been a while ago when throttled; one more before declaring the bake passed. A bake that
      // cannot read its alarms at the end did not pass: nothing verified the release.
      try {
        const found = await poller.within(Math.min(plan.deadline, poller.clock.now() + LAST_LOOK_MS), () => look(alarms))
        if (found) return found
      } catch (error) {
        return { ...unverified(error), cutShortByDeadline: cutShort }
      }
    } finally {
      alarms.close()
    }
  }
  return cutShort ? { ...result, passed: false, cutShortByDeadline: true } : result
}

/**
 * Bakes after a deployment reached its traffic, into `facts`: the bake result (passed, an alarm that fired, or alarms
 * it could not read), and a timeout when the deadline cut it short. False when an unexpected error ended the run.
 */
export async function bakeInto(
  clients: Clients,
  facts: DeploymentFacts,
  plan: { alarms: string[]; bakeTimeMs: number; deadline: number; alarmsFiringAtStart?: string[] },
  timeline: Timeline,
  poller: Poller,
  options: PollOptions = {},
): Promise<boolean> {
  try {
    const bakePoller = Object.keys(options).length > 0 ? new Poller({ now: poller.clock.now, sleep: poller.clock.sleep, ...options }) : poller
    facts.bake = await bake(clients, { alarms: plan.alarms, durationMs: plan.bakeTimeMs, deadline: plan.deadline, firingAtStart: plan.alarmsFiringAtStart }, timeline, bakePoller)
    if (facts.bake.cutShortByDeadline) facts.timedOut = true
    return true
  } catch (error) {
    facts.error = `Baking (alarms ${plan.alarms.join(', ')}): ${errorText(error)}`
    return false
  }
}
