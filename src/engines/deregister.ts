// `keep-revisions: N`: after a successful deployment, deregister the family's ACTIVE revisions beyond the newest N,
// never one that is protected (the running one, the one it replaced, a rollback target). Deregistering is the only
// change; a failure to deregister is a warning, never a failed deployment (the deployment already succeeded).
import { DeregisterTaskDefinitionCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs'
import { familyOf, revisionOf } from '../aws/arn.js'
import type { Clients } from '../aws/clients.js'
import { errorText } from '../aws/errors.js'
import { mutate, retriedLine } from '../aws/mutate.js'

export interface Pruned {
  family: string
  deregistered: string[]
  kept: string[]
  /** What could not be listed or deregistered. */
  problems: string[]
  /** Deregistrations that were throttled, and how many times each waited. */
  retried: string[]
}

/** Never more per run: a family with thousands of revisions is trimmed over several deployments. */
const MAX_PER_RUN = 50
/** How long a throttled deregistration is retried: tidying never holds the run up for long. */
const RETRY_FOR_MS = 30_000

const revisionNumber = (arn: string): number => Number(arn.slice(arn.lastIndexOf(':') + 1))

/** The revisions of `family` to deregister: ACTIVE ones beyond the newest `keep`, none of `protect`. */
export function toDeregister(active: string[], keep: number, protect: string[]): string[] {
  const newestFirst = [...active].sort((a, b) => revisionNumber(b) - revisionNumber(a))
  return newestFirst.slice(keep).filter((arn) => !protect.includes(arn))
}

export async function pruneRevisions(clients: Clients, runningArn: string, keep: number, protect: string[]): Promise<Pruned> {
  const family = familyOf(runningArn)
  const result: Pruned = { family, deregistered: [], kept: [], problems: [], retried: [] }
  const active: string[] = []
  try {
    let nextToken: string | undefined
    do {
      const out = await clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken }))
      active.push(...(out.taskDefinitionArns ?? []).filter((arn) => familyOf(arn) === family))
      nextToken = out.nextToken
    } while (nextToken)
  } catch (error) {
    result.problems.push(`ECS ListTaskDefinitions (family ${family}): ${errorText(error)}`)
    return result
  }
  const guarded = [runningArn, ...protect]
  const doomed = toDeregister(active, keep, guarded).slice(0, MAX_PER_RUN)
  result.kept = active.filter((arn) => !doomed.includes(arn)).map((arn) => revisionOf(arn, arn))
  for (const arn of doomed) {
    try {
      const until = Math.min(Date.now() + RETRY_FOR_MS, clients.deadline?.hardStop ?? Number.POSITIVE_INFINITY)
      await mutate(
        'DeregisterTaskDefinition',
        () => clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })),
        until,
        (r) => result.retried.push(retriedLine(r)),
      )
      result.deregistered.push(revisionOf(arn, arn))
    } catch (error) {
      result.problems.push(`ECS DeregisterTaskDefinition ${revisionOf(arn, arn)}: ${errorText(error)}`)
    }
  }
  return result
}

/** One line for the log and the summary. */
export function prunedLine(pruned: Pruned, keep: number): string {
  const what =
    pruned.deregistered.length > 0
      ? `deregistered ${pruned.deregistered.length} old ${pruned.deregistered.length === 1 ? 'revision' : 'revisions'} of ${pruned.family}: ${pruned.deregistered.join(', ')}`
      : `no revision of ${pruned.family} to deregister`
  return `keep-revisions ${keep}: ${what}; ACTIVE now: ${pruned.kept.join(', ') || 'none'}.`
}
