// The one poll loop every engine, the bake, every rollback and the wait for a deployment in progress run on: one
// pacing, the run's call budget, one policy for throttling and transient errors, one deadline check.
import { errorText, isNoAnswer, isThrottling, isTransient } from '../aws/errors.js'
import type { Timeline } from '../core/timeline.js'
import { Pacing, type PacingOptions, type Poller } from './poller.js'

/** What one look found: the loop's end, or whether anything changed (which decides the next interval). */
export type Seen<T> = { end: T } | { changed: boolean }

export interface LoopOptions extends PacingOptions {
  /** For warnings: "watching web", "baking". */
  doing: string
  /** Look at once rather than after the first interval. */
  lookFirst?: boolean
}

/** Non-throttling errors (5xx, dropped connections, calls that did not answer) tolerated in a row before the loop
 * gives up and the error ends the run. */
const MAX_TRANSIENT_ERRORS = 5

interface LoopContext {
  poller: Poller
  timeline: Timeline
}

/**
 * Looks until a look says how it ends, or `deadline` comes (undefined). A throttled look backs off (one warning per
 * streak); a transient one backs off with a warning, up to MAX_TRANSIENT_ERRORS in a row; any other error is thrown
 * to the caller, which records it as a fact. A look in flight when the deadline comes is aborted with it.
 */
export async function pollLoop<T>(context: LoopContext, deadline: number, options: LoopOptions, look: () => Promise<Seen<T>>): Promise<T | undefined> {
  const pacing = new Pacing({ ...context.poller.pacing, ...withoutUndefined(options) })
  // Calls after the loop (a last look, a rollback) are bounded by their own deadline, an enclosing loop's, or the run's
  // hard stop.
  return context.poller.within(deadline, () => loop(context, deadline, options, look, pacing))
}

async function loop<T>(context: LoopContext, deadline: number, options: LoopOptions, look: () => Promise<Seen<T>>, pacing: Pacing): Promise<T | undefined> {
  const { poller, timeline } = context
  // A release's stop ends a loop running when it fires, as its deadline would; one started after it runs as usual.
  const stop = poller.pendingStop()
  let transient = 0
  let throttledStreak = false
  let first = options.lookFirst ?? false
  while (first || (await poller.pause(pacing.intervalMs, deadline))) {
    first = false
    if (stop?.aborted) return undefined
    let seen: Seen<T>
    try {
      seen = await look()
    } catch (error) {
      poller.unanswered = isNoAnswer(error) ? errorText(error) : undefined
      if (poller.clock.now() >= deadline) return undefined
      const throttled = isThrottling(error)
      if (!throttled && !(isTransient(error) && ++transient <= MAX_TRANSIENT_ERRORS)) throw error
      pacing.backOff()
      if (throttled) poller.throttled++
      if (!throttled || !throttledStreak) {
        timeline.emit({
          type: 'warning',
          at: new Date(poller.clock.now()),
          message: `${errorText(error)} while ${options.doing}; next look in ${Math.round(pacing.intervalMs / 1000)} s`,
        })
      }
      throttledStreak = throttled
      continue
    }
    transient = 0
    throttledStreak = false
    poller.unanswered = undefined
    if ('end' in seen) return seen.end
    if (seen.changed) pacing.changed()
    else pacing.unchanged()
  }
  return undefined
}

function withoutUndefined(options: PacingOptions): PacingOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && typeof v === 'number'))
}
