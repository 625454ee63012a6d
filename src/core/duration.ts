// Durations as the log and summary show them (and as workflow inputs write them: inputs/duration.ts parses them).

const SECOND = 1000

/** `1h30m`, `2m5s`, `45s`, `0s`; rounded to whole seconds, so `parseDuration(formatDuration(ms))` gives `ms` back. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / SECOND))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].join('')
  return parts || '0s'
}
