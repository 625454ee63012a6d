// Each engine run has its own context on the run's one Poller (the services of a release run at once): the deadline
// of the loop it is in bounds its calls, its tally of throttled and unanswered calls is its own, and the release's
// stop ends the loops running when it fires, as a result of its own (never a relabelled timeout).
import { describe, expect, it } from '@jest/globals'
import { RunContext } from '../src/watch/context.js'
import { pollLoop } from '../src/watch/loop.js'
import { Poller } from '../src/watch/poller.js'
import { Timeline } from '../src/core/timeline.js'

/** When a call made now is aborted, in ms from now (undefined: never). */
async function boundOf(run: RunContext): Promise<number | undefined> {
  return run.call(async (options) => {
    if (!options.abortSignal) return undefined
    const aborted = new Promise<number>((resolve) => options.abortSignal?.addEventListener('abort', () => resolve(Date.now())))
    const start = Date.now()
    return (await aborted) - start
  })
}

// Bounds far apart, so a loaded machine's late timers (never early ones) cannot mistake one for the other.
const SHORT = 300
const LONG = 3000
/** Aborted at about `ms`: not before it, and well before the other bound. */
const about = (ms: number | undefined, bound: number): boolean => ms !== undefined && ms >= bound - 50 && ms < bound + 1200

const throttling = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })

describe('RunContext bounds', () => {
  it('gives each concurrent run its own bound, and none after its loop', async () => {
    const poller = new Poller({ callsPerMinute: 6000, burst: 10 })
    const [a, b] = [new RunContext(poller), new RunContext(poller)]
    const now = Date.now()
    const [short, long] = await Promise.all([
      a.within(now + SHORT, async () => {
        await new Promise((r) => setTimeout(r, 10))
        return boundOf(a)
      }),
      b.within(now + LONG, async () => {
        await new Promise((r) => setTimeout(r, 10))
        return boundOf(b)
      }),
    ])
    expect({ short: about(short, SHORT - 10), long: about(long, LONG - 10) }).toEqual({ short: true, long: true })
    expect(await boundOf(a)).toBeUndefined()
    expect(await boundOf(b)).toBeUndefined()
  })

  it('lets a loop inside a loop bound its own calls, and gives the outer bound back after it', async () => {
    const run = new RunContext(new Poller({ callsPerMinute: 6000, burst: 10 }))
    const now = Date.now()
    const seen = await run.within(now + LONG, async () => {
      const inner = await run.within(now + SHORT, () => boundOf(run))
      const outer = await boundOf(run)
      return { inner, outer }
    })
    expect({ inner: about(seen.inner, SHORT), outer: seen.outer !== undefined && seen.outer >= LONG - SHORT - 1200 }).toEqual({ inner: true, outer: true })
  })
})

describe('RunContext tallies', () => {
  const fast = { minIntervalMs: 1, maxIntervalMs: 1, maxBackoffMs: 1 }

  it('starts each run at 0 and nothing unanswered, whatever another run on the poller counted', async () => {
    const poller = new Poller()
    const first = new RunContext(poller)
    first.throttled = 4
    first.unanswered = 'DescribeServices'
    const second = new RunContext(poller)
    expect({ throttled: second.throttled, unanswered: second.unanswered }).toEqual({ throttled: 0, unanswered: undefined })
  })

  it('gives two runs at once on one poller each their own count of the throttled looks of their loops', async () => {
    const poller = new Poller({ ...fast, callsPerMinute: 60_000, burst: 100 })
    const [a, b] = [new RunContext(poller), new RunContext(poller)]
    const throttledTimes = (n: number) => {
      let left = n
      return async () => {
        if (left-- > 0) throw throttling
        return { end: true }
      }
    }
    await Promise.all([
      pollLoop(a, new Timeline(), Date.now() + 10_000, { doing: 'a', lookFirst: true }, throttledTimes(1)),
      pollLoop(b, new Timeline(), Date.now() + 10_000, { doing: 'b', lookFirst: true }, throttledTimes(3)),
    ])
    expect({ a: a.throttled, b: b.throttled }).toEqual({ a: 1, b: 3 })
  })
})

describe('RunContext stop', () => {
  it('ends a loop running when the release stops, with the reason, and lets a loop started after it run', async () => {
    const stop = new AbortController()
    const run = new RunContext(new Poller({ minIntervalMs: 5, maxIntervalMs: 5 }), stop.signal)
    const running = pollLoop(run, new Timeline(), Date.now() + 10_000, { doing: 'watching' }, async () => ({ changed: false }))
    setTimeout(() => stop.abort('another service of the release, api, failed'), 20)
    expect(await running).toEqual({ cut: 'stopped', why: 'another service of the release, api, failed' })
    expect(run.stopped()).toBe('another service of the release, api, failed')
    // The run's own rollback, after the stop: it runs to its end.
    let looks = 0
    const after = await pollLoop(run, new Timeline(), Date.now() + 10_000, { doing: 'rolling back', lookFirst: true }, async () =>
      ++looks >= 3 ? { end: 'done' } : { changed: true },
    )
    expect(after).toEqual({ end: 'done' })
  })

  it('says the deadline came when it did, not a stop', async () => {
    const run = new RunContext(new Poller({ minIntervalMs: 5, maxIntervalMs: 5 }), new AbortController().signal)
    expect(await pollLoop(run, new Timeline(), Date.now() + 30, { doing: 'watching' }, async () => ({ changed: false }))).toEqual({ cut: 'deadline' })
  })
})
