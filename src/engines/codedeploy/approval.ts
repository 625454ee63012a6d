// `approve` and `reject` on CodeDeploy: the deployment this action created with `approval` waits in its ready wait
// (./ready-wait.ts); it is found read-only, then ContinueDeployment READY_WAIT (approve) or StopDeployment with
// auto-rollback (reject) starts the rest of the one lifecycle (../lifecycle.ts) with the same watch as a deployment's.
import { ContinueDeploymentCommand, GetDeploymentCommand, StopDeploymentCommand, type DeploymentInfo } from '@aws-sdk/client-codedeploy'
import type { Service } from '@aws-sdk/client-ecs'
import type { Clients } from '../../aws/clients.js'
import { errorName, errorText } from '../../aws/errors.js'
import type { CodeDeployFacts } from '../../core/facts.js'
import type { CodeDeployEngine } from '../../core/plan.js'
import type { Timeline } from '../../core/timeline.js'
import type { RunContext } from '../../watch/context.js'
import type { Approval, FoundPaused, Paused } from '../contract.js'
import { runContextOf, runLifecycle, startFacts } from '../lifecycle.js'
import { CodeDeployDeployer, type CodeDeployPlan } from './run.js'
import { READY_WAIT_AT } from './watch.js'
import { sendMutating } from '../mutating.js'

/** The revision this action's CreateDeployment names in its description (`ecs-safe-deploy: web → web:5`). */
const OURS = /^ecs-safe-deploy: .* → (\S+)$/

async function findPaused(clients: Clients, { service, engine, id }: { service: Service; engine: CodeDeployEngine; id: string }): Promise<FoundPaused> {
  let info: DeploymentInfo | undefined
  try {
    info = (await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo
  } catch (error) {
    const missing = errorName(error) === 'DeploymentDoesNotExistException'
    return {
      problem: missing
        ? `CodeDeploy deployment ${id} was not found: expected the \`deployment-id\` output of the run that paused it.`
        : `CodeDeploy GetDeployment (${id}): ${errorText(error)}`,
      ended: false,
    }
  }
  const group = `${engine.application}/${engine.deploymentGroup}`
  if (!info || `${info.applicationName}/${info.deploymentGroupName}` !== group) {
    return {
      problem: `CodeDeploy deployment ${id} is a deployment of ${info?.applicationName}/${info?.deploymentGroupName}, not of ${group}, which deploys service ${service.serviceName}: nothing to answer here.`,
      ended: false,
    }
  }
  const revision = OURS.exec(info.description ?? '')?.[1]
  if (info.status !== 'Ready') return { problem: `CodeDeploy deployment ${id} ${notWaiting(info)}; nothing was changed.`, ended: true }
  if (!revision) return { problem: `CodeDeploy deployment ${id} waits for traffic to be rerouted, but this action did not create it: answer it yourself.`, ended: false }
  const minutes = info.blueGreenDeploymentConfiguration?.deploymentReadyOption?.waitTimeInMinutes
  const expiresAt = info.startTime && minutes ? new Date(info.startTime.getTime() + minutes * 60_000) : undefined
  const paused: Paused = { id, at: READY_WAIT_AT, ...(expiresAt ? { expiresAt } : {}), taskDefinitionArn: revision, handle: id }
  return { paused: service.taskDefinition ? { ...paused, previousTaskDefinitionArn: service.taskDefinition } : paused }
}

/** Why a deployment is not waiting for approval, in words. */
function notWaiting(info: DeploymentInfo): string {
  const back = info.rollbackInfo?.rollbackDeploymentId ? ` and CodeDeploy rolled it back (deployment ${info.rollbackInfo.rollbackDeploymentId})` : ''
  if (info.status === 'Stopped' && info.errorInformation?.code === 'TIMEOUT') return `timed out waiting for approval: it was stopped${back}`
  if (info.status === 'Succeeded') return 'was already approved and has finished (Succeeded)'
  if (info.status === 'Failed' || info.status === 'Stopped') return `already ended ${info.status}${info.errorInformation?.code ? ` (${info.errorInformation.code})` : ''}${back}`
  return `is not waiting for approval (${info.status ?? 'unknown'}): it was already approved, or never paused`
}

/** The rest of a paused deployment's lifecycle: started by the answer instead of CreateDeployment. */
class AnsweringDeployer extends CodeDeployDeployer {
  constructor(
    clients: Clients,
    plan: CodeDeployPlan,
    timeline: Timeline,
    run: RunContext,
    facts: CodeDeployFacts,
    private readonly answer: { paused: Paused; verb: 'approve' | 'reject' },
  ) {
    super(clients, plan, timeline, run, facts)
  }

  /** The group's one active deployment is this one: nothing to wait for. */
  override prepare(): Promise<boolean> {
    return Promise.resolve(true)
  }

  override async start(): Promise<boolean> {
    const { paused, verb } = this.answer
    const what = verb === 'approve' ? 'ContinueDeployment READY_WAIT: production traffic moves' : 'StopDeployment with auto-rollback'
    this.timeline.emit({ type: 'phase', at: this.at(), phase: 'deploy', detail: `${what} (CodeDeploy deployment ${paused.id})` })
    try {
      const codedeploy = this.clients.codedeploy
      if (verb === 'approve') {
        const answer = new ContinueDeploymentCommand({ deploymentId: paused.id, deploymentWaitType: 'READY_WAIT' })
        await sendMutating(this.timeline, 'ContinueDeployment', () => codedeploy.send(answer), this.plan.deadline)
      } else {
        const stop = new StopDeploymentCommand({ deploymentId: paused.id, autoRollbackEnabled: true })
        await sendMutating(this.timeline, 'StopDeployment', () => codedeploy.send(stop), this.plan.deadline)
      }
    } catch (error) {
      this.facts.error = `${verb === 'approve' ? 'ContinueDeployment' : 'StopDeployment'} (${paused.id}): ${errorText(error)}`
      return false
    }
    this.facts.deploymentId = paused.id
    this.facts.codeDeploy = { deploymentId: paused.id, status: 'Ready' }
    return true
  }
}

export const codeDeployApproval: Approval<CodeDeployEngine> = {
  find: findPaused,
  answer: async (clients, plan, subject, timeline, options) => {
    const run = runContextOf(options)
    const facts: CodeDeployFacts = { kind: 'codedeploy', ...startFacts(plan, run, plan.engine.label) }
    if (subject.verb === 'reject') facts.rejected = `rejected in GitHub by ${subject.by}`
    // Only the hooks' names are read from the AppSpec here: the deployment has its own.
    const codeDeployPlan: CodeDeployPlan = { ...plan, codeDeploy: { hooks: {} }, appSpec: { version: 0.0, Resources: [] } }
    return runLifecycle(clients, plan, timeline, run, facts, options, new AnsweringDeployer(clients, codeDeployPlan, timeline, run, facts, subject))
  },
}
