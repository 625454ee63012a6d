// Steps every engine shares: register the rendered task definition, say why the action rolls back, and bound a rollback. (A file directly
// under engines/ is shared by the engines; an engine's folder never imports another engine's folder.)
import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput, type TaskDefinition } from '@aws-sdk/client-ecs'
import { revisionOf } from '../aws/arn.js'
import type { Clients } from '../aws/clients.js'
import { errorText, isThrottling, isTransient } from '../aws/errors.js'
import type { ActionRollback, DeploymentFacts } from '../core/facts.js'
import { describeOneOff, failedOneOff } from '../core/one-off.js'
import { DEFAULT_ROLLBACK_TIMEOUT_MS, type DeployPlan } from '../core/plan.js'
import type { Timeline } from '../core/timeline.js'
import { imageOf } from '../render/task-definition.js'
import { sendMutating } from './mutating.js'

/** Attempts at RegisterTaskDefinition, each after looking whether the one before had applied. */
const REGISTER_ATTEMPTS = 4
/** A revision registered this long before our attempt began is someone else's. */
const CLOCK_SKEW_MS = 5_000

/**
 * Registers the task definition once: its ARN, or undefined with `facts.error` saying why nothing was deployed.
 * RegisterTaskDefinition is not idempotent, so the SDK does not retry it (clients.ecsOnce); when an answer is lost the
 * family's newest revision tells whether it applied — registered since our attempt began, with our containers'
 * images — and it is adopted instead of registering a second revision.
 */
export async function registerTaskDefinition(clients: Clients, plan: DeployPlan, facts: DeploymentFacts, timeline: Timeline, at: () => Date): Promise<string | undefined> {
  const existing = plan.existingTaskDefinition
  if (existing?.taskDefinitionArn) {
    // Deployed as it is: a rollback or a named revision is never registered again.
    timeline.emit({ type: 'phase', at: at(), phase: 'register', detail: `${revisionOf(existing.taskDefinitionArn, '?')} as it is (nothing registered)` })
    facts.taskDefinition = existing
    facts.taskDefinitionArn = existing.taskDefinitionArn
    facts.image = plan.image ?? imageOf(existing) ?? facts.image
    return facts.taskDefinitionArn
  }
  const family = plan.taskDefinition.family
  timeline.emit({ type: 'phase', at: at(), phase: 'register', detail: `family ${family}` })
  const ecs = clients.ecsOnce ?? clients.ecs
  let registered: TaskDefinition | undefined
  for (let attempt = 1; !registered; attempt++) {
    const began = Date.now()
    try {
      const input = plan.taskDefinition
      registered = (await sendMutating(timeline, 'RegisterTaskDefinition', () => ecs.send(new RegisterTaskDefinitionCommand(input)), plan.deadline)).taskDefinition
      if (!registered) break
    } catch (error) {
      // Throttling was retried until the deadline (sendMutating); a transient error may have applied.
      const retryable = isTransient(error) && !isThrottling(error)
      if (retryable) {
        registered = await appliedRegistration(clients, plan.taskDefinition, began)
        if (registered) {
          timeline.emit({
            type: 'warning',
            at: at(),
            message: `RegisterTaskDefinition's answer was lost (${errorText(error)}), but ECS registered ${registered.taskDefinitionArn}: deploying it.`,
          })
          break
        }
      }
      if (!retryable || attempt >= REGISTER_ATTEMPTS) {
        facts.error = `RegisterTaskDefinition (family ${family}): ${errorText(error)}`
        return undefined
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt))
    }
  }
  facts.taskDefinition = registered
  facts.taskDefinitionArn = registered?.taskDefinitionArn
  facts.image = plan.image ?? imageOf(registered) ?? facts.image
  if (!facts.taskDefinitionArn) facts.error = 'RegisterTaskDefinition returned no task definition ARN'
  return facts.taskDefinitionArn
}

/** The family's newest revision when it is the one `input` registered since `began` (epoch ms), else undefined. */
async function appliedRegistration(clients: Clients, input: RegisterTaskDefinitionCommandInput, began: number): Promise<TaskDefinition | undefined> {
  const out = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: input.family })).catch(() => undefined)
  const latest = out?.taskDefinition
  if (!latest?.registeredAt || latest.registeredAt.getTime() < began - CLOCK_SKEW_MS) return undefined
  const images = (defs: { name?: string; image?: string }[] | undefined) => JSON.stringify((defs ?? []).map((c) => [c.name, c.image]).sort())
  return images(latest.containerDefinitions) === images(input.containerDefinitions) ? latest : undefined
}

/** Why the action rolls back, in words; `late` says how the deadline came, as the engine sees it. */
export function rollbackWhy(facts: DeploymentFacts, trigger: ActionRollback['trigger'], late: string): string {
  switch (trigger) {
    case 'bake-alarm':
      return `alarm ${facts.bake?.fired?.name} went to ALARM during the bake`
    case 'bake-unverified':
      return `the bake could not read its alarms (${facts.bake?.unreadable}), so nothing verified the release`
    case 'fail-fast':
      return facts.failFast ?? 'new tasks crash-looped'
    case 'release':
      return facts.stopped ?? 'another service of the release failed'
    case 'analysis':
      return `the canary analysis failed the new revision: ${facts.analysis?.verdict?.reason ?? 'unknown'}`
    case 'timeout':
      return late
    case 'post-deploy':
      return describeOneOff(failedOneOff(facts.oneOffTasks, 'post-deploy')!)
  }
}

/** Until when a rollback is watched: its own timeout, and never past the run's hard stop. */
export function rollbackDeadline(now: number, plan: DeployPlan): number {
  return Math.min(now + (plan.rollbackTimeoutMs ?? DEFAULT_ROLLBACK_TIMEOUT_MS), plan.hardStop ?? Number.POSITIVE_INFINITY)
}
