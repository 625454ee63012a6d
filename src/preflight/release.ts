// Preflight of a release: every service of `service` checked before anything changes, and the problems of all of
// them reported together, so one run tells the user everything to fix.
import type { Clients } from '../aws/clients.js'
import { forService, type Inputs } from '../inputs/context.js'
import { preflight, PreflightError, type Preflight } from './preflight.js'

/** Preflights at once: each is a handful of read calls, and ECS's read limits are per account. */
const PREFLIGHT_CONCURRENCY = 3

/** Each service's preflight, in the order of `services`, or every problem any of them found. */
export async function preflightRelease(clients: Clients, inputs: Inputs): Promise<{ checked: Preflight[] } | { problems: string[] }> {
  const found = await mapLimit(inputs.services, PREFLIGHT_CONCURRENCY, async (name): Promise<{ name: string; checked?: Preflight; problems: string[] }> => {
    try {
      return { name, checked: await preflight(clients, forService(inputs, name)), problems: [] }
    } catch (error) {
      if (!(error instanceof PreflightError)) throw error
      return { name, problems: error.problems }
    }
  })
  const checked = found.flatMap((f) => (f.checked ? [f.checked] : []))
  return checked.length === found.length ? { checked } : { problems: releaseProblems(found) }
}

/** Every service's problems, each said once: one shared by all (the cluster, the image, an alarm) as it is, the rest
 * with the service they belong to. */
export function releaseProblems(found: { name: string; problems: string[] }[]): string[] {
  const everywhere = (p: string) => found.every((f) => f.problems.includes(p))
  const shared = [...new Set(found.flatMap((f) => f.problems.filter(everywhere)))]
  const own = found.flatMap((f) => f.problems.filter((p) => !everywhere(p)).map((p) => (p.includes(`\`${f.name}\``) ? p : `Service \`${f.name}\`: ${p}`)))
  return [...shared, ...own]
}

async function mapLimit<T, R>(items: T[], limit: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await each(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
