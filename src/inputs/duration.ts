// Durations as people write them in workflow inputs (`0`, `90s`, `10m`, `1h30m`; a bare number is minutes)
// and as the log and summary show them.

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

/** `1h30m`, `2m5s`, `45s`, `0s`; rounded to whole seconds, so `parseDuration(formatDuration(ms))` gives `ms` back. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / SECOND))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].join('')
  return parts || '0s'
}
