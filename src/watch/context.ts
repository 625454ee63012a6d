// One engine run's context, passed to everything that calls AWS for it: the run's call budget and clock (the shared
// Poller), the deadline of the loop it is in (every call is aborted then), the release's stop (another service
// failed), and its own tally of throttled and unanswered calls. Services of a release run at once, each with its own
// context on the one Poller; within one engine run loops follow each other, so the bound is a plain field.
import { Poller, type CallOptions, type Clock, type PacingOptions, type PollOptions } from './poller.js'

export class RunContext {
  /** ThrottlingException answers that survived the SDK's retries, met by this run's loops. */
  throttled = 0
  /** The call that did not answer on the last look of the run's last loop (`DescribeServices did not answer …`). */
  unanswered?: string
  private bound = Number.POSITIVE_INFINITY

  constructor(
    readonly poller: Poller,
    /** Several services, one release: fires when another service failed. */
    private readonly stop?: AbortSignal,
  ) {}

  get clock(): Clock {
    return this.poller.clock
  }

  get pacing(): PacingOptions {
    return this.poller.pacing
  }

  /** One AWS call within the run's budget, aborted at the deadline of the loop this context is in. */
  call<T>(send: (options: CallOptions) => Promise<T>): Promise<T> {
    return this.poller.call(send, this.bound)
  }

  /** Runs `fn` with every call made through this context aborted at `deadline`; the outer bound is back after it. */
  async within<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
    const outer = this.bound
    this.bound = deadline
    try {
      return await fn()
    } finally {
      this.bound = outer
    }
  }

  /** The release's stop while it has not fired: a loop starting now is ended by it. A loop started after it fired (the
   * run's own rollback) runs as usual. */
  pendingStop(): AbortSignal | undefined {
    return this.stop && !this.stop.aborted ? this.stop : undefined
  }

  /** Why the release stopped this run; undefined while it has not. */
  stopped(): string | undefined {
    return this.stop?.aborted ? String(this.stop.reason) : undefined
  }
}

/** A run's context, or one of its own on a new Poller (tests and one-off callers hand options instead). */
export function contextOf(given: RunContext | PollOptions): RunContext {
  return given instanceof RunContext ? given : new RunContext(new Poller(given))
}
