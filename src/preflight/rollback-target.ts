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
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand,
  ListServiceDeploymentsCommand,
  type Service,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs'
import { GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy'
import { revisionOf } from '../aws/arn.js'
import type { Clients } from '../aws/clients.js'
import { callProblem } from '../aws/errors.js'
import type { Engine } from '../core/plan.js'
import type { Inputs } from '../inputs/context.js'
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

/** One successful deployment in the service's history, oldest first once sorted. */
interface Completed {
  taskDefinitionArn: string
  at: Date
  image?: string
  /** The revision it replaced, when the history says. */
  from?: string[]
  id: string
}

interface History {
  completed: Completed[]
  /** Revisions whose own deployment ended in a rollback. */
  rolledBack: Set<string>
  /** What could not be read (deployments not made by this action on CodeDeploy). */
  notes: string[]
}

const HISTORY_PAGES = 3
const CODEDEPLOY_LOOKS = 25

/**
 * The revision a run deploys as it is, or undefined when it registers one (a file, or `image` put into the running
 * revision). `image` with `task-definition` naming a revision is rendered into a new revision of it, so it is
 * described here too (`asIs` false).
 */
export async function resolveTarget(
  clients: Clients,
  inputs: Inputs,
  service: Service,
  engine: Engine | undefined,
): Promise<{ target?: ExistingTarget; asIs: boolean; problems: string[] }> {
  const running = service.taskDefinition ?? ''
  const problems: string[] = []
  let ref: string | undefined
  let why = ''
  let rollback: RollbackChoice | undefined
  if (inputs.rollbackTo === 'previous') {
    let history: History
    try {
      history = engine?.kind === 'codedeploy' ? await codeDeployHistory(clients, engine.application, engine.deploymentGroup, inputs.service) : await ecsHistory(clients, service)
    } catch (err) {
      return {
        asIs: true,
        problems: [
          `\`rollback-to: previous\`: the service's deployment history could not be read: ${callProblem(engine?.kind === 'codedeploy' ? 'CodeDeploy ListDeployments/GetDeployment' : 'ECS ListServiceDeployments', err)}`,
        ],
      }
    }
    const records = await githubRolledBack(inputs.github, inputs.cluster, inputs.service)
    for (const arn of records.rolledBack) history.rolledBack.add(arn)
    if (records.note) history.notes.push(records.note)
    const chosen = choosePrevious(history, running)
    const notes = history.notes.length > 0 ? ` (${history.notes.join('; ')})` : ''
    if (!chosen.found) {
      return {
        asIs: true,
        problems: [
          `\`rollback-to: previous\`: no task definition other than ${revisionOf(running, '?')} (the one running) completed successfully on service \`${inputs.service}\` in its deployment history${chosen.skipped.length > 0 ? `; skipped ${chosen.skipped.join(', ')}` : ''}${notes}. Name a revision instead: \`rollback-to: web:5\` or its ARN.`,
        ],
      }
    }
    ref = chosen.found.taskDefinitionArn
    why =
      `\`rollback-to: previous\` chose ${revisionOf(ref, '?')}: the last task definition that completed successfully on this service before ${revisionOf(running, '?')} ` +
      `(deployment ${chosen.found.id}, completed ${chosen.found.at.toISOString()})` +
      `${chosen.skipped.length > 0 ? `; skipped ${chosen.skipped.join(', ')}` : ''}${notes}.`
    rollback = { from: revisionOf(running, '?'), to: revisionOf(ref, '?'), deployedAt: chosen.found.at, ...(chosen.found.image ? { image: chosen.found.image } : {}) }
  } else if (inputs.rollbackTo !== undefined) {
    ref = inputs.rollbackTo
    why = `\`rollback-to\` names ${ref}.`
    rollback = { from: revisionOf(running, '?'), to: revisionOf(ref, '?') }
  } else if (inputs.taskDefinitionRef !== undefined) {
    ref = inputs.taskDefinitionRef
    why =
      inputs.image !== undefined
        ? `\`task-definition\` names ${ref}: a new revision of it is registered with \`image\` ${inputs.image}.`
        : `\`task-definition\` names ${ref}: deployed as it is, no new revision registered.`
  } else if (inputs.forceNewDeployment && inputs.image === undefined && !inputs.build && !inputs.taskDefinitionFile) {
    ref = running
    why = `\`force-new-deployment\` with no \`image\`: the running ${revisionOf(running, '?')} is deployed again as it is.`
  }
  if (ref === undefined) return { asIs: false, problems }

  let described: { taskDefinition?: TaskDefinition; tags?: Tag[] }
  try {
    described = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref, include: ['TAGS'] }))
  } catch (err) {
    return { asIs: true, problems: [`Task definition \`${ref}\` (${inputSource(inputs)}): ${callProblem('ECS DescribeTaskDefinition', err)}`] }
  }
  const td = described.taskDefinition
  if (!td?.taskDefinitionArn) return { asIs: true, problems: [`Task definition \`${ref}\` (${inputSource(inputs)}) was not found.`] }
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
  } else if (isRunning && inputs.taskDefinitionRef !== undefined && inputs.image === undefined && !inputs.forceNewDeployment) {
    problems.push(`Input \`task-definition\` is \`${ref}\`: service \`${inputs.service}\` already runs ${name}; set \`force-new-deployment: true\` to deploy it again.`)
  }
  if (rollback && !rollback.image) rollback.image = imageOf(td)
  const asIs = !(inputs.taskDefinitionRef !== undefined && inputs.image !== undefined)
  return { target: { arn: td.taskDefinitionArn, taskDefinition: td, tags: described.tags ?? [], why, ...(rollback ? { rollback } : {}) }, asIs, problems }
}

function inputSource(inputs: Inputs): string {
  return inputs.rollbackTo !== undefined ? 'rollback-to' : inputs.taskDefinitionRef !== undefined ? 'task-definition' : 'the running revision'
}

/** Newest first: the first completed revision that is not the running one and was never rolled back. */
export function choosePrevious(history: History, running: string): { found?: Completed; skipped: string[] } {
  const completed = [...history.completed].sort((a, b) => a.at.getTime() - b.at.getTime())
  const rolledBack = new Set(history.rolledBack)
  // A successful deployment that goes back to what the one before it replaced rolled that one back.
  for (let i = 1; i < completed.length; i++) {
    const before = completed[i - 1]
    const replaced = before.from ?? (i >= 2 ? [completed[i - 2].taskDefinitionArn] : [])
    if (completed[i].taskDefinitionArn !== before.taskDefinitionArn && replaced.includes(completed[i].taskDefinitionArn)) rolledBack.add(before.taskDefinitionArn)
  }
  // Every rolled-back revision is named, whether its deployment completed first (then rolled back by hand or by the
  // action) or ended in ECS's own rollback.
  const skipped = [...rolledBack].filter((arn) => arn !== running).map((arn) => `${revisionOf(arn, '?')} (rolled back)`)
  const found = completed.reverse().find((c) => c.taskDefinitionArn !== running && !rolledBack.has(c.taskDefinitionArn))
  return { ...(found ? { found } : {}), skipped }
}

const chunks = <T>(list: T[], size: number): T[][] => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size))

/** The ECS controller's service deployments and the revisions they deployed. */
async function ecsHistory(clients: Clients, service: Service): Promise<History> {
  const arns: string[] = []
  let nextToken: string | undefined
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const out = await clients.ecs.send(
      new ListServiceDeploymentsCommand({ cluster: service.clusterArn, service: service.serviceArn ?? service.serviceName, maxResults: 100, nextToken }),
    )
    arns.push(...(out.serviceDeployments ?? []).map((d) => d.serviceDeploymentArn ?? '').filter((a) => a !== ''))
    nextToken = out.nextToken
    if (!nextToken) break
  }
  const deployments = []
  for (const batch of chunks(arns, 20)) {
    deployments.push(...((await clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: batch }))).serviceDeployments ?? []))
  }
  const revisionArns = [
    ...new Set(deployments.flatMap((d) => [d.targetServiceRevision?.arn, ...(d.sourceServiceRevisions ?? []).map((r) => r.arn)]).filter((a): a is string => !!a)),
  ]
  const revisions = new Map<string, { taskDefinition?: string; image?: string }>()
  for (const batch of chunks(revisionArns, 20)) {
    for (const r of (await clients.ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch }))).serviceRevisions ?? []) {
      const image = r.containerImages?.find((c) => c.imageDigest)
      revisions.set(r.serviceRevisionArn ?? '', {
        taskDefinition: r.taskDefinition,
        ...(image ? { image: image.image?.includes('@') ? image.image : `${image.image?.replace(/:[^:/]+$/, '')}@${image.imageDigest}` } : {}),
      })
    }
  }
  const history: History = { completed: [], rolledBack: new Set(), notes: [] }
  for (const d of deployments) {
    const target = revisions.get(d.targetServiceRevision?.arn ?? '')
    if (!target?.taskDefinition) continue
    if (d.status === 'SUCCESSFUL') {
      const from = (d.sourceServiceRevisions ?? []).map((r) => revisions.get(r.arn ?? '')?.taskDefinition).filter((t): t is string => !!t)
      history.completed.push({
        taskDefinitionArn: target.taskDefinition,
        at: d.finishedAt ?? d.updatedAt ?? d.createdAt ?? new Date(0),
        ...(target.image ? { image: target.image } : {}),
        from,
        id: revisionOf(d.serviceDeploymentArn, '?'),
      })
    } else if (d.status?.startsWith('ROLLBACK_')) history.rolledBack.add(target.taskDefinition)
  }
  return history
}

/** `ecs-safe-deploy: web → web:5`, the description the CodeDeploy engine gives its deployments. */
const OUR_DESCRIPTION = /^ecs-safe-deploy: (\S+) → ([A-Za-z0-9_-]+:\d+)$/

/** CodeDeploy's succeeded deployments of the group, with the task definition each deployed when it can be known. */
async function codeDeployHistory(clients: Clients, application: string, deploymentGroup: string, service: string): Promise<History> {
  const ids: string[] = []
  let nextToken: string | undefined
  for (let page = 0; page < HISTORY_PAGES && ids.length < CODEDEPLOY_LOOKS; page++) {
    const out = await clients.codedeploy.send(
      new ListDeploymentsCommand({ applicationName: application, deploymentGroupName: deploymentGroup, includeOnlyStatuses: ['Succeeded'], nextToken }),
    )
    ids.push(...(out.deployments ?? []))
    nextToken = out.nextToken
    if (!nextToken) break
  }
  const history: History = { completed: [], rolledBack: new Set(), notes: [] }
  let unreadable = 0
  const arnOf = new Map<string, string>()
  for (const id of ids.slice(0, CODEDEPLOY_LOOKS)) {
    const info = (await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo
    if (!info || info.status !== 'Succeeded') continue
    // A rollback deployment goes back to a revision an earlier deployment completed; it may carry the description of
    // the deployment it rolled back, which names the revision it did not deploy.
    if (info.creator === 'codeDeployRollback' || info.rollbackInfo?.rollbackTriggeringDeploymentId) continue
    const ours = OUR_DESCRIPTION.exec(info.description ?? '')
    if (!ours || ours[1] !== service) {
      unreadable++
      continue
    }
    let arn = arnOf.get(ours[2])
    if (!arn) {
      const td = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ours[2] }))).taskDefinition
      arn = td?.taskDefinitionArn ?? ours[2]
      arnOf.set(ours[2], arn)
    }
    history.completed.push({ taskDefinitionArn: arn, at: info.completeTime ?? info.createTime ?? new Date(0), id })
  }
  if (unreadable > 0) {
    history.notes.push(
      `${unreadable} succeeded CodeDeploy ${unreadable === 1 ? 'deployment was' : 'deployments were'} not made by this action and left out: GetDeployment returns only the AppSpec's sha256, not the task definition it names`,
    )
  }
  return history
}
