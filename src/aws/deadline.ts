// The run's hard stop. Every AWS call carries its signal (src/aws/clients.ts), so whatever AWS does — no answer, half
// an answer, a reset — no call outlives it, and the run still ends with an outcome and its reports.

/** How long after the deployment's `timeout` calls are aborted: what is left of the 60 s the run may overrun goes to
 * the outcome, the diagnosis's last look and the reports. */
export const HARD_STOP_AFTER_TIMEOUT_MS = 45_000

export class Deadline {
  private controller = new AbortController()
  private timer?: NodeJS.Timeout
  private at = Number.POSITIVE_INFINITY

  /** Aborted when the hard stop has come. */
  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** Epoch ms of the hard stop (Infinity until set). */
  get hardStop(): number {
    return this.at
  }

  /** Sets (or moves) the hard stop. Moving it re-arms calls made from now on; an aborted signal stays aborted. */
  stopAt(epochMs: number): void {
    if (this.timer) clearTimeout(this.timer)
    if (this.controller.signal.aborted) this.controller = new AbortController()
    this.at = epochMs
    this.timer = setTimeout(() => this.controller.abort(), Math.max(0, epochMs - Date.now()))
    // The hard stop must never keep the process alive on its own.
    this.timer.unref()
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer)
    this.at = Number.POSITIVE_INFINITY
  }
}
