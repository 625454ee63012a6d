import { describe, expect, it } from '@jest/globals'
import { DEFAULT_RULE, judge, twoProportionP, type Minute } from '../src/core/analysis.js'

const minutes = (n: number, requests: number, errors: number, p99: number, from = 0): Minute[] =>
  Array.from({ length: n }, (_, i) => ({ at: (from + i) * 60_000, requests, errors, p99 }))

describe('the statistics', () => {
  it("twoProportionP: exact, conditional on both sides' errors", () => {
    // 12 of the 17 errors on one of two equal sides: P(Bin(17, 1/2) ≥ 12) = 9402 / 131072.
    expect(twoProportionP(12, 200, 5, 200)).toBeCloseTo(9402 / 131072, 10)
    expect(twoProportionP(5, 200, 12, 200)).toBeCloseTo(1 - 3214 / 131072, 10)
    // A canary's first minute: 8 of 627 against 15 of 5512 is p = 0.0014 (the z-test would say 0.0002).
    expect(twoProportionP(8, 627, 15, 5512)).toBeCloseTo(0.0014, 4)
    expect(twoProportionP(0, 0, 1, 10)).toBe(1)
    expect(twoProportionP(0, 100, 0, 100)).toBe(1)
  })
})

describe('judge', () => {
  it('passes a canary like its baseline, with the numbers', () => {
    const v = judge(minutes(3, 600, 3, 0.2), minutes(3, 5400, 27, 0.2))
    expect(v.result).toBe('pass')
    expect(v.reason).toBe('5xx rate 0.50 % (9/1800) against 0.50 % (81/16200), p99 200 ms against 200 ms')
  })

  it('fails a canary whose 5xx rate is 5 % against 0.5 %, after one minute', () => {
    const v = judge(minutes(1, 600, 30, 0.2), minutes(1, 5400, 27, 0.2))
    expect(v).toMatchObject({ result: 'fail', metric: 'error-rate' })
    expect(v.reason).toBe('5xx rate 5.00 % (30/600) against 0.50 % (27/5400) (+4.50 points, p=<0.0001)')
  })

  it('needs the difference to be over the threshold: 1.4 % against 0.5 % passes however much traffic', () => {
    const v = judge(minutes(10, 60_000, 840, 0.2), minutes(10, 540_000, 2700, 0.2))
    expect(v.errorRate.pValue).toBeLessThan(1e-6)
    expect(v.result).toBe('pass')
  })

  it('needs the difference to be significant: 6 % of 200 against 2.5 % of 200 is noise at p < 0.01 (p = 0.07)', () => {
    const v = judge(minutes(1, 200, 12, 0.2), minutes(1, 200, 5, 0.2))
    expect(v.result).toBe('pass')
    expect(judge(minutes(1, 200, 12, 0.2), minutes(1, 200, 5, 0.2), { ...DEFAULT_RULE, alpha: 0.1 }).result).toBe('fail')
  })

  it('fails on latency only after 3 minutes in a row over +20 %', () => {
    const base = minutes(4, 5400, 27, 0.2)
    const slow = minutes(4, 600, 3, 0.3)
    expect(judge(slow.slice(0, 2), base.slice(0, 2)).result).toBe('pass')
    const v = judge(slow.slice(0, 3), base.slice(0, 3))
    expect(v).toMatchObject({ result: 'fail', metric: 'latency' })
    expect(v.reason).toBe('p99 300 ms against 200 ms for 3 minutes in a row')
    // A good minute in between starts the count again; exactly +20 % is within the limit.
    const broken = [...slow.slice(0, 2), { ...slow[2], p99: 0.24 }, slow[3]]
    expect(judge(broken, base).result).toBe('pass')
  })

  it('is inconclusive with too little traffic, and says so', () => {
    const v = judge(minutes(5, 10, 1, 0.2), minutes(5, 90, 0, 0.2))
    expect(v.result).toBe('inconclusive')
    expect(v.reason).toBe('too little traffic to judge: 50 requests on the new revision, 450 on the baseline (100 needed on each)')
  })

  it('before/after: the bake against the median p99 of the 30 minutes before', () => {
    const before = minutes(30, 6000, 30, 0.2, -30)
    expect(judge(minutes(3, 6000, 30, 0.25), before, DEFAULT_RULE, false)).toMatchObject({ result: 'fail', metric: 'latency' })
    expect(judge(minutes(3, 6000, 30, 0.22), before, DEFAULT_RULE, false).result).toBe('pass')
    expect(judge(minutes(3, 6000, 150, 0.2), before, DEFAULT_RULE, false)).toMatchObject({ result: 'fail', metric: 'error-rate' })
  })
})
