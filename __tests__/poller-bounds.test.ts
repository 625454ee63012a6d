// Loops that run at once on one poller (the services of a release) each keep their own deadline for the calls they
// make: one loop's bound never cuts another's calls short, and none outlives its loop.
import { describe, expect, it } from '@jest/globals'
import { Poller } from '../src/watch/poller.js'

/** The abort deadline a call made now is given, in ms from now (undefined: none). */
async function boundOf(poller: Poller): Promise<number | undefined> {
  return poller.call(async (options) => {
    if (!options.abortSignal) return undefined
    const aborted = new Promise<number>((resolve) => options.abortSignal?.addEventListener('abort', () => resolve(Date.now())))
    const start = Date.now()
    return Math.round(((await aborted) - start) / 100) * 100
  })
}

describe('Poller.within', () => {
  it('gives each concurrent loop its own bound, and none after the loop', async () => {
    const poller = new Poller({ callsPerMinute: 6000, burst: 10 })
    const now = Date.now()
    const [short, long] = await Promise.all([
      poller.within(now + 200, async () => {
        await new Promise((r) => setTimeout(r, 10))
        return boundOf(poller)
      }),
      poller.within(now + 600, async () => {
        await new Promise((r) => setTimeout(r, 10))
        return boundOf(poller)
      }),
    ])
    expect({ short, long }).toEqual({ short: 200, long: 600 })
    expect(await boundOf(poller)).toBeUndefined()
  })

  it('lets a loop inside a loop bound its own calls, and gives the outer bound back after it', async () => {
    const poller = new Poller({ callsPerMinute: 6000, burst: 10 })
    const now = Date.now()
    const seen = await poller.within(now + 700, async () => {
      const inner = await poller.within(now + 200, () => boundOf(poller))
      const outer = await boundOf(poller)
      return { inner, outer }
    })
    expect(seen).toEqual({ inner: 200, outer: 500 })
  })
})
