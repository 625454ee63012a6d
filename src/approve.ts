// The verbs `approve` and `reject`: a run that answers a deployment an earlier run paused (`approval`) instead of
// deploying. Read-only checks first (the deployment is the service's and waits for approval), then the service's
// engine continues or rolls it back through the contract and watches, bakes and decides as a deployment run does;
// the end is reported by report/release.ts like any run's, on the GitHub record of the run that paused.
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type Service, type TaskDefinition } from '@aws-sdk/client-ecs'
import { createClients, type Clients } from './aws/clients.js'
import { HARD_STOP_AFTER_TIMEOUT_MS, type Deadline } from './aws/deadline.js'
import { errorText } from './aws/errors.js'
import { halt } from './core/halt.js'
import { decideOutcome } from './core/outcome.js'
import type { DeployPlan, Engine } from './core/plan.js'
import { landed, type ServiceRun } from './core/release.js'
import type { Timeline } from './core/timeline.js'
import { chooseEngine } from './engines/choose.js'
import type { Paused } from './engines/contract.js'
import { engineFor } from './engines/index.js'
import type { VerbInputs } from './inputs/context.js'
import type { GitHubDeploymentRecord } from './report/github-deployment.js'
import { reportHalt } from './report/halt.js'
import { reportRun } from './report/release.js'
import { RunContext } from './watch/context.js'
import { diagnose } from './watch/diagnose.js'
import { Poller } from './watch/poller.js'

/** An `approve` or `reject` run, as the entry point set it up. */
export interface VerbRun {
  inputs: VerbInputs
  timeline: Timeline
  hardStop: Deadline
  startedAt: number
  record: GitHubDeploymentRecord
}

interface Found {
  service: Service
  engine: Engine
  paused: Paused
  taskDefinition: TaskDefinition
}

export async function answerDeployment(run: VerbRun): Promise<void> {
  const { inputs, timeline } = run
  const clients = createClients({ deadline: run.hardStop })
  timeline.emit({ type: 'phase', at: new Date(), phase: 'preflight', detail: `${inputs.cluster}/${inputs.service}: ${inputs.verb} ${inputs.id}` })
  const found = await findPaused(clients, inputs)
  if ('problem' in found) {
    return reportHalt(inputs.cluster, inputs.service, halt(found.ended ? `nothing to ${inputs.verb}` : 'preflight failed', [found.problem], { located: false }))
  }
  const deadline = Date.now() + inputs.timeoutMs
  run.hardStop.stopAt(deadline + HARD_STOP_AFTER_TIMEOUT_MS)
  const member: ServiceRun = { name: inputs.service, timeline, engine: found.engine.kind, previousTaskDefinitionArn: found.paused.previousTaskDefinitionArn ?? '' }
  const plan = planOf(inputs, found, deadline, run.hardStop.hardStop)
  const options = { run: new RunContext(new Poller()), onFacts: () => startOnRecord(run, found) }
  const facts = await engineFor(found.engine).approval!.answer(clients, { ...plan, engine: found.engine }, { ...found, verb: inputs.verb, by: workflowRun() }, timeline, options)
  member.facts = facts
  member.decision = decideOutcome(facts)
  if (!landed(member.decision)) member.cause = await diagnose(clients, facts, timeline)
  await reportRun({ cluster: inputs.cluster, rollback: 'on-failure', timeline, startedAt: run.startedAt, record: run.record }, [member])
}

/** The service, its engine, and the deployment waiting for approval; or why there is nothing to answer. Read-only. */
async function findPaused(clients: Clients, inputs: VerbInputs): Promise<Found | { problem: string; ended: boolean }> {
  const problem = (text: string) => ({ problem: text, ended: false })
  let service: Service | undefined
  try {
    service = (await clients.ecs.send(new DescribeServicesCommand({ cluster: inputs.cluster, services: [inputs.service] }))).services?.[0]
  } catch (error) {
    return problem(`ECS DescribeServices (${inputs.cluster}/${inputs.service}): ${errorText(error)}`)
  }
  if (!service || service.status !== 'ACTIVE')
    return problem(`Service \`${inputs.service}\` was not found in cluster \`${inputs.cluster}\`${service ? ` (${service.status})` : ''}.`)
  const chosen = chooseEngine({ kind: 'auto' }, service, inputs.codeDeploy, inputs.cluster)
  if ('problem' in chosen) return problem(chosen.problem)
  const definition = engineFor(chosen.engine)
  if (!definition.approval) return problem(`Service \`${inputs.service}\` deploys by ${chosen.engine.label}: ${definition.noApproval ?? 'it cannot pause for approval'}.`)
  const found = await definition.approval.find(clients, { service, engine: chosen.engine, id: inputs.id })
  if ('problem' in found) return found
  try {
    const { taskDefinition } = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: found.paused.taskDefinitionArn }))
    if (!taskDefinition) return problem(`Task definition ${found.paused.taskDefinitionArn} was not found.`)
    return { service, engine: chosen.engine, paused: found.paused, taskDefinition }
  } catch (error) {
    return problem(`ECS DescribeTaskDefinition (${found.paused.taskDefinitionArn}): ${errorText(error)}`)
  }
}

/** The rest of the deployment's plan: its revision as it is, the service's alarms and bake (ECS bakes its own). */
function planOf(inputs: VerbInputs, found: Found, deadline: number, hardStop: number | undefined): DeployPlan {
  const { service, paused, taskDefinition } = found
  return {
    cluster: inputs.cluster,
    service: inputs.service,
    taskDefinition: { family: taskDefinition.family, containerDefinitions: taskDefinition.containerDefinitions },
    existingTaskDefinition: taskDefinition,
    previousTaskDefinitionArn: paused.previousTaskDefinitionArn ?? '',
    alarms: inputs.alarms.length > 0 ? inputs.alarms : (service.deploymentConfiguration?.alarms?.alarmNames ?? []),
    rollback: 'on-failure',
    bakeTimeMs: inputs.bakeTimeMs,
    deadline,
    hardStop,
    wait: true,
    currentDeploymentConfiguration: service.deploymentConfiguration,
  }
}

/** The GitHub record of the run that paused (the same revision of the same service), else a new one. */
function startOnRecord(run: VerbRun, found: Found): void {
  if (run.record.started) return
  const { inputs, timeline } = run
  const start = {
    cluster: inputs.cluster,
    service: inputs.service,
    engine: found.engine.kind,
    previousTaskDefinitionArn: found.paused.previousTaskDefinitionArn,
    taskDefinitionArn: found.taskDefinition.taskDefinitionArn,
    deploymentId: found.paused.id,
  }
  run.record.start(timeline, start, (payload) => payload.service === inputs.service && payload.taskDefinitionArn === start.taskDefinitionArn)
}

/** This run, as a reviewer finds it: its URL in GitHub Actions. */
function workflowRun(env: NodeJS.ProcessEnv = process.env): string {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return 'the workflow run'
  return `the workflow run ${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
}
