// The one orchestrator: inputs → preflight every service → build once → every engine at once → decide → diagnose →
// report. A single service is a release of one. Nothing in AWS changes before preflight (and a build) passed; the
// run's deadline bounds every AWS call, so it always ends with an outcome. The engines run on the run's one Poller
// (one call budget; their watches share reads), each with its own context; when one fails (and `rollback` is
// on-failure) the others are stopped and the services that had succeeded go back to what they ran before, so a
// release lands everywhere or nowhere (core/release.ts decides it).
import { revisionOf } from './aws/arn.js'
import { createClients, type Clients } from './aws/clients.js'
import { HARD_STOP_AFTER_TIMEOUT_MS, type Deadline } from './aws/deadline.js'
import { errorText } from './aws/errors.js'
import { halt, isHalt, type Halt } from './core/halt.js'
import { decideOutcome } from './core/outcome.js'
import { landed } from './core/release.js'
import { diffTaskDefinitions } from './core/task-definition-diff.js'
import { Timeline } from './core/timeline.js'
import { engineFor } from './engines/index.js'
import { forService, type Inputs } from './inputs/context.js'
import type { Preflight } from './preflight/preflight.js'
import { preflightRelease } from './preflight/release.js'
import { renderLine, renderTaskDefinition } from './render/task-definition.js'
import type { GitHubDeploymentRecord } from './report/github-deployment.js'
import { reportHalt } from './report/halt.js'
import { attachLogReporter, logChanges } from './report/log.js'
import { reportRun, startRecord } from './report/release.js'
import { registerShared } from './register-shared.js'
import { rollBackLanded } from './rollback-release.js'
import { checkOneOffs, planOneOffs } from './tasks/plan.js'
import { afterDeploy, buildIfAsked, planOf, type Member } from './steps.js'
import { RunContext } from './watch/context.js'
import { diagnose } from './watch/diagnose.js'
import { waitForIdle } from './watch/idle.js'
import { Poller } from './watch/poller.js'

/** One run of the main step, as the entry point set it up. */
export interface Run {
  inputs: Inputs
  /** The run's own timeline (a single service's, too); each service of several has its own beside it. */
  timeline: Timeline
  hardStop: Deadline
  startedAt: number
  record: GitHubDeploymentRecord
  /** What a cancel needs to know: the services, once preflight passed. */
  flight: { members?: Member[] }
}

const where = (inputs: Inputs): string => inputs.services.join(', ')

export async function deployRelease(run: Run): Promise<void> {
  const { inputs, timeline } = run
  const clients = createClients({ deadline: run.hardStop })
  timeline.emit({ type: 'phase', at: new Date(), phase: 'preflight', detail: `${inputs.cluster}/${where(inputs)}` })
  const found = await preflightRelease(clients, inputs)
  if ('problems' in found) return reportHalt(inputs.cluster, where(inputs), halt('preflight failed', found.problems))
  const oneOffProblems = checkOneOffs(inputs, found.checked[0])
  if (oneOffProblems.length > 0) return reportHalt(inputs.cluster, where(inputs), halt('preflight failed', oneOffProblems))
  const members = found.checked.map((checked, i) => memberOf(run, inputs.services[i], checked, found.checked.length > 1))
  run.flight.members = members

  // One build for the release: every service deploys the same image.
  const build = await buildIfAsked(clients, inputs, members[0].checked, timeline, run.hardStop)
  if (isHalt(build)) return reportHalt(inputs.cluster, where(inputs), build)
  const deadline = Date.now() + inputs.timeoutMs
  // The timeout is for the deployment and bake; a build before them does not eat into it.
  run.hardStop.stopAt(deadline + HARD_STOP_AFTER_TIMEOUT_MS)
  for (const m of members) render(m, build, deadline, run.hardStop.hardStop, members.length > 1)

  const poller = new Poller()
  const busy = await waitUntilIdle(clients, members, deadline, poller)
  if (busy) return reportHalt(inputs.cluster, where(inputs), busy)
  await registerShared(clients, members)
  await deployAll(clients, run, members, build.image, poller)
  if (inputs.rollback === 'on-failure') await rollBackLanded(clients, members, timeline, poller)
  await Promise.all(members.map((m) => diagnoseMember(clients, m)))
  const decision = await reportRun(endOf(run, build.image), members)
  for (const m of members) await afterDeploy(clients, m.inputs, m.checked, m.facts!, decision.outcome)
}

const endOf = (run: Run, image?: string) => ({
  cluster: run.inputs.cluster,
  rollback: run.inputs.rollback,
  timeline: run.timeline,
  startedAt: run.startedAt,
  record: run.record,
  image,
})

/** A service of the release once preflight passed: its own timeline (the run's for a single service), its warnings. */
function memberOf(run: Run, name: string, checked: Preflight, several: boolean): Member {
  let timeline = run.timeline
  if (several) {
    timeline = new Timeline()
    attachLogReporter(timeline, run.startedAt, name)
  }
  for (const message of checked.warnings) timeline.emit({ type: 'warning', at: new Date(), message })
  return { name, inputs: forService(run.inputs, name), timeline, checked, engine: checked.engine.kind, previousTaskDefinitionArn: checked.currentTaskDefinitionArn }
}

/** The task definition each service registers (with the built image), what changes, and its engine's plan. */
function render(m: Member, build: { image?: string; built: boolean }, deadline: number, hardStop: number | undefined, several: boolean): void {
  const { checked } = m
  const image = build.built ? build.image : checked.image
  const taskDefinition = build.built
    ? renderTaskDefinition(checked.taskDefinition, { image, containerName: checked.containerName }, 'the task definition').taskDefinition
    : checked.taskDefinition
  const existing = checked.existing
  const line = renderLine({ file: m.inputs.taskDefinitionFile, currentTaskDefinitionArn: existing?.arn ?? checked.currentTaskDefinitionArn }, checked.containerName, image)
  m.timeline.emit({ type: 'phase', at: new Date(), phase: 'render', detail: existing?.asIs ? existing.why : `${existing ? `${existing.why} ` : ''}${line}` })
  // What changes, before anything does (secret values never shown).
  m.changes = checked.previousTaskDefinition ? diffTaskDefinitions(checked.previousTaskDefinition, taskDefinition) : undefined
  const against = revisionOf(checked.currentTaskDefinitionArn, 'the current revision')
  if (m.changes) logChanges(m.changes, several ? `${against} (service ${m.name})` : against)
  m.plan = planOf(m.inputs, checked, { image, taskDefinition, deadline, hardStop })
}

/** A deployment already under way on any service is waited for first (nothing of the release has changed yet); the
 * halt when one did not end. */
async function waitUntilIdle(clients: Clients, members: Member[], deadline: number, poller: Poller): Promise<Halt | undefined> {
  // Preflight names a deployment in progress only for engines that wait for it here (engines/contract.ts waitsForIdle).
  const busy = members.filter((m) => m.checked.inProgress)
  const prefix = (m: Member) => (members.length > 1 ? `${m.name}: ` : '')
  const ended = await Promise.all(
    busy.map((m) =>
      waitForIdle(clients, m.inputs.cluster, m.name, deadline, m.timeline, new RunContext(poller)).then(
        (idle) => (idle.stillBusy ? { timedOut: true, problem: `${prefix(m)}${idle.stillBusy}` } : undefined),
        (error: unknown) => ({ timedOut: false, problem: `${prefix(m)}${errorText(error)}` }),
      ),
    ),
  )
  const notIdle = ended.filter((e) => e !== undefined)
  if (notIdle.length === 0) return undefined
  return halt(
    'a deployment already in progress did not end',
    notIdle.map((e) => e.problem),
    { outcome: notIdle.some((e) => e.timedOut) ? 'timed-out' : 'failed' },
  )
}

/**
 * Every service's engine at once, each with its own context on the one Poller. The first service to fail stops the
 * others still deploying or baking (each rolls itself back, trigger `release`): the release will not land, and
 * nothing is gained by finishing them first.
 */
async function deployAll(clients: Clients, run: Run, members: Member[], image: string | undefined, poller: Poller): Promise<void> {
  const { inputs, timeline, record } = run
  const end = endOf(run, image)
  for (const m of members) m.timeline.subscribe(() => startRecord(record, end, members, true))
  if (members.length > 1) timeline.emit({ type: 'phase', at: new Date(), phase: 'deploy', detail: `${members.length} services at once` })
  const stop = new AbortController()
  const oneOffs = planOneOffs(clients, inputs, members[0])
  await Promise.all(
    members.map(async (m, i) => {
      const options = { run: new RunContext(poller, stop.signal), onFacts: (live: Member['facts']) => (m.facts = live), ...oneOffs.forMember(i) }
      m.facts = await engineFor(m.checked.engine).run(clients, { ...m.plan!, engine: m.checked.engine }, m.timeline, options)
      if (i === 0) oneOffs.firstEnded()
      m.decision = decideOutcome(m.facts)
      if (members.length > 1 && inputs.rollback === 'on-failure' && !stop.signal.aborted && !landed(m.decision)) {
        timeline.emit({ type: 'phase', at: new Date(), phase: 'rollback', detail: `${m.name} ${m.decision.outcome}: stopping the release` })
        stop.abort(`another service of the release, ${m.name}, ${m.decision.outcome}`)
      }
    }),
  )
  startRecord(record, end, members, false)
}

async function diagnoseMember(clients: Clients, m: Member): Promise<void> {
  if (!landed(m.decision!)) m.cause = await diagnose(clients, m.facts!, m.timeline)
  if (m.rolledBack && m.rolledBack.decision.outcome !== 'succeeded') m.rolledBack.cause = await diagnose(clients, m.rolledBack.facts, m.timeline)
}
