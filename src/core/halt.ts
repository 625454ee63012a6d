// A run that stopped before anything in AWS changed — bad inputs, a failed preflight or build, a deployment already
// in progress that never ended — as one value: each step returns it, and the orchestrator hands it to its one
// reporter (src/report/halt.ts).
import type { Outcome } from './timeline.js'

export interface Halt {
  halt: true
  /** `invalid inputs`, `preflight failed`, … */
  title: string
  /** One annotation each. */
  problems: string[]
  outcome: Outcome
  /** The problems may name a file and line (a task definition, an AppSpec): annotate them there. */
  located: boolean
  /** What the job summary lists, when not the problems themselves (a build's last lines). */
  summary?: string[]
}

export function halt(title: string, problems: string[], options: { outcome?: Outcome; located?: boolean; summary?: string[] } = {}): Halt {
  return { halt: true, title, problems, outcome: options.outcome ?? 'failed', located: options.located ?? true, ...(options.summary ? { summary: options.summary } : {}) }
}

export const isHalt = (value: unknown): value is Halt => typeof value === 'object' && value !== null && (value as Partial<Halt>).halt === true
