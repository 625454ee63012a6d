// The one retry policy for calls that change something in AWS. A throttled answer, or ECS's "Too many concurrent
// attempts" (several runs registering one family at once), means the call was NOT applied, so sending it again is
// safe; it is sent again with back-off until `until`. Any other error (a lost answer included: it may have applied)
// is the caller's.
import { errorName, isThrottling } from './errors.js'

/** How a retried mutating call went, for the log: how many times it waited and how long in all. */
export interface Retried {
  operation: string
  /** Waits before an attempt: the SDK's own retries plus ours. */
  waits: number
  waitedMs: number
  applied: boolean
}

/** ECS's answer when too many registrations of one family race (PrefectHQ/prefect #21351): not applied. */
function isConcurrentAttempts(error: unknown): boolean {
  return errorName(error) === 'ClientException' && /too many concurrent attempts/i.test(error instanceof Error ? error.message : '')
}

/** Worth sending again as it is: the call was refused before it applied. */
function isRefusedForRate(error: unknown): boolean {
  return isThrottling(error) || isConcurrentAttempts(error)
}

const FIRST_WAIT_MS = 1_000
const MAX_WAIT_MS = 15_000

/** The SDK's own retries of one call (`$metadata.attempts` − 1), on an answer or an error. */
function sdkRetries(answerOrError: unknown): number {
  const attempts = (answerOrError as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts
  return typeof attempts === 'number' && attempts > 1 ? attempts - 1 : 0
}

/**
 * Sends a mutating call, again after a throttled or "too many concurrent attempts" answer, with exponential back-off
 * (1 s doubling to 15 s, with jitter) while the next attempt can start before `until` (epoch ms). `onRetried` hears
 * how it went whenever it waited at all.
 */
export async function mutate<T>(operation: string, send: () => Promise<T>, until: number, onRetried?: (retried: Retried) => void): Promise<T> {
  let waits = 0
  const started = Date.now()
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await send()
      waits += sdkRetries(answer)
      if (waits > 0) onRetried?.({ operation, waits, waitedMs: Date.now() - started, applied: true })
      return answer
    } catch (error) {
      waits += sdkRetries(error)
      const wait = Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** attempt) * (0.75 + Math.random() / 2)
      if (!isRefusedForRate(error) || Date.now() + wait >= until) {
        if (waits > 0 && isRefusedForRate(error)) onRetried?.({ operation, waits, waitedMs: Date.now() - started, applied: false })
        throw error
      }
      await new Promise((resolve) => setTimeout(resolve, wait))
      waits++
    }
  }
}

/** One line for the log: how many times a mutating call waited, and whether it then applied. */
export function retriedLine(r: Retried): string {
  const times = `${r.waits} time${r.waits === 1 ? '' : 's'}`
  const seconds = `${Math.round(r.waitedMs / 100) / 10} s`
  return r.applied
    ? `${r.operation} was throttled: it waited ${times} (${seconds} in all), then AWS applied it.`
    : `${r.operation} was still throttled when its time ran out: it waited ${times} (${seconds} in all) and was not applied.`
}
