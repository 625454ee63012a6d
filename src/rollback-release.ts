// Several services, one release, one failed: the services that had succeeded are deployed back to the task
// definition they ran before, so the release lands everywhere or nowhere.
import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs'
import { revisionOf } from './aws/arn.js'
import type { Clients } from './aws/clients.js'
import { decideOutcome } from './core/outcome.js'
import type { DeployPlan } from './core/plan.js'
import { landed } from './core/release.js'
import type { Timeline } from './core/timeline.js'
import { engineFor } from './engines/index.js'
import { rollbackDeadline } from './engines/register.js'
import type { Member } from './steps.js'
import { RunContext } from './watch/context.js'
import type { Poller } from './watch/poller.js'

/** When a service failed on its own (not stopped by the release), rolls back every service that succeeded. */
export async function rollBackLanded(clients: Clients, members: Member[], timeline: Timeline, poller: Poller): Promise<void> {
  const failed = members.filter((m) => !landed(m.decision!) && !m.facts?.stopped)
  const back = failed.length > 0 ? members.filter((m) => m.decision?.outcome === 'succeeded') : []
  if (back.length === 0) return
  timeline.emit({ type: 'phase', at: new Date(), phase: 'rollback', detail: `${back.map((m) => m.name).join(', ')}, as ${failed.map((m) => m.name).join(', ')} failed` })
  await Promise.all(back.map((m) => rollBack(clients, m, failed, poller)))
}

/**
 * Deploys the task definition the service ran before, as it is, and watches it to the end: no alarms (one may be in
 * ALARM for the other service's failure), no bake, no fail fast, and no rollback of the rollback (the circuit breaker
 * would go back to the new release, ECS's last completed deployment).
 */
async function rollBack(clients: Clients, m: Member, failed: Member[], poller: Poller): Promise<void> {
  const plan = m.plan!
  const facts = m.facts!
  const previous = { ...(m.checked.previousTaskDefinition ?? {}), taskDefinitionArn: m.checked.currentTaskDefinitionArn } as TaskDefinition
  const why = `${failed.map((f) => f.name).join(', ')} failed`
  m.timeline.emit({ type: 'phase', at: new Date(), phase: 'rollback', detail: `${why}: back to ${revisionOf(previous.taskDefinitionArn, '?')}` })
  m.timeline.emit({
    type: 'rollback',
    at: new Date(),
    from: facts.taskDefinitionArn ?? '',
    to: previous.taskDefinitionArn ?? '',
    reason: `the release failed (${why})`,
    by: 'action',
  })
  const back: DeployPlan = {
    ...plan,
    taskDefinition: previous as RegisterTaskDefinitionCommandInput,
    existingTaskDefinition: previous,
    previousTaskDefinitionArn: facts.taskDefinitionArn ?? plan.previousTaskDefinitionArn,
    alarms: [],
    alarmsFiringAtStart: [],
    maxTaskFailures: 0,
    rollback: 'never',
    bakeTimeMs: 0,
    wait: true,
    deadline: rollbackDeadline(Date.now(), plan),
    desiredCount: undefined,
    forceNewDeployment: undefined,
    image: undefined,
  }
  const backFacts = await engineFor(m.checked.engine).run(clients, { ...back, engine: m.checked.engine }, m.timeline, { run: new RunContext(poller) })
  m.rolledBack = { facts: backFacts, decision: decideOutcome(backFacts) }
}
