// `approve` and `reject` on the ECS-native engine: the deployment paused at the PAUSE hook `approval` added
// (./settings.ts) is found read-only, then ContinueServiceDeployment CONTINUE (approve) or ROLLBACK (reject) starts
// the rest of the one lifecycle (../lifecycle.ts) with the same watch as a deployment's.
import { ContinueServiceDeploymentCommand, DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, type Service, type ServiceDeployment } from '@aws-sdk/client-ecs'
import { revisionOf } from '../../aws/arn.js'
import type { Clients } from '../../aws/clients.js'
import { errorText } from '../../aws/errors.js'
import type { NativeFacts } from '../../core/facts.js'
import type { NativeEngine } from '../../core/plan.js'
import type { Timeline } from '../../core/timeline.js'
import type { RunContext } from '../../watch/context.js'
import type { Approval, EngineOptions, FoundPaused, Paused } from '../contract.js'
import { runContextOf, runLifecycle, startFacts } from '../lifecycle.js'
import { deploymentFor } from '../service-config.js'
import { NativeDeployer } from './run.js'
import { APPROVAL_STAGE, isApprovalHook, type NativePlan } from './settings.js'
import { sendMutating } from '../mutating.js'

type Verb = 'approve' | 'reject'

/** Whether service deployment `id` is `service`'s and waits at the approval hook; nothing is changed. */
async function findPaused(clients: Clients, { service, id }: { service: Service; id: string }): Promise<FoundPaused> {
  let sd: ServiceDeployment | undefined
  try {
    sd = (await clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [id] }))).serviceDeployments?.[0]
  } catch (error) {
    return { problem: `ECS DescribeServiceDeployments (${id}): ${errorText(error)}`, ended: false }
  }
  if (!sd) return { problem: `Service deployment ${id} was not found: expected the \`deployment-id\` output of the run that paused it.`, ended: false }
  if (sd.serviceArn !== service.serviceArn) {
    return {
      problem: `Service deployment ${id} is a deployment of ${sd.serviceArn ?? 'another service'}, not of service ${service.serviceArn}: nothing to answer here.`,
      ended: false,
    }
  }
  const ours = (sd.deploymentConfiguration?.lifecycleHooks ?? []).some(isApprovalHook)
  const waiting = (sd.lifecycleHookDetails ?? []).find((h) => h.targetType === 'PAUSE' && h.status === 'AWAITING_ACTION')
  if (sd.status !== 'IN_PROGRESS' || !waiting?.hookId) return { problem: `Service deployment ${id} ${notWaiting(sd)}; nothing was changed.`, ended: true }
  if (!ours) return { problem: `Service deployment ${id} waits at a PAUSE hook this action did not add (no \`approval\`): answer it yourself.`, ended: false }
  const revisions = await taskDefinitions(clients, [sd.targetServiceRevision?.arn, sd.sourceServiceRevisions?.[0]?.arn])
  if ('problem' in revisions) return { ...revisions, ended: false }
  const [taskDefinitionArn, previousTaskDefinitionArn] = revisions.arns
  if (!taskDefinitionArn) return { problem: `Service deployment ${id}: its target service revision names no task definition.`, ended: false }
  return {
    paused: {
      id,
      at: sd.lifecycleStage ?? APPROVAL_STAGE,
      ...(waiting.expiresAt ? { expiresAt: waiting.expiresAt } : {}),
      taskDefinitionArn,
      ...(previousTaskDefinitionArn ? { previousTaskDefinitionArn } : {}),
      handle: waiting.hookId,
    },
  }
}

/** Why a deployment is not waiting for approval, in words. */
function notWaiting(sd: ServiceDeployment): string {
  const pause = (sd.lifecycleHookDetails ?? []).find((h) => h.targetType === 'PAUSE')
  const status = sd.status ?? 'unknown'
  if (/^ROLLBACK_/.test(status)) {
    const why = pause?.status === 'TIMED_OUT' ? `timed out waiting for approval${pause.expiresAt ? ` at ${pause.expiresAt.toISOString()}` : ''} and` : 'already'
    return `${why} rolled back (${status}${sd.statusReason ? `: ${sd.statusReason}` : ''})`
  }
  if (status === 'SUCCESSFUL') return 'was already approved and has finished (SUCCESSFUL)'
  if (pause?.status === 'SUCCEEDED') return `was already approved (${status} at ${sd.lifecycleStage ?? '?'})`
  return `is not waiting for approval (${status}${sd.lifecycleStage ? ` at ${sd.lifecycleStage}` : ''})`
}

/** The task definitions of service revisions (DescribeServiceRevisions), in the order asked. */
async function taskDefinitions(clients: Clients, arns: (string | undefined)[]): Promise<{ arns: (string | undefined)[] } | { problem: string }> {
  const wanted = arns.filter((a): a is string => !!a)
  try {
    const found = (await clients.ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: wanted }))).serviceRevisions ?? []
    return { arns: arns.map((arn) => found.find((r) => r.serviceRevisionArn === arn)?.taskDefinition) }
  } catch (error) {
    return { problem: `ECS DescribeServiceRevisions: ${errorText(error)}` }
  }
}

/** The rest of a paused deployment's lifecycle: started by the answer instead of UpdateService. */
class AnsweringDeployer extends NativeDeployer {
  constructor(
    clients: Clients,
    plan: NativePlan,
    timeline: Timeline,
    run: RunContext,
    facts: NativeFacts,
    private readonly answer: { paused: Paused; verb: Verb; service: Service },
  ) {
    super(clients, plan, timeline, run, facts)
  }

  override async start(taskDefinitionArn: string): Promise<boolean> {
    const { paused, verb, service } = this.answer
    const action = verb === 'approve' ? 'CONTINUE' : 'ROLLBACK'
    const what = verb === 'approve' ? `production traffic moves to ${revisionOf(taskDefinitionArn, '?')}` : `back to ${revisionOf(paused.previousTaskDefinitionArn, '?')}`
    this.timeline.emit({ type: 'phase', at: this.at(), phase: 'deploy', detail: `ContinueServiceDeployment ${action} at ${paused.at}: ${what}` })
    try {
      const answer = new ContinueServiceDeploymentCommand({ serviceDeploymentArn: paused.id, hookId: paused.handle, action })
      await sendMutating(this.timeline, 'ContinueServiceDeployment', () => this.clients.ecs.send(answer), this.plan.deadline)
    } catch (error) {
      this.facts.error = `ContinueServiceDeployment ${action} (${paused.id}): ${errorText(error)}`
      return false
    }
    this.updated = service
    const ours = deploymentFor(service, taskDefinitionArn)
    this.facts.serviceDeploymentArn = paused.id
    this.facts.deploymentId = ours?.id ?? revisionOf(paused.id, '?')
    if (ours) this.facts.final = ours
    return true
  }
}

export const nativeApproval: Approval<NativeEngine> = {
  find: findPaused,
  answer: async (clients, plan, subject, timeline, options: EngineOptions) => {
    const run = runContextOf(options)
    const facts: NativeFacts = { kind: 'ecs-native', ...startFacts(plan, run, plan.engine.label) }
    if (subject.verb === 'reject') facts.rejected = `rejected in GitHub by ${subject.by}`
    return runLifecycle(clients, plan, timeline, run, facts, options, new AnsweringDeployer(clients, plan, timeline, run, facts, subject))
  },
}
