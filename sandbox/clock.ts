import type { SimClock } from './types.js'

/**
 * Simulated epoch ms = start + offset + wall time elapsed × timeScale.
 * timeScale 0 is a manual clock: it moves only through `advance`.
 */
export class Clock implements SimClock {
  private offsetMs = 0
  private readonly wallStart: number

  constructor(
    readonly timeScale: number,
    private readonly startMs: number = Date.now(),
    private readonly wallNow: () => number = Date.now,
  ) {
    if (!Number.isFinite(timeScale) || timeScale < 0) throw new Error(`timeScale must be a number >= 0, got ${timeScale}`)
    this.wallStart = wallNow()
  }

  now(): number {
    return Math.floor(this.startMs + this.offsetMs + (this.wallNow() - this.wallStart) * this.timeScale)
  }

  /** Jump simulated time forward (never back). */
  advance(seconds: number): number {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`advance needs seconds >= 0, got ${seconds}`)
    this.offsetMs += seconds * 1000
    return this.now()
  }
}
