// The one poll loop every engine, the bake, every rollback and the wait for a deployment in progress run on: one
// pacing, the run's call budget, one policy for throttling and transient errors, one deadline check.
import { errorText, isNoAnswer, isThrottling, isTransient } from '../aws/errors.js'
import type { Timeline } from '../core/timeline.js'
import type { RunContext } from './context.js'
import { Pacing, type PacingOptions } from './poller.js'

/** What one look found: the loop's end, or whether anything changed (which decides the next interval). */
export type Seen<T> = { end: T } | { changed: boolean }

/** A loop that ended before a look said how: its deadline came, or the release stopped it (another service failed). */
export type Cut = { cut: 'deadline' } | { cut: 'stopped'; why: string }

/** How a loop ended: a look's end, or cut short. */
export type Looped<T> = { end: T } | Cut

const deadlineCame: Cut = { cut: 'deadline' }

export interface LoopOptions extends PacingOptions {
  /** For warnings: "watching web", "baking". */
  doing: string
  /** Look at once rather than after the first interval. */
  lookFirst?: boolean
}

/** Non-throttling errors (5xx, dropped connections, calls that did not answer) tolerated in a row before the loop
 * gives up and the error ends the run. */
const MAX_TRANSIENT_ERRORS = 5

/**
 * Looks until a look says how it ends, `deadline` comes, or the release's stop fires. A throttled look backs off (one
 * warning per streak); a transient one backs off with a warning, up to MAX_TRANSIENT_ERRORS in a row (the sixth ends
 * the loop); any other error is thrown to the caller, which records it as a fact. A look in flight when the deadline
 * comes is aborted with it: the run's calls made during the loop are bounded by it.
 */
export async function pollLoop<T>(run: RunContext, timeline: Timeline, deadline: number, options: LoopOptions, look: () => Promise<Seen<T>>): Promise<Looped<T>> {
  const pacing = new Pacing({ ...run.pacing, ...withoutUndefined(options) })
  return run.within(deadline, () => loop(run, timeline, deadline, options, look, pacing))
}

async function loop<T>(run: RunContext, timeline: Timeline, deadline: number, options: LoopOptions, look: () => Promise<Seen<T>>, pacing: Pacing): Promise<Looped<T>> {
  // A release's stop ends a loop running when it fires; one started after it (the run's own rollback) runs as usual.
  const stop = run.pendingStop()
  let transient = 0
  let throttledStreak = false
  let first = options.lookFirst ?? false
  while (first || (await run.poller.pause(pacing.intervalMs, deadline))) {
    first = false
    if (stop?.aborted) return { cut: 'stopped', why: String(stop.reason) }
    let seen: Seen<T>
    try {
      seen = await look()
    } catch (error) {
      run.unanswered = isNoAnswer(error) ? errorText(error) : undefined
      if (run.clock.now() >= deadline) return deadlineCame
      const throttled = isThrottling(error)
      if (!throttled && !(isTransient(error) && ++transient <= MAX_TRANSIENT_ERRORS)) throw error
      pacing.backOff()
      if (throttled) run.throttled++
      if (!throttled || !throttledStreak) {
        timeline.emit({
          type: 'warning',
          at: new Date(run.clock.now()),
          message: `${errorText(error)} while ${options.doing}; next look in ${Math.round(pacing.intervalMs / 1000)} s`,
        })
      }
      throttledStreak = throttled
      continue
    }
    transient = 0
    throttledStreak = false
    run.unanswered = undefined
    if ('end' in seen) return seen
    if (seen.changed) pacing.changed()
    else pacing.unchanged()
  }
  return stop?.aborted ? { cut: 'stopped', why: String(stop.reason) } : deadlineCame
}

function withoutUndefined(options: PacingOptions): PacingOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && typeof v === 'number'))
}
