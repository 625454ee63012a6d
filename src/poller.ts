// Poll pacing shared by the watcher and the bake: an adaptive interval (fast right after a change, slower while
// nothing happens, backing off when AWS throttles us) and a call budget so a long rollout stays under ~30 calls
// per minute however busy it is. Clock and sleep are injected so tests run without real waiting.

export interface Clock {
  now: () => number
  sleep: (ms: number) => Promise<void>
}

export interface PollOptions extends Partial<Clock> {
  /** First and post-change interval. */
  minIntervalMs?: number
  /** Interval ceiling while nothing changes. */
  maxIntervalMs?: number
  /** Interval ceiling while throttled. */
  maxBackoffMs?: number
  /** Average call budget (all AWS calls made through `call`). */
  callsPerMinute?: number
  /** Calls that may be made back to back before the budget paces them. */
  burst?: number
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

const GROWTH = 1.5

export class Poller {
  readonly clock: Clock
  private readonly min: number
  private readonly max: number
  private readonly maxBackoff: number
  private readonly refillPerMs: number
  private readonly burst: number
  private interval: number
  private tokens: number
  private refilledAt: number
  /** Every AWS call made through this poller, for tests and the facts. */
  calls = 0
  throttled = 0

  constructor(options: PollOptions = {}) {
    this.clock = { now: options.now ?? realClock.now, sleep: options.sleep ?? realClock.sleep }
    this.min = options.minIntervalMs ?? 1000
    this.max = options.maxIntervalMs ?? 5000
    this.maxBackoff = options.maxBackoffMs ?? 20_000
    this.refillPerMs = (options.callsPerMinute ?? 30) / 60_000
    this.burst = options.burst ?? 5
    this.interval = this.min
    this.tokens = this.burst
    this.refilledAt = this.clock.now()
  }

  get intervalMs(): number {
    return this.interval
  }

  /** Something changed: look again soon. */
  changed(): void {
    this.interval = this.min
  }

  /** Nothing changed: look a little later each time. */
  unchanged(): void {
    this.interval = Math.min(this.max, Math.round(this.interval * GROWTH))
  }

  /** AWS said "Rate exceeded" (or failed transiently) even after the SDK's retries: double the interval, up to
   * the backoff ceiling. */
  backOff(throttled = true): void {
    if (throttled) this.throttled++
    this.interval = Math.min(this.maxBackoff, Math.max(this.interval * 2, this.min * 2))
  }

  /** Waits the current interval, never past the deadline. Returns false when the deadline has come. */
  async pause(deadline: number): Promise<boolean> {
    const left = deadline - this.clock.now()
    if (left <= 0) return false
    await this.clock.sleep(Math.min(this.interval, left))
    return this.clock.now() < deadline
  }

  /** Makes one AWS call within the budget, waiting for budget first when it has run out. */
  async call<T>(send: () => Promise<T>): Promise<T> {
    this.refill()
    if (this.tokens < 1) {
      await this.clock.sleep(Math.ceil((1 - this.tokens) / this.refillPerMs))
      this.refill()
    }
    this.tokens -= 1
    this.calls++
    return send()
  }

  private refill(): void {
    const now = this.clock.now()
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.refillPerMs)
    this.refilledAt = now
  }
}

/** The error names the SDK itself treats as throttling (see aws-api.md §1). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ThrottledException',
  'LimitExceededException',
])

export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  return THROTTLING.has(error.name) || status === 429
}

/** 5xx and dropped connections: worth another look after a pause, unlike a 4xx that says we asked wrongly. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  if (status !== undefined) return status >= 500
  return /ECONNRESET|ECONNREFUSED|socket hang up|EPIPE|ETIMEDOUT|TimeoutError/i.test(`${error.name} ${error.message}`)
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message
  return String(error)
}
