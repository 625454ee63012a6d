// The first step every engine shares: open the run's facts and register the rendered task definition.
import { RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput, type TaskDefinition } from '@aws-sdk/client-ecs'
import type { Clients } from './aws-clients.js'
import type { RollingPlan } from './deploy-rolling.js'
import type { DeploymentFacts } from './facts.js'
import { errorText } from './poller.js'
import type { Timeline } from './timeline.js'

/** `web:42` from a task definition ARN, or `fallback` when there is none. */
export function revisionOf(arn: string | undefined, fallback: string): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : fallback
}

/** The image a task definition deploys: its first essential container's. */
export function imageOf(taskDefinition: TaskDefinition | RegisterTaskDefinitionCommandInput | undefined): string | undefined {
  const containers = taskDefinition?.containerDefinitions ?? []
  return (containers.find((c) => c.essential !== false) ?? containers[0])?.image
}

/** The facts of a run that is about to start, before anything is known of it. */
export function startFacts(plan: RollingPlan, at: () => Date, engine?: string): DeploymentFacts {
  return {
    cluster: plan.cluster,
    service: plan.service,
    ...(engine ? { engine } : {}),
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
export async function registerTaskDefinition(
  clients: Clients,
  plan: RollingPlan,
  facts: DeploymentFacts,
  timeline: Timeline,
  at: () => Date,
): Promise<string | undefined> {
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
