import { describe, expect, it } from '@jest/globals'
import { formatDuration, parseDuration } from '../src/inputs/duration.js'

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1h0m5s', 3_605_000],
    ['2m30s', 150_000],
    ['15', 900_000],
    [' 5m ', 300_000],
    ['10M', 600_000],
  ])('%p is %p ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['', 'm', '10x', '1.5h', '-5m', '30m1h', '10 m', 'h1', '1d'])('rejects %p', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError)
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [90_000, '1m30s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
    [5_405_000, '1h30m5s'],
    [1_499, '1s'],
    [-20, '0s'],
  ])('%p ms is %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('round-trips whole seconds through parseDuration', () => {
    for (const ms of [0, 1_000, 59_000, 61_000, 3_599_000, 3_600_000, 21_600_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms)
    }
  })
})
