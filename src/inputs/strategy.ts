// The `strategy` input: one short line says how traffic moves.
//   auto | rolling | blue-green | canary [PERCENT%] [INTERVAL] | linear [PERCENT%] [every] [INTERVAL]
// e.g. `canary 20% 5m` (20 %, then the rest after 5 minutes), `linear 10% every 1m`.
import { formatDuration, parseDuration } from './duration.js'

export type Strategy =
  | { kind: 'auto' }
  | { kind: 'rolling' }
  | { kind: 'blue-green' }
  /** `percent` of production traffic first, the rest after `intervalMs`. */
  | { kind: 'canary'; percent: number; intervalMs: number }
  /** `percent` more of production traffic every `intervalMs`. */
  | { kind: 'linear'; percent: number; intervalMs: number }

const DEFAULTS = {
  canary: { percent: 10, intervalMs: 5 * 60_000 },
  linear: { percent: 10, intervalMs: 60_000 },
} as const

// Both engines count traffic steps in whole minutes (CodeDeploy intervals, ECS bake minutes), at most a day.
const MAX_INTERVAL_MS = 24 * 60 * 60_000

const STRATEGY_ACCEPTED =
  'expected auto, rolling, blue-green, `canary [PERCENT%] [INTERVAL]` (default canary 10% 5m) or `linear [PERCENT%] [every INTERVAL]` (default linear 10% every 1m)'

/** Parses the input; throws an Error whose message says what is wrong (the caller names the input). */
export function parseStrategy(text: string): Strategy {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean)
  const kind = words.shift() ?? 'auto'
  if (kind === 'auto' || kind === 'rolling') return none(words, { kind })
  if (kind === 'blue-green' || kind === 'bluegreen' || kind === 'blue/green') return none(words, { kind: 'blue-green' })
  if (kind !== 'canary' && kind !== 'linear') throw new Error(STRATEGY_ACCEPTED)

  let percent: number = DEFAULTS[kind].percent
  let intervalMs: number = DEFAULTS[kind].intervalMs
  const percentWord = words[0]?.endsWith('%') ? words.shift() : undefined
  if (percentWord !== undefined) {
    percent = Number(percentWord.slice(0, -1))
    if (!/^\d+(\.\d)?%$/.test(percentWord) || !(percent > 0 && percent < 100)) {
      throw new Error(`the ${kind} percent must be more than 0 and less than 100, with at most one decimal (such as 10%), not ${percentWord}`)
    }
  }
  if (words[0] === 'every' || words[0] === 'then' || words[0] === 'after') words.shift()
  const intervalWord = words.shift()
  if (intervalWord !== undefined) {
    try {
      intervalMs = parseDuration(intervalWord)
    } catch {
      throw new Error(`the ${kind} interval must be a duration such as 1m or 5m, not ${intervalWord}`)
    }
    if (intervalMs % 60_000 !== 0 || intervalMs === 0 || intervalMs > MAX_INTERVAL_MS) {
      throw new Error(`the ${kind} interval must be whole minutes from 1m to 24h, not ${intervalWord}`)
    }
  }
  if (words.length > 0) throw new Error(`unexpected \`${words.join(' ')}\`; ${STRATEGY_ACCEPTED}`)
  return { kind, percent, intervalMs }
}

function none<T extends Strategy>(rest: string[], strategy: T): T {
  if (rest.length > 0) throw new Error(`${strategy.kind} takes no settings (got \`${rest.join(' ')}\`)`)
  return strategy
}

/** The canonical one-line form, for logs and the summary. */
export function describeStrategy(s: Strategy): string {
  switch (s.kind) {
    case 'canary':
      return `canary ${s.percent}% then the rest after ${formatDuration(s.intervalMs)}`
    case 'linear':
      return `linear ${s.percent}% every ${formatDuration(s.intervalMs)}`
    default:
      return s.kind
  }
}
