// The CodeDeploy engine's steps (services with the CODE_DEPLOY deployment controller; the lifecycle is
// ../lifecycle.ts): wait for the group to be idle → (create the custom configuration once) → CreateDeployment with
// the AppSpec → watch the lifecycle events, task sets and traffic weights → (the bake, while CodeDeploy keeps the old
// task set) → on a bake alarm or the timeout, StopDeployment with auto-rollback and wait for the rollback.
import {
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type BlueGreenDeploymentConfiguration,
} from '@aws-sdk/client-codedeploy'
import { revisionOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { errorName, errorText } from '../../aws/errors.js'
import type { ActionRollback, CodeDeployFacts } from '../../core/facts.js'
import type { CodeDeployEngine, DeployPlan } from '../../core/plan.js'
import type { Timeline } from '../../core/timeline.js'
import type { CodeDeployInputs } from '../../inputs/context.js'
import type { RunContext } from '../../watch/context.js'
import { pollLoop } from '../../watch/loop.js'
import type { EngineOptions } from '../contract.js'
import { runContextOf, runLifecycle, startFacts, type Deployer, type RollbackStart, type Watched } from '../lifecycle.js'
import { mutate } from '../../aws/mutate.js'
import { sendMutating } from '../mutating.js'
import { rollbackDeadline } from '../register.js'
import { appSpecContent, hooksOf, renderAppSpec, type AppSpec } from './appspec.js'
import { withReadyWait } from './ready-wait.js'
import type { CanaryAnalysis } from '../../watch/analysis.js'
import { codeDeployAnalysis } from './analysis.js'
import { CodeDeployWatch, TERMINAL, followRollback, observation, waitUntilEnded, watchUntilTrafficMoved, type WatchEnd } from './watch.js'

export interface CodeDeployPlan extends DeployPlan {
  engine: CodeDeployEngine
  codeDeploy: Pick<CodeDeployInputs, 'hooks'>
  /** From preflight, with the task definition still a placeholder. */
  appSpec: AppSpec
  /** The group's blue/green configuration (preflight's look), for `approval`'s ready wait. */
  blueGreen?: BlueGreenDeploymentConfiguration
  /** The deployment group's production listener (the canary analysis). */
  prodListenerArn?: string
}

export async function runCodeDeploy(clients: Clients, plan: CodeDeployPlan, timeline: Timeline, options: EngineOptions = {}): Promise<CodeDeployFacts> {
  const run = runContextOf(options)
  const facts: CodeDeployFacts = { kind: 'codedeploy', ...startFacts(plan, run, plan.engine.label) }
  return runLifecycle(clients, plan, timeline, run, facts, options, new CodeDeployDeployer(clients, plan, timeline, run, facts))
}

/** CodeDeploy's steps; ./approval.ts starts them differently for `approve` and `reject`. */
export class CodeDeployDeployer implements Deployer {
  readonly bakes = true
  private readonly hooks: Record<string, string>
  private readonly watcher: CodeDeployWatch
  private end?: WatchEnd

  constructor(
    protected readonly clients: Clients,
    protected readonly plan: CodeDeployPlan,
    protected readonly timeline: Timeline,
    protected readonly run: RunContext,
    protected readonly facts: CodeDeployFacts,
  ) {
    this.hooks = hooksOf(plan.appSpec, plan.codeDeploy.hooks) as Record<string, string>
    this.watcher = new CodeDeployWatch(clients, facts, timeline, run, this.hooks)
  }

  protected at(): Date {
    return new Date(this.run.clock.now())
  }

  /** CodeDeploy takes one deployment per group at a time: wait for one in progress before registering anything. */
  async prepare(): Promise<boolean> {
    const { engine } = this.plan
    try {
      const busy = await waitForGroupIdle(this.clients, engine, this.plan.deadline, this.timeline, this.run)
      if (!busy) return true
      this.facts.timedOut = true
      this.facts.error = `Timed out waiting for CodeDeploy deployment ${busy} already in progress on ${engine.application}/${engine.deploymentGroup} to end`
    } catch (error) {
      this.facts.error = `Looking for a CodeDeploy deployment in progress on ${engine.application}/${engine.deploymentGroup}: ${errorText(error)}`
    }
    return false
  }

  async start(taskDefinitionArn: string): Promise<boolean> {
    const { engine } = this.plan
    let configNote = ''
    if (engine.config.kind === 'custom') {
      try {
        configNote = (await ensureCustomConfig(this.clients, engine.config)) ? ' (created)' : ''
      } catch (error) {
        this.facts.error = `CodeDeploy deployment configuration ${engine.config.name}: ${errorText(error)}`
        return false
      }
    }
    const configName = engine.config.kind === 'group-default' ? undefined : engine.config.name
    this.timeline.emit({
      type: 'phase',
      at: this.at(),
      phase: 'deploy',
      detail: `CodeDeploy ${engine.application}/${engine.deploymentGroup}, ${configName ? `configuration ${configName}${configNote}` : "the group's configuration"}: ${revisionOf(taskDefinitionArn, '?')}`,
    })
    // `approval`: the group's ready wait holds this deployment (CreateDeployment takes the group's configuration).
    return this.plan.approval
      ? withReadyWait(this.clients, this.plan, this.facts, this.timeline, () => this.create(taskDefinitionArn, configName))
      : this.create(taskDefinitionArn, configName)
  }

  private async create(taskDefinitionArn: string, configName: string | undefined): Promise<boolean> {
    const { plan, facts } = this
    const { engine } = plan
    const appSpecText = appSpecContent(renderAppSpec(plan.appSpec, taskDefinitionArn, plan.codeDeploy.hooks))
    try {
      const send = () =>
        this.clients.codedeploy.send(
          new CreateDeploymentCommand({
            applicationName: engine.application,
            deploymentGroupName: engine.deploymentGroup,
            ...(configName ? { deploymentConfigName: configName } : {}),
            description: `ecs-safe-deploy: ${plan.service} → ${revisionOf(taskDefinitionArn, '?')}`,
            revision: { revisionType: 'AppSpecContent', appSpecContent: appSpecText },
            autoRollbackConfiguration: { enabled: plan.rollback === 'on-failure', events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
            ...(plan.alarms.length > 0 ? { overrideAlarmConfiguration: { enabled: true, alarms: plan.alarms.map((name) => ({ name })) } } : {}),
          }),
        )
      const out = await sendMutating(this.timeline, 'CreateDeployment', send, plan.deadline)
      if (!out.deploymentId) {
        facts.error = 'CreateDeployment returned no deployment id'
        return false
      }
      facts.deploymentId = out.deploymentId
    } catch (error) {
      // The SDK's retry of a CreateDeployment whose answer was lost meets our own deployment: adopt it.
      const ours = await ownDeploymentIn(this.clients, error, appSpecText.sha256)
      if (!ours) {
        facts.error = `CreateDeployment (${engine.application}/${engine.deploymentGroup}): ${errorText(error)}`
        return false
      }
      this.timeline.emit({
        type: 'warning',
        at: this.at(),
        message: `CreateDeployment's answer was lost after CodeDeploy started deployment ${ours} of ${revisionOf(taskDefinitionArn, '?')}; following it.`,
      })
      facts.deploymentId = ours
    }
    facts.codeDeploy = { deploymentId: facts.deploymentId, status: 'Created' }
    return true
  }

  async watch(deadline: number, analysis: CanaryAnalysis): Promise<Watched> {
    const id = this.facts.deploymentId ?? ''
    this.timeline.emit({ type: 'phase', at: this.at(), phase: 'watch', detail: id })
    const analyse = codeDeployAnalysis(this.clients, this.run, analysis, this.plan)
    try {
      const looped = await watchUntilTrafficMoved(this.watcher, this.facts, id, deadline, this.plan.approval !== undefined, analyse)
      if (!('end' in looped)) return looped.cut === 'stopped' ? 'stopped' : 'timeout'
      // A failed verdict in `rollback` mode stops the deployment as a fail fast would (core/rollback.ts names it).
      if (looped.end === 'analysis') return 'fail-fast'
      this.end = looped.end
      return looped.end === 'failed' ? 'ended' : looped.end === 'paused' ? 'paused' : 'live'
    } catch (error) {
      this.facts.error = `Watching CodeDeploy deployment ${id}: ${errorText(error)}`
      return 'ended'
    }
  }

  /** CodeDeploy may have stopped the deployment itself (its own alarm check) while we baked. */
  async settle(): Promise<void> {
    if (this.end !== 'traffic-moved') return
    const { facts } = this
    try {
      const { info } = await this.watcher.look(facts.deploymentId ?? '', false)
      facts.codeDeploy = observation(info, facts.codeDeploy)
      if (info.status === 'Failed' || info.status === 'Stopped') await followRollback(this.watcher, facts, rollbackDeadline(this.run.clock.now(), this.plan))
    } catch (error) {
      facts.error = `Looking at CodeDeploy deployment ${facts.deploymentId} after the bake: ${errorText(error)}`
    }
  }

  rollbackStart(): RollbackStart {
    const id = this.facts.deploymentId ?? ''
    return {
      detail: `StopDeployment ${id} with auto-rollback`,
      from: this.facts.taskDefinitionArn ?? '',
      to: this.plan.previousTaskDefinitionArn,
      late: `CodeDeploy deployment ${id} did not finish before the timeout`,
    }
  }

  rollBack(rollback: ActionRollback): Promise<void> {
    return stopAndRollBack(this.clients, this.watcher, this.plan, this.facts, rollback, this.timeline)
  }
}

/** The deployment a DeploymentLimitExceededException names, when its revision is our AppSpec (GetDeployment gives its
 * sha256): ours, started by a CreateDeployment whose answer was lost and retried. */
async function ownDeploymentIn(clients: Clients, error: unknown, appSpecSha256: string): Promise<string | undefined> {
  if (errorName(error) !== 'DeploymentLimitExceededException') return undefined
  const named = /\bd-[A-Z0-9]{9}\b/.exec(errorText(error))?.[0]
  if (!named) return undefined
  try {
    const { deploymentInfo } = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: named }))
    return deploymentInfo?.revision?.appSpecContent?.sha256 === appSpecSha256 ? named : undefined
  } catch {
    return undefined
  }
}

const ACTIVE_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const

/** Waits until no deployment is active on the group; the one still active at `deadline`, or undefined. */
async function waitForGroupIdle(clients: Clients, engine: CodeDeployEngine, deadline: number, timeline: Timeline, run: RunContext): Promise<string | undefined> {
  const list = async (): Promise<string | undefined> => {
    const out = await run.call((options) =>
      clients.codedeploy.send(
        new ListDeploymentsCommand({ applicationName: engine.application, deploymentGroupName: engine.deploymentGroup, includeOnlyStatuses: [...ACTIVE_STATUSES] }),
        options,
      ),
    )
    return out.deployments?.[0]
  }
  const first = await list()
  if (!first) return undefined
  timeline.emit({
    type: 'warning',
    at: new Date(run.clock.now()),
    message: `CodeDeploy deployment ${first} is already in progress on ${engine.application}/${engine.deploymentGroup}; waiting for it to end before deploying.`,
  })
  const idle = await pollLoop(run, timeline, deadline, { doing: `waiting for CodeDeploy deployment ${first}` }, async () => ((await list()) ? { changed: false } : { end: true }))
  return 'end' in idle ? undefined : first
}

/** Creates the custom configuration unless it is there; true when this run created it. */
async function ensureCustomConfig(clients: Clients, config: Extract<CodeDeployEngine['config'], { kind: 'custom' }>): Promise<boolean> {
  try {
    await clients.codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: config.name }))
    return false
  } catch (error) {
    if (errorName(error) !== 'DeploymentConfigDoesNotExistException') throw error
  }
  const trafficRoutingConfig =
    config.type === 'TimeBasedCanary'
      ? { type: config.type, timeBasedCanary: { canaryPercentage: config.percent, canaryInterval: config.intervalMinutes } }
      : { type: config.type, timeBasedLinear: { linearPercentage: config.percent, linearInterval: config.intervalMinutes } }
  try {
    const create = new CreateDeploymentConfigCommand({ deploymentConfigName: config.name, computePlatform: 'ECS', trafficRoutingConfig })
    await mutate('CreateDeploymentConfig', () => clients.codedeploy.send(create), clients.deadline?.hardStop ?? Date.now())
    return true
  } catch (error) {
    // A run in parallel created it first: the same name means the same settings.
    if (errorName(error) === 'DeploymentConfigAlreadyExistsException') return false
    throw error
  }
}

/** StopDeployment with auto-rollback (after a bake alarm or at the timeout), then the rollback to its end. */
async function stopAndRollBack(
  clients: Clients,
  watch: CodeDeployWatch,
  plan: CodeDeployPlan,
  facts: CodeDeployFacts,
  rollback: ActionRollback,
  timeline: Timeline,
): Promise<void> {
  const id = facts.deploymentId ?? ''
  try {
    const stop = new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true })
    await sendMutating(timeline, 'StopDeployment', () => clients.codedeploy.send(stop), rollbackDeadline(watch.run.clock.now(), plan))
  } catch (error) {
    // CodeDeploy may have stopped it on its own (it watches the same alarms); its rollback is then the one to follow.
    if (errorName(error) !== 'DeploymentAlreadyCompletedException') {
      rollback.problem = `StopDeployment ${id}: ${errorText(error)}`
      return
    }
  }
  const deadline = rollbackDeadline(watch.run.clock.now(), plan)
  // Ours goes Stopped first; its rollbackInfo then names the rollback deployment.
  try {
    await waitUntilEnded(watch, facts, id, deadline)
  } catch (error) {
    rollback.problem = `Watching CodeDeploy deployment ${id} after StopDeployment: ${errorText(error)}`
    return
  }
  if (!TERMINAL.has(facts.codeDeploy?.status ?? '')) {
    rollback.problem = `CodeDeploy deployment ${id} was still ${facts.codeDeploy?.status ?? 'unknown'} after StopDeployment`
    return
  }
  if (facts.codeDeploy?.status === 'Succeeded') {
    rollback.problem = `CodeDeploy deployment ${id} had already succeeded and removed the old task set, so there is nothing to roll back to`
    return
  }
  try {
    await followRollback(watch, facts, deadline, true)
  } catch (error) {
    rollback.problem = `Watching CodeDeploy's rollback of ${id}: ${errorText(error)}`
    return
  }
  const cd = facts.codeDeploy
  rollback.deploymentId = cd?.rollbackDeploymentId
  rollback.completed = cd?.rollbackStatus === 'Succeeded'
  if (!rollback.completed) {
    rollback.problem = !cd?.rollbackDeploymentId
      ? `CodeDeploy stopped deployment ${id} but started no rollback deployment${cd?.rollbackMessage ? ` (${cd.rollbackMessage})` : ''}`
      : TERMINAL.has(cd.rollbackStatus ?? '')
        ? `CodeDeploy rollback deployment ${cd.rollbackDeploymentId} ended ${cd.rollbackStatus}`
        : `CodeDeploy rollback deployment ${cd.rollbackDeploymentId} did not finish in time (${cd.rollbackStatus ?? 'not seen'})`
  }
}
