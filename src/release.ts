// Several services, one release (`service: web, worker, scheduler`): preflight checks every service before anything
// changes; one build; each service's own engine deploys it, all at once, on the run's one poller (one call budget;
// the watches share their DescribeServices and DescribeAlarms reads); each service gets its own outcome, diagnosis and
// summary section. When one fails and `rollback` is on-failure, the services that had succeeded are deployed back to
// the task definition they ran before, so the release lands everywhere or nowhere; core/release.ts decides the
// release from the services' outcomes.
import * as core from '@actions/core'
import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs'
import { revisionOf } from './aws/arn.js'
import { createClients, type Clients } from './aws/clients.js'
import { HARD_STOP_AFTER_TIMEOUT_MS, type Deadline } from './aws/deadline.js'
import type { DeploymentFacts } from './core/facts.js'
import { decideOutcome, type Decision } from './core/outcome.js'
import type { DeployPlan } from './core/plan.js'
import { decideRelease, type ServiceResult } from './core/release.js'
import { diffTaskDefinitions, type TaskDefinitionChange } from './core/task-definition-diff.js'
import { Timeline, type FailureCause, type Outcome } from './core/timeline.js'
import { rollbackDeadline } from './engines/register.js'
import type { Inputs } from './inputs/context.js'
import { formatDuration } from './inputs/duration.js'
import { preflight, PreflightError, type Preflight } from './preflight/preflight.js'
import { renderLine, renderTaskDefinition } from './render/task-definition.js'
import { annotate, failStep } from './report/annotations.js'
import type { GitHubDeploymentRecord } from './report/github-deployment.js'
import { attachLogReporter, logChanges } from './report/log.js'
import { setReleaseOutputs } from './report/outputs.js'
import { writeReleaseSummary, writeSummary } from './report/summary.js'
import { afterDeploy, buildIfAsked, planOf, runEngine, stopBeforeChange } from './steps.js'
import { diagnose } from './watch/diagnose.js'
import { StillBusyError, waitForIdle } from './watch/idle.js'
import { Poller } from './watch/poller.js'

const landed = (d: Decision): boolean => d.outcome === 'succeeded' || d.outcome === 'started'

/** Preflights at once: each is a handful of read calls, and ECS's read limits are per account. */
const PREFLIGHT_CONCURRENCY = 3

/** One service of the release as it goes. */
interface Member {
  name: string
  inputs: Inputs
  timeline: Timeline
  checked: Preflight
  plan?: DeployPlan
  facts?: DeploymentFacts
  decision?: Decision
  cause?: FailureCause
  changes?: TaskDefinitionChange[]
  rolledBack?: { facts: DeploymentFacts; decision: Decision; cause?: FailureCause }
}

/** What a cancel needs to know of a release so far. */
export interface ReleaseFlight {
  members?: { inputs: Inputs; timeline: Timeline; facts: () => DeploymentFacts | undefined; previousTaskDefinitionArn: () => string }[]
}

export async function deployRelease(
  inputs: Inputs,
  timeline: Timeline,
  hardStop: Deadline,
  startedAt: number,
  record: GitHubDeploymentRecord,
  flight: ReleaseFlight,
): Promise<void> {
  const clients = createClients({ deadline: hardStop })
  const where = `${inputs.cluster}/${inputs.services.join(', ')}`
  timeline.emit({ type: 'phase', at: new Date(), phase: 'preflight', detail: where })
  const single = (name: string): Inputs => ({ ...inputs, service: name, services: [name] })
  const checked = await mapLimit(inputs.services, PREFLIGHT_CONCURRENCY, async (name) => {
    try {
      return { name, checked: await preflight(clients, single(name)) }
    } catch (error) {
      if (!(error instanceof PreflightError)) throw error
      return { name, problems: error.problems }
    }
  })
  const problems = releaseProblems(checked.map((c) => ({ name: c.name, problems: c.problems ?? [] })))
  if (problems.length > 0) return stopBeforeChange(inputs.cluster, inputs.services.join(', '), 'preflight failed', problems)

  const members: Member[] = checked.map((c) => {
    const member = { name: c.name, inputs: single(c.name), timeline: new Timeline(), checked: c.checked as Preflight }
    attachLogReporter(member.timeline, startedAt, c.name)
    for (const message of member.checked.warnings) member.timeline.emit({ type: 'warning', at: new Date(), message })
    return member
  })
  flight.members = members.map((m) => ({ inputs: m.inputs, timeline: m.timeline, facts: () => m.facts, previousTaskDefinitionArn: () => m.checked.currentTaskDefinitionArn }))

  // One build for the release: every service deploys the same image.
  const build = await buildIfAsked(clients, inputs, members[0].checked, timeline, hardStop, inputs.services.join(', '))
  if (!build) return
  const image = build.image
  const deadline = Date.now() + inputs.timeoutMs
  hardStop.stopAt(deadline + HARD_STOP_AFTER_TIMEOUT_MS)
  const poller = new Poller()

  for (const m of members) {
    const taskDefinition = build.built
      ? renderTaskDefinition(m.checked.taskDefinition, { image, containerName: m.checked.containerName }, 'the task definition').taskDefinition
      : m.checked.taskDefinition
    m.timeline.emit({
      type: 'phase',
      at: new Date(),
      phase: 'render',
      detail: renderLine({ currentTaskDefinitionArn: m.checked.currentTaskDefinitionArn }, m.checked.containerName, build.built ? image : m.checked.image),
    })
    m.changes = m.checked.previousTaskDefinition ? diffTaskDefinitions(m.checked.previousTaskDefinition, taskDefinition) : undefined
    if (m.changes) logChanges(m.changes, `${revisionOf(m.checked.currentTaskDefinitionArn, 'the current revision')} (service ${m.name})`)
    m.plan = planOf(m.inputs, m.checked, { image: build.built ? image : m.checked.image, taskDefinition, deadline, hardStop: hardStop.hardStop })
  }

  // A deployment already under way on any service is waited for first: nothing of the release has changed yet.
  const busy = members.filter((m) => m.checked.inProgress)
  const stillBusy = await Promise.all(
    busy.map((m) =>
      waitForIdle(clients, inputs.cluster, m.name, deadline, m.timeline, poller).then(
        () => undefined,
        (error: unknown) => ({ name: m.name, error: error as Error }),
      ),
    ),
  )
  const notIdle = stillBusy.filter((b) => b !== undefined)
  if (notIdle.length > 0) {
    const outcome: Outcome = notIdle.some((b) => b.error instanceof StillBusyError) ? 'timed-out' : 'failed'
    return stopBeforeChange(
      inputs.cluster,
      inputs.services.join(', '),
      'a deployment already in progress did not end',
      notIdle.map((b) => `${b.name}: ${b.error.message}`),
      outcome,
    )
  }

  // The GitHub record starts once every service's deployment has started, so its payload names them all (or at the
  // end of the deployments, when one never started).
  let recordStarted = false
  const startRecord = (all: boolean): void => {
    if (recordStarted || !(all ? members.every((m) => m.facts?.deploymentId) : members.some((m) => m.facts?.deploymentId))) return
    recordStarted = true
    record.start(timeline, {
      cluster: inputs.cluster,
      service: inputs.services.join(', '),
      engine: [...new Set(members.map((m) => m.checked.engine.kind))].join(', '),
      image,
      services: members.map((m) => ({
        service: m.name,
        engine: m.checked.engine.kind,
        previousTaskDefinitionArn: m.checked.currentTaskDefinitionArn,
        taskDefinitionArn: m.facts?.taskDefinitionArn,
        deploymentId: m.facts?.deploymentId,
      })),
    })
  }
  for (const m of members) m.timeline.subscribe(() => startRecord(true))

  timeline.emit({ type: 'phase', at: new Date(), phase: 'deploy', detail: `${members.length} services at once` })
  // The first service to fail stops the others still deploying or baking (each rolls itself back, as at a timeout):
  // the release will not land, and nothing is gained by finishing them first.
  const stop = new AbortController()
  await Promise.all(
    members.map(async (m) => {
      const plan = m.plan as DeployPlan
      m.facts = await poller.stoppable(stop.signal, () => runEngine(clients, m.checked.engine, plan, m.inputs, m.timeline, { poller, onFacts: (live) => (m.facts = live) }))
      m.decision = decideOutcome(m.facts)
      if (inputs.rollback === 'on-failure' && !stop.signal.aborted && !landed(m.decision)) {
        timeline.emit({ type: 'phase', at: new Date(), phase: 'rollback', detail: `${m.name} ${m.decision.outcome}: stopping the release` })
        stop.abort(`another service of the release, ${m.name}, ${m.decision.outcome}`)
      }
    }),
  )
  startRecord(false)

  const failed = members.filter((m) => !landed(m.decision as Decision) && !m.facts?.stopped)
  if (failed.length > 0 && inputs.rollback === 'on-failure') {
    const back = members.filter((m) => m.decision?.outcome === 'succeeded')
    if (back.length > 0)
      timeline.emit({ type: 'phase', at: new Date(), phase: 'rollback', detail: `${back.map((m) => m.name).join(', ')}, as ${failed.map((m) => m.name).join(', ')} failed` })
    await Promise.all(back.map((m) => rollBack(clients, m, failed, poller)))
  }
  await Promise.all(
    members.map(async (m) => {
      const decision = m.decision as Decision
      if (decision.outcome !== 'succeeded' && decision.outcome !== 'started') m.cause = await diagnose(clients, m.facts as DeploymentFacts, m.timeline)
      if (m.rolledBack && m.rolledBack.decision.outcome !== 'succeeded') m.rolledBack.cause = await diagnose(clients, m.rolledBack.facts, m.timeline)
    }),
  )

  const results = members.map(resultOf)
  const release = decideRelease(results, inputs.rollback)
  for (const m of members) {
    const decision = m.decision as Decision
    m.timeline.emit({ type: 'outcome', at: new Date(), ...decision, cause: m.cause })
    if (m.rolledBack) {
      const r = m.rolledBack
      m.timeline.emit({ type: 'outcome', at: new Date(), outcome: backOutcome(r.decision), reason: rolledBackLine(m), cause: r.cause })
    }
  }
  timeline.emit({ type: 'phase', at: new Date(), phase: 'done', detail: `after ${formatDuration(Date.now() - startedAt)}` })
  timeline.emit({ type: 'outcome', at: new Date(), ...release })
  record.finish(release.outcome, release.reason)

  setReleaseOutputs(results, release.outcome, image)
  for (const m of members) {
    const facts = m.facts as DeploymentFacts
    const decision = m.decision as Decision
    if (!m.rolledBack) annotate(decision, facts, m.timeline, m.cause)
    else if (m.rolledBack.decision.outcome === 'succeeded') core.warning(rolledBackLine(m), { title: `ECS deployment rolled back: ${inputs.cluster}/${m.name}` })
    else annotate({ outcome: backOutcome(m.rolledBack.decision), reason: rolledBackLine(m) }, m.rolledBack.facts, m.timeline, m.rolledBack.cause)
  }
  if (release.outcome !== 'succeeded' && release.outcome !== 'started') {
    core.error(release.reason, { title: `ECS release ${release.outcome}: ${inputs.cluster}/${inputs.services.join(', ')}` })
    failStep()
  }
  await writeReleaseSummary(inputs.cluster, release, results, Date.now() - startedAt)
  for (const m of members) {
    // A service rolled back with the release is headed by what became of it, not by its own success.
    const decision = m.rolledBack ? { outcome: backOutcome(m.rolledBack.decision), reason: rolledBackLine(m) } : (m.decision as Decision)
    await writeSummary({ facts: m.facts as DeploymentFacts, decision, timeline: m.timeline, cause: m.rolledBack?.cause ?? m.cause, changes: m.changes, share: members.length })
  }
  for (const m of members) await afterDeploy(clients, m.inputs, m.checked, m.facts as DeploymentFacts, release.outcome)
}

/**
 * Deploys the task definition the service ran before, as it is, and watches it to the end: no alarms (one may be in
 * ALARM for the other service's failure), no bake, no fail fast, and no rollback of the rollback (the circuit breaker
 * would go back to the new release, ECS's last completed deployment).
 */
async function rollBack(clients: Clients, m: Member, failed: Member[], poller: Poller): Promise<void> {
  const plan = m.plan as DeployPlan
  const facts = m.facts as DeploymentFacts
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
  const backFacts = await runEngine(clients, m.checked.engine, back, m.inputs, m.timeline, { poller })
  m.rolledBack = { facts: backFacts, decision: decideOutcome(backFacts) }
}

/** A service rolled back with the release: rolled-back when its rollback succeeded, else how the rollback ended. */
const backOutcome = (d: Decision): Outcome => (d.outcome === 'succeeded' ? 'rolled-back' : d.outcome === 'rolled-back' ? 'failed' : d.outcome)

function rolledBackLine(m: Member): string {
  const r = m.rolledBack
  if (!r) return ''
  const to = revisionOf(m.checked.currentTaskDefinitionArn, 'the previous task definition')
  return r.decision.outcome === 'succeeded'
    ? `${m.name} had deployed ${revisionOf(m.facts?.taskDefinitionArn, 'the release')}, and was rolled back to ${to} because another service of the release failed.`
    : `${m.name} had deployed ${revisionOf(m.facts?.taskDefinitionArn, 'the release')}; rolling it back to ${to} did not succeed: ${r.decision.reason}`
}

function resultOf(m: Member): ServiceResult {
  const facts = m.facts as DeploymentFacts
  return {
    service: m.name,
    engine: m.checked.engine.kind,
    decision: m.decision as Decision,
    ...(facts.taskDefinitionArn ? { taskDefinitionArn: facts.taskDefinitionArn } : {}),
    previousTaskDefinitionArn: m.checked.currentTaskDefinitionArn,
    ...(facts.deploymentId ? { deploymentId: facts.deploymentId } : {}),
    changed: facts.deploymentId !== undefined,
    ...(facts.stopped ? { stopped: true } : {}),
    ...(m.rolledBack ? { rolledBack: { decision: m.rolledBack.decision, ...(m.rolledBack.facts.deploymentId ? { deploymentId: m.rolledBack.facts.deploymentId } : {}) } } : {}),
  }
}

/** Every service's problems, each said once: one shared by all (the cluster, the image, an alarm) as it is, the rest
 * with the service they belong to. */
export function releaseProblems(found: { name: string; problems: string[] }[]): string[] {
  const everywhere = (p: string) => found.every((f) => f.problems.includes(p))
  const shared = [...new Set(found.flatMap((f) => f.problems.filter(everywhere)))]
  const own = found.flatMap((f) => f.problems.filter((p) => !everywhere(p)).map((p) => (p.includes(`\`${f.name}\``) ? p : `Service \`${f.name}\`: ${p}`)))
  return [...shared, ...own]
}

async function mapLimit<T, R>(items: T[], limit: number, each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await each(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
