// After a cancelled run (the post step): the bake's alarms, read once. A cancel cuts the bake short, so an alarm in
// ALARM now is nobody's to act on: each one is an error annotation naming it, the release and what runs now.
import { DescribeServicesCommand } from '@aws-sdk/client-ecs'
import { revisionOf } from './aws/arn.js'
import type { Clients } from './aws/clients.js'
import { errorText } from './aws/errors.js'
import type { AfterCancel } from './engines/contract.js'
import type { InFlight } from './state-helper.js'
import { readAlarms } from './watch/alarms.js'
import { direct } from './watch/stopped-tasks.js'

/** One sentence per alarm of `state` in ALARM now; a sentence saying they could not be read when that failed. */
export async function firingAfterCancel(clients: Clients, state: InFlight, seen: AfterCancel | undefined): Promise<string[]> {
  const names = state.alarms ?? []
  if (names.length === 0 || !state.deploymentId) return []
  let firing: [string, { reason?: string }][]
  try {
    firing = [...(await readAlarms(clients, direct, names, { stateValue: 'ALARM' }))]
  } catch (error) {
    return [
      `The alarms ${names.join(', ')} could not be read after the cancel (${errorText(error)}): nothing says whether ${revisionOf(state.taskDefinitionArn, 'the release')} is healthy.`,
    ]
  }
  if (firing.length === 0) return []
  const now = await runningNow(clients, state)
  const release = revisionOf(state.taskDefinitionArn, 'the release')
  const what = seen?.rolledBack
    ? `${release} was live and is being rolled back (on-cancel: rollback): ${seen.rolledBack}`
    : `${release} is live on ${state.cluster}/${state.service}${now ? ` (the service runs ${now})` : ''} and nothing watches it (on-cancel: ${state.onCancel}); roll it back or fix forward`
  return firing.map(([name, alarm]) => `Alarm ${name} is in ALARM after the job was cancelled during the ${state.phase} phase${alarm.reason ? ` (${alarm.reason})` : ''}: ${what}.`)
}

/** The service's task definition now, or undefined when it cannot be read (the alarm is reported all the same). */
async function runningNow(clients: Clients, state: InFlight): Promise<string | undefined> {
  const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: state.cluster, services: [state.service] })).catch(() => undefined)
  return revisionOf(out?.services?.[0]?.taskDefinition, '') || undefined
}
