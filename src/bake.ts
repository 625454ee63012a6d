// Bake: after our deployment completed, keep watching the alarms for a while; an alarm in ALARM ends the bake.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch'
import type { Clients } from './aws-clients.js'
import type { BakeResult, DeploymentFacts } from './facts.js'
import { Poller, errorText, isThrottling, isTransient, type PollOptions } from './poller.js'
import type { Timeline } from './timeline.js'

export interface BakePlan {
  alarms: string[]
  durationMs: number
  /** The bake never runs past the deployment's deadline. */
  deadline: number
}

/** DescribeAlarms takes at most 100 names per call. */
const PAGE = 100

interface AlarmState {
  state: string
  reason?: string
}

async function describeAlarms(clients: Clients, poller: Poller, names: string[]): Promise<Map<string, AlarmState>> {
  const states = new Map<string, AlarmState>()
  for (let i = 0; i < names.length; i += PAGE) {
    const out = await poller.call(() =>
      clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + PAGE), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })),
    )
    for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
      if (a.AlarmName) states.set(a.AlarmName, { state: a.StateValue ?? 'UNKNOWN', reason: a.StateReason })
    }
  }
  return states
}

/** Polls the alarms every few seconds for `durationMs`. Bake 0 does nothing. */
export async function bake(
  clients: Clients,
  plan: BakePlan,
  timeline: Timeline,
  options: PollOptions = {},
): Promise<BakeResult> {
  const result: BakeResult = { durationMs: plan.durationMs, alarms: plan.alarms, passed: true, cutShortByDeadline: false }
  if (plan.durationMs <= 0) return result
  // A look every 2 s turns an alarm into a rollback request within about a second on average (30 DescribeAlarms
  // calls a minute, far inside CloudWatch's limits, and no ECS calls while baking).
  const poller = new Poller({ minIntervalMs: 2000, maxIntervalMs: 2000, ...options })
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
  const look = async (): Promise<BakeResult | undefined> => {
    const states = await describeAlarms(clients, poller, plan.alarms)
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
      if (alarm.state === 'ALARM') return { ...result, passed: false, fired: { name, reason: alarm.reason } }
    }
    return undefined
  }
  let first = true
  while (first || (await poller.pause(endsAt))) {
    first = false
    if (plan.alarms.length === 0) continue
    try {
      const fired = await look()
      if (fired) return fired
      poller.changed()
    } catch (error) {
      if (!isThrottling(error) && !isTransient(error)) throw error
      poller.backOff(isThrottling(error))
      timeline.emit({ type: 'warning', at: now(), message: `${errorText(error)} while baking; next look in ${Math.round(poller.intervalMs / 1000)} s` })
    }
  }
  // The last look may have been a while ago when throttled; one more before declaring the bake passed.
  if (plan.alarms.length > 0) {
    try {
      const fired = await look()
      if (fired) return fired
    } catch (error) {
      if (!isThrottling(error) && !isTransient(error)) throw error
    }
  }
  return cutShort ? { ...result, passed: false, cutShortByDeadline: true } : result
}

/**
 * Bakes after a deployment reached its traffic, into `facts`: the bake result, a timeout when the deadline cut it
 * short, or the error that stopped it. False when an error ended the run. `watch` lends its clock to the bake.
 */
export async function bakeInto(
  clients: Clients,
  facts: DeploymentFacts,
  plan: { alarms: string[]; bakeTimeMs: number; deadline: number },
  timeline: Timeline,
  options: { watch?: PollOptions; bake?: PollOptions } = {},
): Promise<boolean> {
  const clock = { ...(options.watch?.now ? { now: options.watch.now } : {}), ...(options.watch?.sleep ? { sleep: options.watch.sleep } : {}) }
  try {
    facts.bake = await bake(clients, { alarms: plan.alarms, durationMs: plan.bakeTimeMs, deadline: plan.deadline }, timeline, { ...clock, ...options.bake })
    if (facts.bake.cutShortByDeadline) facts.timedOut = true
    return true
  } catch (error) {
    facts.error = `Baking (alarms ${plan.alarms.join(', ')}): ${errorText(error)}`
    return false
  }
}
