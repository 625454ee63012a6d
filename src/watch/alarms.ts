// CloudWatch alarms by name, in pages: DescribeAlarms takes at most 100 names a call and may page its answer. Bakes
// running at once on the run's poller read the union of their alarms in one read (shared-reads.ts).
import { DescribeAlarmsCommand, type DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch'
import type { Clients } from '../aws/clients.js'
import type { RunContext } from './context.js'
import { perPoller, SharedReads, type Reader } from './shared-reads.js'
import type { Call } from './stopped-tasks.js'

/** DescribeAlarms' limit on AlarmNames (and MaxRecords). */
const ALARMS_PER_CALL = 100

export interface AlarmState {
  state: string
  reason?: string
}

/** The state of every named alarm that exists (a missing name is simply absent from the map). */
export async function readAlarms(clients: Clients, call: Call, names: string[], only?: { stateValue: 'ALARM' }): Promise<Map<string, AlarmState>> {
  const states = new Map<string, AlarmState>()
  for (let i = 0; i < names.length; i += ALARMS_PER_CALL) {
    const AlarmNames = names.slice(i, i + ALARMS_PER_CALL)
    let NextToken: string | undefined
    do {
      const out: DescribeAlarmsCommandOutput = await call((options) =>
        clients.cloudwatch.send(
          new DescribeAlarmsCommand({
            AlarmNames,
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            MaxRecords: ALARMS_PER_CALL,
            ...(only ? { StateValue: only.stateValue } : {}),
            ...(NextToken ? { NextToken } : {}),
          }),
          options,
        ),
      )
      for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        if (a.AlarmName) states.set(a.AlarmName, { state: a.StateValue ?? 'UNKNOWN', ...(a.StateReason ? { reason: a.StateReason } : {}) })
      }
      NextToken = out.NextToken
    } while (NextToken)
  }
  return states
}

const alarmReads = perPoller<AlarmState>((clients, poller) => new SharedReads<AlarmState>(poller, (call, _group, names) => readAlarms(clients, call, names), Infinity))

/** A bake's alarms, read with those of every other bake of the run under way (a missing alarm reads undefined). */
export function watchAlarms(clients: Clients, run: RunContext, names: string[]): Reader<AlarmState> {
  return alarmReads(clients, run.poller).watch('', names, (send) => run.call(send))
}
