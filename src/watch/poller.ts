// The run's AWS call budget and clock, shared by every loop of the run (the watch, the bake, a rollback, the wait for
// a deployment in progress), and the pacing each loop keeps: fast right after a change, slower while nothing happens,
// backing off when AWS throttles us. Clock and sleep are injected so tests run without real waiting.
import { AsyncLocalStorage } from 'node:async_hooks'

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

/** What the loops of one engine met (see `Poller.counting`). */
interface Tally {
  throttled: number
  unanswered?: string
}

export class Poller {
  readonly clock: Clock
  /** Pacing options every loop starts from unless it brings its own (tests shorten them). */
  readonly pacing: PacingOptions
  private readonly refillPerMs: number
  private readonly burst: number
  private tokens: number
  private refilledAt: number
  /** Where the loop of the current async context must stop: a call in flight is aborted then. */
  private readonly bounds = new AsyncLocalStorage<number>()
  /** A release's stop for the engine of the current async context (see `stoppable`). */
  private readonly stops = new AsyncLocalStorage<AbortSignal>()
  /** The tally of the engine of the current async context (see `counting`); `own` outside any. */
  private readonly tallies = new AsyncLocalStorage<Tally>()
  private readonly own: Tally = { throttled: 0 }
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

  /**
   * Runs `fn` with every call it makes through this poller aborted at `deadline` (epoch ms on this poller's clock).
   * The bound follows the async context, not the poller: loops running at once (the services of a release) each keep
   * their own, and calls after `fn` are bounded again by the enclosing loop's, or by the run's hard stop.
   */
  within<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
    return this.bounds.run(deadline, fn)
  }

  /**
   * Runs an engine that `stop` may end early (several services, one release: another service failed). Its loops that
   * are running when `stop` fires end at their next look, as at their deadline; loops it starts after that (its own
   * rollback) run as usual. The engine tells the two apart by `stopped()`.
   */
  stoppable<T>(stop: AbortSignal, fn: () => Promise<T>): Promise<T> {
    return this.stops.run(stop, fn)
  }

  /**
   * Runs an engine with a tally of its own: engines running at once on this poller (a release) share reads, so a
   * throttled read fails a look of each, and each counts it once, as its own.
   */
  counting<T>(fn: () => Promise<T>): Promise<T> {
    return this.tallies.run({ throttled: 0 }, fn)
  }

  private get tally(): Tally {
    return this.tallies.getStore() ?? this.own
  }

  /** Throttling errors that survived the SDK's retries, met by the engine of the current async context. */
  get throttled(): number {
    return this.tally.throttled
  }

  set throttled(count: number) {
    this.tally.throttled = count
  }

  /** The call that did not answer on the last look of the engine's last loop (`DescribeServices did not answer within 10 s`). */
  get unanswered(): string | undefined {
    return this.tally.unanswered
  }

  set unanswered(call: string | undefined) {
    this.tally.unanswered = call
  }

  /** Why the engine of the current async context was stopped; undefined while it was not. */
  stopped(): string | undefined {
    const stop = this.stops.getStore()
    return stop?.aborted ? String(stop.reason) : undefined
  }

  /** The stop of the current async context, when it has not fired yet (a loop starting now is ended by it). */
  pendingStop(): AbortSignal | undefined {
    const stop = this.stops.getStore()
    return stop && !stop.aborted ? stop : undefined
  }

  /** Waits `ms`, never past `deadline`. False when the deadline has come. */
  async pause(ms: number, deadline: number): Promise<boolean> {
    const left = deadline - this.clock.now()
    if (left <= 0) return false
    await this.clock.sleep(Math.min(ms, left))
    return this.clock.now() < deadline
  }

  /** Makes one AWS call within the budget, waiting for budget first when it has run out. */
  async call<T>(send: (options: CallOptions) => Promise<T>): Promise<T> {
    this.refill()
    if (this.tokens < 1) {
      await this.clock.sleep(Math.ceil((1 - this.tokens) / this.refillPerMs))
      this.refill()
    }
    this.tokens -= 1
    this.calls++
    const left = (this.bounds.getStore() ?? Number.POSITIVE_INFINITY) - this.clock.now()
    return send(Number.isFinite(left) ? { abortSignal: AbortSignal.timeout(Math.max(1, left)) } : {})
  }

  private refill(): void {
    const now = this.clock.now()
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.refillPerMs)
    this.refilledAt = now
  }
}
