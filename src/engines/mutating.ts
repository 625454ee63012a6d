// Mutating calls as every engine sends them: through the one retry policy (aws/mutate.ts), with a line in the log
// saying how many times the call waited.
import { mutate, retriedLine } from '../aws/mutate.js'
import type { Timeline } from '../core/timeline.js'

/** `send` through the retry policy until `until` (epoch ms); its waits go to the timeline as a warning. */
export function sendMutating<T>(timeline: Timeline, operation: string, send: () => Promise<T>, until: number): Promise<T> {
  return mutate(operation, send, until, (retried) => timeline.emit({ type: 'warning', at: new Date(), message: retriedLine(retried) }))
}
