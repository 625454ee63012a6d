// One lifecycle for every engine: open the facts, prepare, register, start, watch, bake, let core/rollback.ts say
// whether the action rolls back, roll back, close the facts. An engine brings its steps (a Deployer); none of them
// decides the outcome (src/core/outcome.ts does). AWS errors end a run as facts (`error`), not throws, so the outcome,
// diagnosis and reports still happen.
import type { Clients } from '../aws/clients.js'
import type { ActionRollback, CommonFacts, DeploymentFacts } from '../core/facts.js'
import { passed, type OneOffTask } from '../core/one-off.js'
import { bakeWindow } from '../core/facts-view.js'
import type { DeployPlan } from '../core/plan.js'
import { rollbackTrigger, trouble } from '../core/rollback.js'
import type { Timeline } from '../core/timeline.js'
import { imageOf } from '../render/task-definition.js'
import type { OneOffStep } from '../tasks/run.js'
import { CanaryAnalysis } from '../watch/analysis.js'
import { bakeInto } from '../watch/bake.js'
import { RunContext } from '../watch/context.js'
import { Poller } from '../watch/poller.js'
import type { EngineOptions } from './contract.js'
import { registerTaskDefinition, rollbackWhy } from './register.js'

/** How an engine's watch ended: traffic is on the new revision (`live`), the deployment ended otherwise (the facts say
 * how), a fail fast, the deadline (`timeout`), the release's stop (`stopped`), or it waits for approval (`paused`). */
export type Watched = 'live' | 'ended' | 'fail-fast' | 'timeout' | 'stopped' | 'paused'

/** The start of the action's rollback, in the engine's words. */
export interface RollbackStart {
  /** The rollback phase's detail. */
  detail: string
  from: string
  to: string
  /** Why, when the deadline came. */
  late: string
}

/** One engine's steps for one deployment; each records what it saw into the run's facts. */
export interface Deployer {
  /** Before anything is registered; false when the facts say why the run stops. */
  prepare?(): Promise<boolean>
  /** Starts the deployment of the registered revision; false when `facts.error` says why it could not. */
  start(taskDefinitionArn: string): Promise<boolean>
  /** Watches until `deadline`; an error it cannot go on from is recorded as `facts.error`. An engine whose revisions
   * take production traffic side by side has `analysis` look on its watch's looks. */
  watch(deadline: number, analysis: CanaryAnalysis): Promise<Watched>
  /** The action bakes once traffic is live (ECS-native deployments bake inside ECS). */
  bakes: boolean
  rollbackStart(): RollbackStart
  /** Rolls back and watches the rollback, filling in `rollback` (already on the facts). */
  rollBack(rollback: ActionRollback): Promise<void>
  /** After a live deployment that needed no rollback: a last look. */
  settle?(): Promise<void>
}

/** The engine run's context: the orchestrator's, or one of its own for a test's clock. */
export function runContextOf(options: EngineOptions): RunContext {
  return options.run ?? new RunContext(new Poller(options.watch))
}

/** The facts of a run that is about to start, before anything is known of it (each engine adds its kind). */
export function startFacts(plan: DeployPlan, run: RunContext, engine: string): CommonFacts {
  return {
    cluster: plan.cluster,
    service: plan.service,
    engine,
    alarms: plan.alarms,
    rollbackPolicy: plan.rollback,
    previousTaskDefinitionArn: plan.previousTaskDefinitionArn,
    image: plan.image ?? imageOf(plan.taskDefinition),
    startedAt: new Date(run.clock.now()),
    waited: plan.wait,
    timedOut: false,
    stoppedTasks: [],
    throttled: 0,
  }
}

/** Runs `deployer` through the lifecycle; the facts, closed with what the run's context counted and the end time. */
export async function runLifecycle<F extends DeploymentFacts>(
  clients: Clients,
  plan: DeployPlan,
  timeline: Timeline,
  run: RunContext,
  facts: F,
  options: EngineOptions,
  deployer: Deployer,
): Promise<F> {
  options.onFacts?.(facts)
  await lifecycle(clients, plan, timeline, run, facts, deployer, options)
  facts.throttled = run.throttled
  if (run.unanswered) facts.unanswered = run.unanswered
  facts.finishedAt = new Date(run.clock.now())
  return facts
}

async function lifecycle(
  clients: Clients,
  plan: DeployPlan,
  timeline: Timeline,
  run: RunContext,
  facts: DeploymentFacts,
  deployer: Deployer,
  options: EngineOptions,
): Promise<void> {
  const at = () => new Date(run.clock.now())
  if (deployer.prepare && !(await deployer.prepare())) return
  const taskDefinitionArn = await registerTaskDefinition(clients, plan, facts, timeline, at)
  const oneOff = (step: EngineOptions['beforeStart']) => runOneOffStep(step, { taskDefinitionArn: taskDefinitionArn!, facts, run, timeline, deadline: plan.deadline })
  if (!taskDefinitionArn || !(await oneOff(options.beforeStart)) || !(await deployer.start(taskDefinitionArn)) || !plan.wait) return
  const analysis = new CanaryAnalysis(clients, run, timeline, plan.analysis, facts)
  const watched = await deployer.watch(plan.deadline, analysis)
  if (facts.error) return
  if (watched === 'timeout') facts.timedOut = true
  if (watched === 'stopped') facts.stopped = run.stopped()
  const smoke = watched !== 'live' || (await oneOff(options.afterLive))
  const analyse = () => analysis.bakeLook(bakeWindow(facts))
  if (smoke && watched === 'live' && deployer.bakes && plan.bakeTimeMs > 0 && !(await bakeInto(clients, facts, plan, timeline, run, analyse))) return
  analysis.finish()
  const trigger = rollbackTrigger(facts)
  if (trigger) await rollBack(facts, trigger, timeline, at, deployer)
  else if (watched === 'live' && !trouble(facts)) await deployer.settle?.()
}

/** A one-off task at a point of the lifecycle, recorded on the facts from its start (a cancel stops it); whether it
 * passed. No step: nothing to run. */
async function runOneOffStep(step: EngineOptions['beforeStart'], given: Omit<OneOffStep, 'onStarted'>): Promise<boolean> {
  if (!step) return true
  const { facts } = given
  const record = (task: OneOffTask) => {
    if (!facts.oneOffTasks?.includes(task)) facts.oneOffTasks = [...(facts.oneOffTasks ?? []), task]
  }
  const task = await step({ ...given, onStarted: record })
  record(task)
  return passed(task)
}

async function rollBack(facts: DeploymentFacts, trigger: ActionRollback['trigger'], timeline: Timeline, at: () => Date, deployer: Deployer): Promise<void> {
  const start = deployer.rollbackStart()
  const rollback: ActionRollback = { trigger, toTaskDefinitionArn: facts.previousTaskDefinitionArn ?? '', completed: false }
  facts.actionRollback = rollback
  timeline.emit({ type: 'phase', at: at(), phase: 'rollback', detail: start.detail })
  timeline.emit({ type: 'rollback', at: at(), from: start.from, to: start.to, reason: rollbackWhy(facts, trigger, start.late), by: 'action' })
  await deployer.rollBack(rollback)
}
