// Steps every engine shares: open the run's facts and register the rendered task definition. (A file directly
// under engines/ is shared by the engines; an engine's folder never imports another engine's folder.)
import { RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput, type TaskDefinition } from '@aws-sdk/client-ecs'
import type { Clients } from '../aws/clients.js'
import { errorText } from '../aws/errors.js'
import type { CommonFacts, DeploymentFacts } from '../core/facts.js'
import { DEFAULT_ROLLBACK_TIMEOUT_MS, type DeployPlan } from '../core/plan.js'
import type { Timeline } from '../core/timeline.js'
import { Poller, type PollOptions } from '../watch/poller.js'

/** How a test or main.ts hands an engine its spine. */
export interface EngineOptions {
  /** The run's poller (call budget and clock); tests give a clock instead. */
  poller?: Poller
  /** Pacing and clock of the watch, when no poller is given. */
  watch?: PollOptions
  /** Pacing of the bake's alarm polls. */
  bake?: PollOptions
}

export function pollerOf(options: EngineOptions): Poller {
  return options.poller ?? new Poller(options.watch)
}

/** Closes the run's facts with what the poller counted (throttling, a call left unanswered) and the end time. */
export function finisher<F extends DeploymentFacts>(facts: F, poller: Poller): () => F {
  const throttledAtStart = poller.throttled
  return () => {
    facts.throttled = poller.throttled - throttledAtStart
    if (poller.unanswered) facts.unanswered = poller.unanswered
    facts.finishedAt = new Date(poller.clock.now())
    return facts
  }
}

/** The image a task definition deploys: its first essential container's. */
function imageOf(taskDefinition: TaskDefinition | RegisterTaskDefinitionCommandInput | undefined): string | undefined {
  const containers = taskDefinition?.containerDefinitions ?? []
  return (containers.find((c) => c.essential !== false) ?? containers[0])?.image
}

/** The facts of a run that is about to start, before anything is known of it (each engine adds its kind). */
export function startFacts(plan: DeployPlan, at: () => Date, engine: string): CommonFacts {
  return {
    cluster: plan.cluster,
    service: plan.service,
    engine,
    alarms: plan.alarms,
    rollbackPolicy: plan.rollback,
    previousTaskDefinitionArn: plan.previousTaskDefinitionArn,
    image: plan.image ?? imageOf(plan.taskDefinition),
    startedAt: at(),
    waited: plan.wait,
    timedOut: false,
    stoppedTasks: [],
    throttled: 0,
  }
}

/** Registers the task definition; its ARN, or undefined with `facts.error` saying why nothing was deployed. */
export async function registerTaskDefinition(clients: Clients, plan: DeployPlan, facts: DeploymentFacts, timeline: Timeline, at: () => Date): Promise<string | undefined> {
  timeline.emit({ type: 'phase', at: at(), phase: 'register', detail: `family ${plan.taskDefinition.family}` })
  try {
    const out = await clients.ecs.send(new RegisterTaskDefinitionCommand(plan.taskDefinition))
    facts.taskDefinition = out.taskDefinition
    facts.taskDefinitionArn = out.taskDefinition?.taskDefinitionArn
    facts.image = plan.image ?? imageOf(out.taskDefinition) ?? facts.image
  } catch (error) {
    facts.error = `RegisterTaskDefinition (family ${plan.taskDefinition.family}): ${errorText(error)}`
    return undefined
  }
  if (!facts.taskDefinitionArn) facts.error = 'RegisterTaskDefinition returned no task definition ARN'
  return facts.taskDefinitionArn
}

/** Until when a rollback is watched: its own timeout, and never past the run's hard stop. */
export function rollbackDeadline(now: number, plan: DeployPlan): number {
  return Math.min(now + (plan.rollbackTimeoutMs ?? DEFAULT_ROLLBACK_TIMEOUT_MS), plan.hardStop ?? Number.POSITIVE_INFINITY)
}
