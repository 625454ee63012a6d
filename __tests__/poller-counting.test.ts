// Engines running at once on one poller (the services of a release) each keep their own tally of throttled and
// unanswered calls: `Poller.counting` gives the engine run of the current async context a tally that starts empty,
// which no other run and nothing outside any run sees.
import { describe, expect, it } from '@jest/globals'
import { Poller } from '../src/watch/poller.js'

const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('Poller.counting', () => {
  it('starts each run at 0 and nothing unanswered, whatever the poller counted outside any run', async () => {
    const poller = new Poller()
    poller.throttled = 4
    poller.unanswered = 'DescribeServices'
    const seen = await poller.counting(async () => ({ throttled: poller.throttled, unanswered: poller.unanswered }))
    expect(seen).toEqual({ throttled: 0, unanswered: undefined })
  })

  it('returns what the run returns', async () => {
    const poller = new Poller()
    await expect(poller.counting(async () => 'facts')).resolves.toBe('facts')
  })

  it('gives two runs at once on one poller each their own count and unanswered call, across awaits and timers', async () => {
    const poller = new Poller()
    const gate = { a: (): void => undefined }
    const aMayGoOn = new Promise<void>((resolve) => (gate.a = resolve))
    const a = poller.counting(async () => {
      poller.throttled++
      poller.unanswered = 'DescribeServiceDeployments'
      // b counts while a waits.
      await aMayGoOn
      const mid = { throttled: poller.throttled, unanswered: poller.unanswered }
      await tick(5)
      poller.throttled++
      return { mid, end: { throttled: poller.throttled, unanswered: poller.unanswered } }
    })
    const b = poller.counting(async () => {
      await tick()
      const atStart = { throttled: poller.throttled, unanswered: poller.unanswered }
      poller.throttled++
      poller.throttled++
      poller.throttled++
      // A callback the run starts counts for the run.
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          poller.unanswered = 'DescribeTasks'
          resolve()
        }, 1),
      )
      gate.a()
      await tick(10)
      return { atStart, end: { throttled: poller.throttled, unanswered: poller.unanswered } }
    })
    const [seenA, seenB] = await Promise.all([a, b])
    expect(seenA).toEqual({ mid: { throttled: 1, unanswered: 'DescribeServiceDeployments' }, end: { throttled: 2, unanswered: 'DescribeServiceDeployments' } })
    expect(seenB).toEqual({ atStart: { throttled: 0, unanswered: undefined }, end: { throttled: 3, unanswered: 'DescribeTasks' } })
    // Neither run touched the poller's own count.
    expect(poller.throttled).toBe(0)
    expect(poller.unanswered).toBeUndefined()
  })

  it('keeps the poller its own count outside any run, before, during and after runs', async () => {
    const poller = new Poller()
    poller.throttled++
    poller.unanswered = 'ListTasks'
    const run = poller.counting(async () => {
      poller.throttled = 7
      poller.unanswered = undefined
      await tick(10)
      return poller.throttled
    })
    // Code outside the run, while the run is under way.
    await tick()
    const outsideDuringRun = { throttled: poller.throttled, unanswered: poller.unanswered }
    poller.throttled++
    expect(await run).toBe(7)
    expect(outsideDuringRun).toEqual({ throttled: 1, unanswered: 'ListTasks' })
    expect(poller.throttled).toBe(2)
    expect(poller.unanswered).toBe('ListTasks')
    // A later run starts at 0 again, not at the last run's count.
    await expect(poller.counting(async () => poller.throttled)).resolves.toBe(0)
  })

  it('keeps the counts of two pollers apart', async () => {
    const one = new Poller()
    const two = new Poller()
    const seen = await one.counting(async () => {
      one.throttled++
      two.throttled++
      return two.counting(async () => {
        two.throttled++
        return { one: one.throttled, two: two.throttled }
      })
    })
    expect(seen).toEqual({ one: 1, two: 1 })
    expect(two.throttled).toBe(1)
    expect(one.throttled).toBe(0)
  })
})
