// Durations as people write them in workflow inputs (`0`, `90s`, `10m`, `1h30m`; a bare number is minutes)
// and as the log and summary show them.

export { formatDuration } from '../core/duration.js'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

const BARE = /^\d+$/
const UNITS = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

/** Milliseconds for `text`; throws a RangeError for anything else (callers word the message for their input). */
export function parseDuration(text: string): number {
  const value = text.trim().toLowerCase()
  if (BARE.test(value)) return Number(value) * MINUTE
  const match = UNITS.exec(value)
  // The regex also matches the empty string; a duration needs at least one part.
  if (!match || value === '') throw new RangeError(`'${text}' is not a duration such as 0, 90s, 10m, 1h or 1h30m`)
  const [, h = '0', m = '0', s = '0'] = match
  return Number(h) * HOUR + Number(m) * MINUTE + Number(s) * SECOND
}
