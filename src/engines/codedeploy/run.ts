// The CodeDeploy engine (services with the CODE_DEPLOY deployment controller): register → (create the custom
// configuration once) → CreateDeployment with the AppSpec → watch the lifecycle events, task sets and traffic
// weights → bake while CodeDeploy keeps the old task set → on a bake alarm or the timeout, StopDeployment with
// auto-rollback and wait for the rollback. It records facts and decides nothing (src/core/outcome.ts does); AWS
// errors end the run as facts (`error`), not throws.
import {
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy'
import { revisionOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { errorName, errorText } from '../../aws/errors.js'
import type { ActionRollback, CodeDeployFacts } from '../../core/facts.js'
import type { CodeDeployEngine, DeployPlan } from '../../core/plan.js'
import type { Timeline } from '../../core/timeline.js'
import type { CodeDeployInputs } from '../../inputs/context.js'
import { bakeInto } from '../../watch/bake.js'
import { pollLoop } from '../../watch/loop.js'
import type { Poller } from '../../watch/poller.js'
import { finisher, pollerOf, registerTaskDefinition, rollbackDeadline, rollbackWhy, startFacts, stoppedByRelease, type EngineOptions } from '../register.js'
import { appSpecContent, hooksOf, renderAppSpec, type AppSpec } from './appspec.js'
import { CodeDeployWatch, TERMINAL, followRollback, observation, waitUntilEnded, watchUntilTrafficMoved } from './watch.js'

export interface CodeDeployPlan extends DeployPlan {
  engine: CodeDeployEngine
  codeDeploy: CodeDeployInputs
  /** From preflight, with the task definition still a placeholder. */
  appSpec: AppSpec
}

export async function runCodeDeploy(clients: Clients, plan: CodeDeployPlan, timeline: Timeline, options: EngineOptions = {}): Promise<CodeDeployFacts> {
  const poller = pollerOf(options)
  const at = () => new Date(poller.clock.now())
  const { engine } = plan
  const facts: CodeDeployFacts = { kind: 'codedeploy', ...startFacts(plan, at, engine.label) }
  const finish = finisher(facts, poller)
  options.onFacts?.(facts)

  // CodeDeploy takes one deployment per group at a time: wait for one in progress before registering anything.
  try {
    const busy = await waitForGroupIdle(clients, engine, plan.deadline, timeline, poller)
    if (busy) {
      facts.timedOut = true
      facts.error = `Timed out waiting for CodeDeploy deployment ${busy} already in progress on ${engine.application}/${engine.deploymentGroup} to end`
      return finish()
    }
  } catch (error) {
    facts.error = `Looking for a CodeDeploy deployment in progress on ${engine.application}/${engine.deploymentGroup}: ${errorText(error)}`
    return finish()
  }

  const taskDefinitionArn = await registerTaskDefinition(clients, plan, facts, timeline, at)
  if (!taskDefinitionArn) return finish()

  let configNote = ''
  if (engine.config.kind === 'custom') {
    try {
      configNote = (await ensureCustomConfig(clients, engine.config)) ? ' (created)' : ''
    } catch (error) {
      facts.error = `CodeDeploy deployment configuration ${engine.config.name}: ${errorText(error)}`
      return finish()
    }
  }

  const hooks = hooksOf(plan.appSpec, plan.codeDeploy.hooks) as Record<string, string>
  const configName = engine.config.kind === 'group-default' ? undefined : engine.config.name
  timeline.emit({
    type: 'phase',
    at: at(),
    phase: 'deploy',
    detail: `CodeDeploy ${engine.application}/${engine.deploymentGroup}, ${configName ? `configuration ${configName}${configNote}` : "the group's configuration"}: ${revisionOf(taskDefinitionArn, '?')}`,
  })
  const rollbackOn = plan.rollback === 'on-failure'
  const appSpecText = appSpecContent(renderAppSpec(plan.appSpec, taskDefinitionArn, plan.codeDeploy.hooks))
  try {
    const out = await clients.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: engine.application,
        deploymentGroupName: engine.deploymentGroup,
        ...(configName ? { deploymentConfigName: configName } : {}),
        description: `ecs-safe-deploy: ${plan.service} → ${revisionOf(taskDefinitionArn, '?')}`,
        revision: { revisionType: 'AppSpecContent', appSpecContent: appSpecText },
        autoRollbackConfiguration: { enabled: rollbackOn, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
        ...(plan.alarms.length > 0 ? { overrideAlarmConfiguration: { enabled: true, alarms: plan.alarms.map((name) => ({ name })) } } : {}),
      }),
    )
    if (!out.deploymentId) {
      facts.error = 'CreateDeployment returned no deployment id'
      return finish()
    }
    facts.deploymentId = out.deploymentId
    facts.codeDeploy = { deploymentId: out.deploymentId, status: 'Created' }
  } catch (error) {
    // The SDK's retry of a CreateDeployment whose answer was lost meets our own deployment: adopt it.
    const ours = await ownDeploymentIn(clients, error, appSpecText.sha256)
    if (!ours) {
      facts.error = `CreateDeployment (${engine.application}/${engine.deploymentGroup}): ${errorText(error)}`
      return finish()
    }
    timeline.emit({
      type: 'warning',
      at: at(),
      message: `CreateDeployment's answer was lost after CodeDeploy started deployment ${ours} of ${revisionOf(taskDefinitionArn, '?')}; following it.`,
    })
    facts.deploymentId = ours
    facts.codeDeploy = { deploymentId: ours, status: 'Created' }
  }
  const deploymentId = facts.deploymentId
  if (!plan.wait) return finish()

  const watch = new CodeDeployWatch(clients, facts, timeline, poller, hooks)
  timeline.emit({ type: 'phase', at: at(), phase: 'watch', detail: deploymentId })
  let end
  try {
    end = await watchUntilTrafficMoved(watch, facts, deploymentId, plan.deadline)
  } catch (error) {
    facts.error = `Watching CodeDeploy deployment ${deploymentId}: ${errorText(error)}`
    return finish()
  }
  if (!end && !stoppedByRelease(facts, poller)) facts.timedOut = true

  if ((end === 'traffic-moved' || end === 'succeeded') && plan.bakeTimeMs > 0) {
    if (!(await bakeInto(clients, facts, plan, timeline, poller, options.bake))) return finish()
    if (facts.bake && !facts.bake.passed && !facts.bake.fired && !facts.bake.unreadable) stoppedByRelease(facts, poller)
  }

  const trigger: ActionRollback['trigger'] | undefined = facts.bake?.fired
    ? 'bake-alarm'
    : facts.bake?.unreadable
      ? 'bake-unverified'
      : facts.stopped
        ? 'release'
        : facts.timedOut
          ? 'timeout'
          : undefined
  if (trigger && rollbackOn) {
    facts.actionRollback = await stopAndRollBack(clients, watch, plan, facts, trigger, timeline)
  } else if (end === 'traffic-moved' && !trigger) {
    // CodeDeploy may have stopped the deployment itself (its own alarm check) while we baked.
    try {
      const { info } = await watch.look(deploymentId, false)
      facts.codeDeploy = observation(info, facts.codeDeploy)
      if (info.status === 'Failed' || info.status === 'Stopped') await followRollback(watch, facts, rollbackDeadline(poller.clock.now(), plan))
    } catch (error) {
      facts.error = `Looking at CodeDeploy deployment ${deploymentId} after the bake: ${errorText(error)}`
    }
  }
  return finish()
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
async function waitForGroupIdle(clients: Clients, engine: CodeDeployEngine, deadline: number, timeline: Timeline, poller: Poller): Promise<string | undefined> {
  const list = async (): Promise<string | undefined> => {
    const out = await poller.call((options) =>
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
    at: new Date(poller.clock.now()),
    message: `CodeDeploy deployment ${first} is already in progress on ${engine.application}/${engine.deploymentGroup}; waiting for it to end before deploying.`,
  })
  const idle = await pollLoop({ poller, timeline }, deadline, { doing: `waiting for CodeDeploy deployment ${first}` }, async () =>
    (await list()) ? { changed: false } : { end: true },
  )
  return idle ? undefined : first
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
    await clients.codedeploy.send(new CreateDeploymentConfigCommand({ deploymentConfigName: config.name, computePlatform: 'ECS', trafficRoutingConfig }))
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
  trigger: ActionRollback['trigger'],
  timeline: Timeline,
): Promise<ActionRollback> {
  const at = () => new Date(watch.poller.clock.now())
  const to = plan.previousTaskDefinitionArn
  const id = facts.deploymentId ?? ''
  const rollback: ActionRollback = { trigger, toTaskDefinitionArn: to, completed: false }
  const why = rollbackWhy(facts, trigger, `CodeDeploy deployment ${id} did not finish before the timeout`)
  timeline.emit({ type: 'phase', at: at(), phase: 'rollback', detail: `StopDeployment ${id} with auto-rollback` })
  timeline.emit({ type: 'rollback', at: at(), from: facts.taskDefinitionArn ?? '', to, reason: why, by: 'action' })
  try {
    await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }))
  } catch (error) {
    // CodeDeploy may have stopped it on its own (it watches the same alarms); its rollback is then the one to follow.
    if (errorName(error) !== 'DeploymentAlreadyCompletedException') {
      rollback.problem = `StopDeployment ${id}: ${errorText(error)}`
      return rollback
    }
  }
  const deadline = rollbackDeadline(watch.poller.clock.now(), plan)
  // Ours goes Stopped first; its rollbackInfo then names the rollback deployment.
  try {
    await waitUntilEnded(watch, facts, id, deadline)
  } catch (error) {
    rollback.problem = `Watching CodeDeploy deployment ${id} after StopDeployment: ${errorText(error)}`
    return rollback
  }
  if (!TERMINAL.has(facts.codeDeploy?.status ?? '')) {
    rollback.problem = `CodeDeploy deployment ${id} was still ${facts.codeDeploy?.status ?? 'unknown'} after StopDeployment`
    return rollback
  }
  if (facts.codeDeploy?.status === 'Succeeded') {
    rollback.problem = `CodeDeploy deployment ${id} had already succeeded and removed the old task set, so there is nothing to roll back to`
    return rollback
  }
  try {
    await followRollback(watch, facts, deadline, true)
  } catch (error) {
    rollback.problem = `Watching CodeDeploy's rollback of ${id}: ${errorText(error)}`
    return rollback
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
  return rollback
}
