// The contract every engine implements (the way actions/setup-node keeps a base and one folder per distribution):
// the orchestrator, preflight, the post step and `rollback-to` call an engine only through it, and never ask which
// engine it is. Each engine's folder exports one `EngineDefinition`; ./index.ts lists them by kind.
import type { RegisterTaskDefinitionCommandInput, Service } from '@aws-sdk/client-ecs'
import type { Clients } from '../aws/clients.js'
import type { DeploymentFacts } from '../core/facts.js'
import type { OneOffTask } from '../core/one-off.js'
import type { History } from '../core/history.js'
import type { DeployPlan, Engine } from '../core/plan.js'
import type { Timeline } from '../core/timeline.js'
import type { ServiceInputs } from '../inputs/context.js'
import type { InFlight } from '../state-helper.js'
import type { OneOffStep } from '../tasks/run.js'
import type { RunContext } from '../watch/context.js'
import type { PollOptions } from '../watch/poller.js'

/** What an engine's preflight check looks at (read-only). */
export interface CheckSubject<E extends Engine> {
  inputs: ServiceInputs
  service: Service
  engine: E
  /** The rendered task definition, when it could be rendered. */
  taskDefinition?: RegisterTaskDefinitionCommandInput
  /** ` in us-east-1`, for messages. */
  inRegion: string
}

/** An engine's check: its problems, and the engine with what the check found (none when it could not be checked). */
export interface Checked<C> {
  engine?: C
  problems: string[]
}

/** How a test or the orchestrator hands an engine its spine. */
export interface EngineOptions {
  /** The engine run's context (call budget, clock, deadline, the release's stop, tallies); tests give a clock instead. */
  run?: RunContext
  /** Pacing and clock of the watch, when no context is given. */
  watch?: PollOptions
  /** Handed the run's facts as soon as they exist, so a cancel can say what was in flight. */
  onFacts?: (facts: DeploymentFacts) => void
  /** One-off tasks the orchestrator runs (src/tasks/), which engines never see: after the revision is registered and
   * before it starts, and once traffic is live before the bake. A task that did not pass stops the lifecycle there. */
  beforeStart?: (step: OneOffStep) => Promise<OneOffTask>
  afterLive?: (step: OneOffStep) => Promise<OneOffTask>
}

/** What the post step's look after a cancel answers. */
export interface AfterCancel {
  /** Where the deployment stood, in words. */
  where: string
  /** It had ended (completed, failed or rolled back) before the post step looked. */
  finished: boolean
  /** The rollback the post step asked for, in words. */
  rolledBack?: string
}

/** One engine: `E` is the engine as chosen (core/plan.ts), `C` as its check left it (what its run needs). */
export interface EngineDefinition<E extends Engine = Engine, C extends E = E> {
  kind: E['kind']
  /** Preflight's part of this engine (read-only). */
  check(clients: Clients, subject: CheckSubject<E>): Promise<Checked<C>>
  /** Whether a deployment already in progress on the service is waited for before ours starts; an engine that
   * waits its own way (CodeDeploy: one deployment per group) says false. */
  waitsForIdle: boolean
  /** What alarms already in ALARM as the deployment starts mean for this engine, in words. */
  firingAlarms(names: string): string
  /** The service's deployments, for `rollback-to: previous`; `name` as the inputs gave it. */
  history(clients: Clients, subject: { service: Service; name: string; engine: E }): Promise<History>
  /** The calls `history` makes, for a problem when they fail. */
  historyCall: string
  /** Registers, deploys, watches, bakes and (on its rules) rolls back; records facts of its own kind. */
  run(clients: Clients, plan: DeployPlan & { engine: C }, timeline: Timeline, options: EngineOptions): Promise<DeploymentFacts>
  /** After a cancel (the post step): one look at the deployment, and the rollback when `rollBack`. */
  afterCancel(clients: Clients, state: InFlight, rollBack: boolean): Promise<AfterCancel>
  /** Who looks after a deployment this run no longer watches, in words (`ECS's circuit breaker and …`). */
  guard: string
  /** `approval`, `approve` and `reject`: an engine that can pause a deployment for approval. */
  approval?: Approval<E>
  /** Why `approval` is refused on this engine's services, in words (engines without `approval`). */
  noApproval?: string
}

/** A deployment paused for approval, as `approve` and `reject` found it (read-only). */
export interface Paused {
  /** The service deployment ARN or CodeDeploy deployment id. */
  id: string
  /** Where it waits (`POST_TEST_TRAFFIC_SHIFT`) and until when. */
  at: string
  expiresAt?: Date
  /** The revision it deploys and the one it goes back to. */
  taskDefinitionArn: string
  previousTaskDefinitionArn?: string
  /** The engine's own handle on the pause (ECS: the PAUSE hook's id). */
  handle: string
}

/** What `find` answers: the paused deployment, or why there is nothing to answer (`ended`: it is over already). */
export type FoundPaused = { paused: Paused } | { problem: string; ended: boolean }

/** Pausing for approval, and answering the pause. */
export interface Approval<E extends Engine> {
  /** Whether deployment `id` is the service's and waits for approval (read-only). */
  find(clients: Clients, subject: { service: Service; engine: E; id: string }): Promise<FoundPaused>
  /** Continues (`approve`) or rolls back (`reject`), then watches, bakes and decides as a run does. */
  answer(
    clients: Clients,
    plan: DeployPlan & { engine: E },
    subject: { paused: Paused; verb: 'approve' | 'reject'; service: Service; by: string },
    timeline: Timeline,
    options: EngineOptions,
  ): Promise<DeploymentFacts>
}
