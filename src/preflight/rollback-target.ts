// The registered revision a run deploys as it is (no RegisterTaskDefinition): `rollback-to` (`previous`, an ARN or
// `family:revision`), `task-definition` naming a revision, or an explicit redeploy of the running one. Read-only.
//
// `previous` is the last task definition that completed successfully on this service before the one it runs now,
// never one that was itself rolled back. It is read from the service's history:
// - ECS controller: ListServiceDeployments → DescribeServiceDeployments → DescribeServiceRevisions.
// - CODE_DEPLOY controller: ListDeployments (Succeeded) → GetDeployment. GetDeployment returns only the AppSpec's
//   sha256, not its text, so the task definition is read from the description this action gives every deployment it
//   creates (`ecs-safe-deploy: <service> → <family:revision>`); deployments made otherwise are skipped and said so.
// - Where this action's GitHub deployment records exist: a revision whose record ended in `failure` (./github-history.ts).
// A revision was rolled back when its deployment ended in a rollback (ECS: ROLLBACK_*), when its GitHub record ended
// in failure, or when the next successful deployment went back to the revision it had replaced (a rollback by the
// action, by CodeDeploy or by hand).
import { DescribeTaskDefinitionCommand, type Service, type Tag, type TaskDefinition } from '@aws-sdk/client-ecs'
import { familyOf, revisionOf } from '../aws/arn.js'
import type { Clients } from '../aws/clients.js'
import { callProblem } from '../aws/errors.js'
import { choosePrevious, type History } from '../core/history.js'
import type { Engine } from '../core/plan.js'
import { engineFor, ROLLING } from '../engines/index.js'
import type { ServiceInputs } from '../inputs/context.js'
import { rendersSomething } from '../inputs/render.js'
import { imageOf } from '../render/task-definition.js'
import { githubRolledBack } from './github-history.js'

/** A registered revision to deploy as it is. */
export interface ExistingTarget {
  arn: string
  taskDefinition: TaskDefinition
  tags: Tag[]
  /** Why this revision, for the log: one sentence. */
  why: string
  /** Set for `rollback-to`. */
  rollback?: RollbackChoice
}

export interface RollbackChoice {
  /** The revision running now (`web:7`) and the one rolled back to (`web:5`). */
  from: string
  to: string
  /** When it last completed on this service (`previous` only). */
  deployedAt?: Date
  /** Its image, by digest when the history has it. */
  image?: string
}

/**
 * The revision a run deploys as it is, or undefined when it registers one (a file, or `image` put into the running
 * revision). `image` with `task-definition` naming a revision is rendered into a new revision of it, so it is
 * described here too (`asIs` false).
 */
export async function resolveTarget(
  clients: Clients,
  inputs: ServiceInputs,
  service: Service,
  engine: Engine | undefined,
): Promise<{ target?: ExistingTarget; asIs: boolean; problems: string[] }> {
  const running = service.taskDefinition ?? ''
  const chosen = inputs.rollbackTo === 'previous' ? await resolvePrevious(clients, inputs, service, engine) : chooseFromInputs(inputs, running)
  if (chosen === undefined) return { asIs: false, problems: [] }
  if ('problem' in chosen) return { asIs: true, problems: [chosen.problem] }
  return describeChosen(clients, inputs, running, chosen)
}

/** The revision a run deploys as it is, before it is described. */
interface Chosen {
  ref: string
  why: string
  rollback?: RollbackChoice
}

/** `rollback-to: previous`, from the service's history and this action's GitHub deployment records. */
async function resolvePrevious(clients: Clients, inputs: ServiceInputs, service: Service, engine: Engine | undefined): Promise<Chosen | { problem: string }> {
  const running = service.taskDefinition ?? ''
  const read = await readHistory(clients, inputs, service, engine)
  if ('problem' in read) return { problem: `\`rollback-to: previous\`: the service's deployment history could not be read: ${read.problem}` }
  const { history } = read
  const records = await githubRolledBack(inputs.github, inputs.cluster, inputs.service)
  for (const arn of records.rolledBack) history.rolledBack.add(arn)
  if (records.note) history.notes.push(records.note)
  const chosen = choosePrevious(history, running)
  const skipped = chosen.skipped.length > 0 ? `; skipped ${chosen.skipped.join(', ')}` : ''
  const notes = history.notes.length > 0 ? ` (${history.notes.join('; ')})` : ''
  if (!chosen.found) {
    return {
      problem: `\`rollback-to: previous\`: no task definition other than ${revisionOf(running, '?')} (the one running) completed successfully on service \`${inputs.service}\` in its deployment history${skipped}${notes}. Name a revision instead: \`rollback-to: ${familyOf(running)}:<revision>\` or its ARN.`,
    }
  }
  const { found } = chosen
  const ref = found.taskDefinitionArn
  return {
    ref,
    why:
      `\`rollback-to: previous\` chose ${revisionOf(ref, '?')}: the last task definition that completed successfully on this service before ${revisionOf(running, '?')} ` +
      `(deployment ${found.id}, completed ${found.at.toISOString()})` +
      `${skipped}${notes}.`,
    rollback: { from: revisionOf(running, '?'), to: revisionOf(ref, '?'), deployedAt: found.at, ...(found.image ? { image: found.image } : {}) },
  }
}

/** The service's deployment history, read by the engine that deploys it (ECS's when none could be chosen), or the
 * failed call. */
async function readHistory(clients: Clients, inputs: ServiceInputs, service: Service, engine: Engine | undefined): Promise<{ history: History } | { problem: string }> {
  const chosen = engine ?? ROLLING
  const definition = engineFor(chosen)
  try {
    return { history: await definition.history(clients, { service, name: inputs.service, engine: chosen }) }
  } catch (err) {
    return { problem: callProblem(definition.historyCall, err) }
  }
}

/** A revision the inputs name (`rollback-to` other than `previous`, `task-definition`), or the running one redeployed. */
function chooseFromInputs(inputs: ServiceInputs, running: string): Chosen | undefined {
  if (inputs.rollbackTo !== undefined) {
    const ref = inputs.rollbackTo
    return { ref, why: `\`rollback-to\` names ${ref}.`, rollback: { from: revisionOf(running, '?'), to: revisionOf(ref, '?') } }
  }
  if (inputs.taskDefinitionRef !== undefined) {
    const ref = inputs.taskDefinitionRef
    const why =
      inputs.image !== undefined || rendersSomething(inputs.render)
        ? `\`task-definition\` names ${ref}: a new revision of it is registered with ${inputs.image !== undefined ? `\`image\` ${inputs.image}` : 'the render inputs'}.`
        : `\`task-definition\` names ${ref}: deployed as it is, no new revision registered.`
    return { ref, why }
  }
  if (inputs.forceNewDeployment && inputs.image === undefined && !inputs.build && !inputs.taskDefinitionFile && !rendersSomething(inputs.render)) {
    return { ref: running, why: `\`force-new-deployment\` with no \`image\`: the running ${revisionOf(running, '?')} is deployed again as it is.` }
  }
  return undefined
}

/** Describes the chosen revision and checks that it can be deployed. */
async function describeChosen(clients: Clients, inputs: ServiceInputs, running: string, { ref, why, rollback }: Chosen): ReturnType<typeof resolveTarget> {
  let described: { taskDefinition?: TaskDefinition; tags?: Tag[] }
  try {
    described = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref, include: ['TAGS'] }))
  } catch (err) {
    return { asIs: true, problems: [`Task definition \`${ref}\` (${inputSource(inputs)}): ${callProblem('ECS DescribeTaskDefinition', err)}`] }
  }
  const td = described.taskDefinition
  if (!td?.taskDefinitionArn) return { asIs: true, problems: [`Task definition \`${ref}\` (${inputSource(inputs)}) was not found.`] }
  const problems: string[] = []
  const name = revisionOf(td.taskDefinitionArn, ref)
  if (td.status !== undefined && td.status !== 'ACTIVE') {
    problems.push(
      `Task definition ${name} (${inputSource(inputs)}) is ${td.status}: ECS refuses to update a service to a task definition that is not ACTIVE. ` +
        `Register its contents again (aws ecs describe-task-definition --task-definition ${name} --query taskDefinition, then register-task-definition) and deploy that revision.`,
    )
  }
  const isRunning = td.taskDefinitionArn === running
  if (isRunning && rollback) {
    problems.push(`\`rollback-to\`: ${name} is the task definition service \`${inputs.service}\` already runs; there is nothing to roll back to. Name an older revision.`)
  } else if (isRunning && inputs.taskDefinitionRef !== undefined && inputs.image === undefined && !inputs.forceNewDeployment && !rendersSomething(inputs.render)) {
    problems.push(`Input \`task-definition\` is \`${ref}\`: service \`${inputs.service}\` already runs ${name}; set \`force-new-deployment: true\` to deploy it again.`)
  }
  if (rollback && !rollback.image) rollback.image = imageOf(td)
  // `image` or a render input make a new revision of the one `task-definition` names.
  const asIs = !(inputs.taskDefinitionRef !== undefined && (inputs.image !== undefined || rendersSomething(inputs.render)))
  return { target: { arn: td.taskDefinitionArn, taskDefinition: td, tags: described.tags ?? [], why, ...(rollback ? { rollback } : {}) }, asIs, problems }
}

function inputSource(inputs: ServiceInputs): string {
  return inputs.rollbackTo !== undefined ? 'rollback-to' : inputs.taskDefinitionRef !== undefined ? 'task-definition' : 'the running revision'
}
