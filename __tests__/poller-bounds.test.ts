// Loops that run at once on one poller (the services of a release) each keep their own deadline for the calls they
// make: one loop's bound never cuts another's calls short, and none outlives its loop.
import { describe, expect, it } from '@jest/globals'
import { Poller } from '../src/watch/poller.js'

/** When a call made now is aborted, in ms from now (undefined: never). */
async function boundOf(poller: Poller): Promise<number | undefined> {
  return poller.call(async (options) => {
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

describe('Poller.within', () => {
  it('gives each concurrent loop its own bound, and none after the loop', async () => {
    const poller = new Poller({ callsPerMinute: 6000, burst: 10 })
    const now = Date.now()
    const [short, long] = await Promise.all([
      poller.within(now + SHORT, async () => {
        await new Promise((r) => setTimeout(r, 10))
        return boundOf(poller)
      }),
      poller.within(now + LONG, async () => {
        await new Promise((r) => setTimeout(r, 10))
        return boundOf(poller)
      }),
    ])
    expect({ short: about(short, SHORT - 10), long: about(long, LONG - 10) }).toEqual({ short: true, long: true })
    expect(await boundOf(poller)).toBeUndefined()
  })

  it('lets a loop inside a loop bound its own calls, and gives the outer bound back after it', async () => {
    const poller = new Poller({ callsPerMinute: 6000, burst: 10 })
    const now = Date.now()
    const seen = await poller.within(now + LONG, async () => {
      const inner = await poller.within(now + SHORT, () => boundOf(poller))
      const outer = await boundOf(poller)
      return { inner, outer }
    })
    expect({ inner: about(seen.inner, SHORT), outer: seen.outer !== undefined && seen.outer >= LONG - SHORT - 1200 }).toEqual({ inner: true, outer: true })
  })
})
