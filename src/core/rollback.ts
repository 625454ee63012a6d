// Whether the action rolls a deployment back itself, and why: one rule for every engine, from its facts.
import type { ActionRollback, DeploymentFacts } from './facts.js'
import { failedOneOff } from './one-off.js'

/**
 * What went wrong that the action would roll back for, whatever `rollback` says; undefined when nothing did, or when
 * ECS already rolled back or someone else's deployment took over (that one is followed, not fought).
 */
export function trouble(facts: DeploymentFacts): ActionRollback['trigger'] | undefined {
  if (!facts.deploymentId) return undefined
  if (facts.kind !== 'codedeploy' && (facts.ecsRollback || facts.supersededBy)) return undefined
  if (facts.failFast) return 'fail-fast'
  if (failedOneOff(facts.oneOffTasks, 'post-deploy')) return 'post-deploy'
  if (facts.analysis?.mode === 'rollback' && facts.analysis.verdict?.result === 'fail') return 'analysis'
  if (facts.bake?.fired) return 'bake-alarm'
  if (facts.bake?.unreadable) return 'bake-unverified'
  if (facts.stopped) return 'release'
  if (facts.timedOut) return 'timeout'
  return undefined
}

/** The action's own rollback trigger: the trouble, when `rollback` is on-failure. */
export function rollbackTrigger(facts: DeploymentFacts): ActionRollback['trigger'] | undefined {
  return facts.rollbackPolicy === 'on-failure' ? trouble(facts) : undefined
}
