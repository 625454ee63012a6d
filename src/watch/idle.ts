// Waits for a deployment already in progress on the service (one we did not start) to end, on the one poll loop,
// before ours starts: starting on top of it would make ECS replace it mid-flight and blur which deployment failed.
import type { Deployment } from '@aws-sdk/client-ecs'
import type { Clients } from '../aws/clients.js'
import type { DeploymentObservation } from '../core/facts.js'
import type { Timeline } from '../core/timeline.js'
import { pollLoop } from './loop.js'
import { contextOf, type RunContext } from './context.js'
import type { PollOptions } from './poller.js'
import { DeploymentTracker, EventFeed, describeService, eventIds, observe } from './service.js'

export interface IdleResult {
  /** The deployment that was in progress when we started waiting; undefined when the service was idle. */
  waitedFor?: string
  /** How that deployment ended (its rolloutState). */
  rolloutState?: string
  /** It had not ended by the deadline: why nothing was deployed, in words. */
  stillBusy?: string
}

const busy = (deployments: Deployment[]): Deployment | undefined =>
  deployments.find((d) => d.rolloutState === 'IN_PROGRESS') ??
  // Services without rolloutState (classic load balancers) are busy while more than one deployment remains.
  (deployments.length > 1 && deployments.every((d) => d.rolloutState === undefined) ? deployments.find((d) => d.status === 'PRIMARY') : undefined)

export async function waitForIdle(
  clients: Clients,
  cluster: string,
  service: string,
  deadline: number,
  timeline: Timeline,
  given: RunContext | PollOptions = {},
): Promise<IdleResult> {
  const run = contextOf(given)
  const now = () => new Date(run.clock.now())
  const tracker = new DeploymentTracker(timeline, run.clock.now)
  let feed: EventFeed | undefined
  let waitedFor: string | undefined
  let last: DeploymentObservation | undefined
  const ended = await pollLoop<IdleResult>(run, timeline, deadline, { doing: `waiting for ${service}`, lookFirst: true }, async () => {
    const described = await describeService(clients, run, cluster, service)
    // Events already there when we first looked are history, not progress.
    const fresh = feed === undefined
    feed ??= new EventFeed(timeline, run.clock.now, eventIds(described))
    const changedEvents = fresh ? 0 : feed.take(described.events).length
    const inFlight = busy(described.deployments ?? [])
    if (!inFlight) {
      const done = (described.deployments ?? []).find((d) => d.id === waitedFor)
      return { end: { waitedFor, rolloutState: waitedFor ? (done?.rolloutState ?? last?.rolloutState) : undefined } }
    }
    const o = observe(inFlight)
    if (!waitedFor) {
      waitedFor = o.id
      timeline.emit({ type: 'warning', at: now(), message: `Deployment ${o.id} is already in progress on ${service}; waiting for it to end before deploying.` })
    }
    last = o
    return { changed: tracker.track(o) || changedEvents > 0 }
  })
  if ('end' in ended) return ended.end
  const c = last?.counts
  return {
    waitedFor,
    stillBusy:
      `Timed out waiting for deployment ${last?.id ?? waitedFor ?? '(unknown)'} already in progress on service ${service} to end` +
      (c ? ` (${last?.rolloutState ?? last?.status}, running ${c.running}/${c.desired}, pending ${c.pending}, failed ${c.failed})` : '') +
      '. Nothing was deployed.',
  }
}
