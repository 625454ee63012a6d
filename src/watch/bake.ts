// Bake: after our deployment reached its traffic, keep watching the alarms for a while; an alarm in ALARM ends the
// bake. Runs on the one poll loop, at a fixed 2 s.
import type { Clients } from '../aws/clients.js'
import { errorText, isThrottling, isTransient } from '../aws/errors.js'
import type { BakeResult, DeploymentFacts } from '../core/facts.js'
import type { Timeline } from '../core/timeline.js'
import { watchAlarms, type AlarmState } from './alarms.js'
import { contextOf, type RunContext } from './context.js'
import { pollLoop, type Looped } from './loop.js'
import type { PollOptions } from './poller.js'
import type { Reader } from './shared-reads.js'

export interface BakePlan {
  alarms: string[]
  durationMs: number
  /** The bake never runs past the deployment's deadline. */
  deadline: number
  /** Alarms already in ALARM before the deployment started: they end the bake only after they recovered and fired
   * again (as ECS ignores them for the deployment itself). */
  firingAtStart?: string[]
  /** The canary analysis's before/after look, on every look of the bake: true ends the bake (a failed verdict). */
  analyse?: () => Promise<boolean>
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
export async function bake(clients: Clients, plan: BakePlan, timeline: Timeline, given: RunContext | PollOptions = {}): Promise<BakeResult> {
  const run = contextOf(given)
  const result: BakeResult = { durationMs: plan.durationMs, alarms: plan.alarms, passed: true, cutShortByDeadline: false }
  if (plan.durationMs <= 0) return result
  const endsAt = Math.min(run.clock.now() + plan.durationMs, plan.deadline)
  const cutShort = run.clock.now() + plan.durationMs > plan.deadline
  timeline.emit({
    type: 'phase',
    at: new Date(run.clock.now()),
    phase: 'bake',
    detail: `${Math.round(plan.durationMs / 1000)} s` + (plan.alarms.length ? `, alarms: ${plan.alarms.join(', ')}` : ', no alarms to watch'),
  })
  const baking: Baking = {
    plan,
    timeline,
    run,
    result,
    last: new Map(),
    missingShown: new Set(),
    stillFiring: new Set(plan.firingAtStart ?? []),
    lastRead: run.clock.now(),
  }
  const ended = plan.alarms.length === 0 ? await bakeWithoutAlarms(baking, endsAt) : await bakeWithAlarms(clients, baking, endsAt, cutShort)
  return withUnjudged(baking, ended ?? (cutShort ? { ...result, passed: false, cutShortByDeadline: true } : result))
}

/** Names the alarms that were in ALARM before the deployment and never left it while the bake read them. */
function withUnjudged({ stillFiring, last }: Baking, result: BakeResult): BakeResult {
  const unjudged = [...stillFiring].filter((name) => last.get(name) === 'ALARM')
  return unjudged.length > 0 ? { ...result, unjudged } : result
}

/** A bake under way, and what its looks at the alarms remember from one to the next. */
interface Baking {
  plan: BakePlan
  timeline: Timeline
  run: RunContext
  /** The bake's result as it stands when it passes. */
  result: BakeResult
  /** The state last emitted for each alarm. */
  last: Map<string, string>
  missingShown: Set<string>
  /** Alarms in ALARM since before the deployment that have not recovered yet. */
  stillFiring: Set<string>
  /** When the last good read of the alarms was answered (epoch ms). */
  lastRead: number
}

/** Nothing to read: a loop of looks that call nothing, so a release's stop still ends it. */
async function bakeWithoutAlarms({ run, timeline, result, plan }: Baking, endsAt: number): Promise<BakeResult | undefined> {
  const looped = await pollLoop(run, timeline, endsAt, { ...BAKE_PACING, doing: 'baking' }, async () =>
    (await plan.analyse?.()) ? { end: analysisEnded(result) } : { changed: false },
  )
  return 'end' in looped ? looped.end : stoppedBake(result, looped)
}

/** The bake's end when the canary analysis failed the release (core/rollback.ts names it as the trigger). */
const analysisEnded = (result: BakeResult): BakeResult => ({ ...result, passed: false })

/** Stopped by the release (another service failed): nothing more to verify. */
function stoppedBake(result: BakeResult, looped: Looped<unknown>): BakeResult | undefined {
  return 'cut' in looped && looped.cut === 'stopped' ? { ...result, passed: false, stopped: looped.why } : undefined
}

/** The bake's end when the alarms ended it, the release stopped it or the last look failed; undefined when it ran out. */
async function bakeWithAlarms(clients: Clients, baking: Baking, endsAt: number, cutShort: boolean): Promise<BakeResult | undefined> {
  const alarms = watchAlarms(clients, baking.run, baking.plan.alarms)
  try {
    const looped = await watchUntil(baking, alarms, endsAt)
    if ('end' in looped) return looped.end
    return stoppedBake(baking.result, looped) ?? (await lastLook(baking, alarms, cutShort))
  } finally {
    alarms.close()
  }
}

/** Looks at the alarms until one fires, they cannot be read any more, or `endsAt`. */
async function watchUntil(baking: Baking, alarms: Reader<AlarmState>, endsAt: number): Promise<Looped<BakeResult>> {
  const { run, timeline } = baking
  return pollLoop<BakeResult>(run, timeline, endsAt, { ...BAKE_PACING, doing: 'baking', lookFirst: true }, async () => {
    try {
      const found = await look(baking, alarms)
      return found ? { end: found } : { changed: true }
    } catch (error) {
      // Access denied, or no good read for too long: the bake can no longer vouch for the release.
      if ((!isThrottling(error) && !isTransient(error)) || run.clock.now() - baking.lastRead > MAX_UNREAD_MS) return { end: unverified(baking, error) }
      throw error
    }
  })
}

/** The last look may have been a while ago when throttled; one more before declaring the bake passed. A bake that
 * cannot read its alarms at the end did not pass: nothing verified the release. */
async function lastLook(baking: Baking, alarms: Reader<AlarmState>, cutShort: boolean): Promise<BakeResult | undefined> {
  const { run, plan } = baking
  try {
    return await run.within(Math.min(plan.deadline, run.clock.now() + LAST_LOOK_MS), () => look(baking, alarms))
  } catch (error) {
    return { ...unverified(baking, error), cutShortByDeadline: cutShort }
  }
}

/** One read of the alarms: emits what changed, and the bake's end when an alarm fired. */
async function look(baking: Baking, alarms: Reader<AlarmState>): Promise<BakeResult | undefined> {
  const { plan, timeline, run, last, missingShown, stillFiring } = baking
  const read = await alarms.read()
  // An answer another bake's look got is as old as it is, not as old as this look.
  baking.lastRead = read.answeredAt
  for (const name of plan.alarms) {
    const alarm = read.values.get(name)
    if (!alarm) {
      if (!missingShown.has(name)) {
        missingShown.add(name)
        timeline.emit({ type: 'warning', at: new Date(run.clock.now()), message: `Alarm ${name} does not exist; it cannot stop a bad release.` })
      }
      continue
    }
    if (last.get(name) !== alarm.state) {
      last.set(name, alarm.state)
      timeline.emit({ type: 'alarm', at: new Date(run.clock.now()), name, state: alarm.state, reason: alarm.reason })
    }
    if (alarm.state !== 'ALARM') stillFiring.delete(name)
    else if (!stillFiring.has(name)) return { ...baking.result, passed: false, fired: { name, reason: alarm.reason } }
  }
  return (await plan.analyse?.()) ? analysisEnded(baking.result) : undefined
}

function unverified(baking: Baking, error: unknown): BakeResult {
  return { ...baking.result, passed: false, unreadable: errorText(error), unreadableSince: new Date(baking.lastRead), cutShortByDeadline: false }
}

/**
 * Bakes after a deployment reached its traffic, into `facts`: the bake result (passed, an alarm that fired, or alarms
 * it could not read), a timeout when the deadline cut it short, the release's stop when it ended it. False when an
 * unexpected error ended the run.
 */
export async function bakeInto(
  clients: Clients,
  facts: DeploymentFacts,
  plan: { alarms: string[]; bakeTimeMs: number; deadline: number; alarmsFiringAtStart?: string[] },
  timeline: Timeline,
  run: RunContext,
  analyse?: () => Promise<boolean>,
): Promise<boolean> {
  try {
    facts.bake = await bake(clients, { alarms: plan.alarms, durationMs: plan.bakeTimeMs, deadline: plan.deadline, firingAtStart: plan.alarmsFiringAtStart, analyse }, timeline, run)
    if (facts.bake.cutShortByDeadline) facts.timedOut = true
    if (facts.bake.stopped) facts.stopped = facts.bake.stopped
    return true
  } catch (error) {
    facts.error = `Baking (alarms ${plan.alarms.join(', ')}): ${errorText(error)}`
    return false
  }
}
