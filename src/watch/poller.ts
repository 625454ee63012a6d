// The run's AWS call budget and clock, shared by every loop of the run (the watch, the bake, a rollback, the wait for
// a deployment in progress), and the pacing each loop keeps: fast right after a change, slower while nothing happens,
// backing off when AWS throttles us. Clock and sleep are injected so tests run without real waiting. What belongs to
// one engine run (its deadline, its stop, its tally) is in ./context.ts.
export interface Clock {
  now: () => number
  sleep: (ms: number) => Promise<void>
}

export interface PacingOptions {
  /** First and post-change interval. */
  minIntervalMs?: number
  /** Interval ceiling while nothing changes. */
  maxIntervalMs?: number
  /** Interval ceiling while throttled. */
  maxBackoffMs?: number
}

export interface PollOptions extends Partial<Clock>, PacingOptions {
  /** Average call budget (all AWS calls made through `call`). */
  callsPerMinute?: number
  /** Calls that may be made back to back before the budget paces them. */
  burst?: number
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

const GROWTH = 1.5

/** One loop's interval: 1 s → ×1.5 → 5 s while nothing changes, back to 1 s on a change, doubled on throttling. */
export class Pacing {
  private readonly min: number
  private readonly max: number
  private readonly maxBackoff: number
  private interval: number

  constructor(options: PacingOptions = {}) {
    this.min = options.minIntervalMs ?? 1000
    this.max = options.maxIntervalMs ?? 5000
    this.maxBackoff = options.maxBackoffMs ?? 20_000
    this.interval = this.min
  }

  get intervalMs(): number {
    return this.interval
  }

  changed(): void {
    this.interval = this.min
  }

  unchanged(): void {
    this.interval = Math.min(this.max, Math.round(this.interval * GROWTH))
  }

  /** AWS said "Rate exceeded" (or failed transiently) even after the SDK's retries. */
  backOff(): void {
    this.interval = Math.min(this.maxBackoff, Math.max(this.interval * 2, this.min * 2))
  }
}

/** Passed to every budgeted call: the loop's deadline as an abort signal, so a call in flight ends with the loop. */
export interface CallOptions {
  abortSignal?: AbortSignal
}

export class Poller {
  readonly clock: Clock
  /** Pacing options every loop starts from unless it brings its own (tests shorten them). */
  readonly pacing: PacingOptions
  private readonly refillPerMs: number
  private readonly burst: number
  private tokens: number
  private refilledAt: number
  /** Every AWS call made through this poller. */
  calls = 0

  constructor(options: PollOptions = {}) {
    this.clock = { now: options.now ?? realClock.now, sleep: options.sleep ?? realClock.sleep }
    this.pacing = { minIntervalMs: options.minIntervalMs, maxIntervalMs: options.maxIntervalMs, maxBackoffMs: options.maxBackoffMs }
    this.refillPerMs = (options.callsPerMinute ?? 30) / 60_000
    this.burst = options.burst ?? 5
    this.tokens = this.burst
    this.refilledAt = this.clock.now()
  }

  /** Waits `ms`, never past `deadline`. False when the deadline has come. */
  async pause(ms: number, deadline: number): Promise<boolean> {
    const left = deadline - this.clock.now()
    if (left <= 0) return false
    await this.clock.sleep(Math.min(ms, left))
    return this.clock.now() < deadline
  }

  /** Makes one AWS call within the budget, waiting for budget first when it has run out; aborted at `bound` (epoch
   * ms on this poller's clock), the deadline of the loop that makes it. */
  async call<T>(send: (options: CallOptions) => Promise<T>, bound = Number.POSITIVE_INFINITY): Promise<T> {
    this.refill()
    if (this.tokens < 1) {
      await this.clock.sleep(Math.ceil((1 - this.tokens) / this.refillPerMs))
      this.refill()
    }
    this.tokens -= 1
    this.calls++
    const left = bound - this.clock.now()
    return send(Number.isFinite(left) ? { abortSignal: AbortSignal.timeout(Math.max(1, left)) } : {})
  }

  private refill(): void {
    const now = this.clock.now()
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.refillPerMs)
    this.refilledAt = now
  }
}
