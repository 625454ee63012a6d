import { describe, expect, it } from '@jest/globals'
import { checkTraffic, mergeMinutes, minuteOf, QUIET_TRAFFIC, seededRandom, type Traffic } from '../sandbox/traffic.js'

const WEB: Traffic = { requestsPerSecond: 100, errorRate: 0.005, latencyMs: { p50: 50, p99: 250 } }

describe('the sandbox traffic generator', () => {
  it('is repeatable: the same seed gives the same minute, another seed another', () => {
    const a = minuteOf(WEB, 0.1, seededRandom('tg-a#1'))
    expect(minuteOf(WEB, 0.1, seededRandom('tg-a#1'))).toEqual(a)
    expect(minuteOf(WEB, 0.1, seededRandom('tg-a#2'))).not.toEqual(a)
  })

  it("splits the service's requests by share, with noise around the rates it was given", () => {
    const random = seededRandom('spread')
    const minutes = Array.from({ length: 200 }, () => minuteOf(WEB, 0.1, random))
    const requests = minutes.reduce((s, m) => s + m.requests, 0)
    const errors = minutes.reduce((s, m) => s + m.errors, 0)
    expect(requests / 200).toBeGreaterThan(570)
    expect(requests / 200).toBeLessThan(630)
    expect(errors / requests).toBeGreaterThan(0.004)
    expect(errors / requests).toBeLessThan(0.006)
    const p99s = minutes.map((m) => m.p99 as number)
    expect(new Set(p99s).size).toBeGreaterThan(50)
    expect(p99s.reduce((s, p) => s + p, 0) / 200).toBeCloseTo(0.25, 1)
  })

  it('a target group without weight takes no requests and has no p99', () => {
    expect(minuteOf(WEB, 0, seededRandom('x'))).toEqual({ requests: 0, errors: 0 })
    expect(mergeMinutes([])).toEqual({ requests: 0, errors: 0 })
    expect(
      mergeMinutes([
        { requests: 100, errors: 1, p99: 0.2 },
        { requests: 300, errors: 3, p99: 0.4 },
      ]),
    ).toEqual({ requests: 400, errors: 4, p99: 0.35 })
  })

  it('checks a traffic behaviour and names what is wrong', () => {
    expect(checkTraffic(QUIET_TRAFFIC)).toBe(QUIET_TRAFFIC)
    expect(() => checkTraffic({ ...WEB, errorRate: 5 })).toThrow('behavior.traffic .errorRate must be a number from 0 to 1')
    expect(() => checkTraffic({ ...WEB, latencyMs: { p50: 300, p99: 200 } })).toThrow('.latencyMs must be { p50, p99 } in ms with 0 < p50 ≤ p99')
    expect(() => checkTraffic('fast')).toThrow('must be { requestsPerSecond, errorRate, latencyMs: { p50, p99 } }')
  })
})
