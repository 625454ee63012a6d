// Register only (`service` empty): `task-definition` rendered with the inputs, checked, registered, and the run ends
// (outcome `registered`). No ECS service call and no GitHub deployment record; `keep-revisions` applies. For a task
// run by EventBridge or Step Functions, which read the family's latest revision.
import * as core from '@actions/core'
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { createClients } from './aws/clients.js'
import { Deadline, HARD_STOP_AFTER_TIMEOUT_MS } from './aws/deadline.js'
import { errorText } from './aws/errors.js'
import { halt } from './core/halt.js'
import { diffTaskDefinitions } from './core/task-definition-diff.js'
import type { Timeline } from './core/timeline.js'
import { pruneRevisions, prunedLine } from './engines/deregister.js'
import type { Inputs } from './inputs/context.js'
import { preflightRegisterOnly } from './preflight/preflight.js'
import { renderLine } from './render/task-definition.js'
import { reportHalt } from './report/halt.js'
import { logChanges } from './report/log.js'
import { reportRegistered } from './report/registered.js'

const NO_SERVICE = '(register only)'

export async function registerOnly(inputs: Inputs, timeline: Timeline, startedAt: number): Promise<void> {
  const hardStop = new Deadline()
  hardStop.stopAt(startedAt + inputs.timeoutMs + HARD_STOP_AFTER_TIMEOUT_MS)
  try {
    const clients = createClients({ deadline: hardStop })
    const source = inputs.taskDefinitionRef ?? inputs.taskDefinitionFile ?? ''
    timeline.emit({ type: 'phase', at: new Date(), phase: 'preflight', detail: `register only: ${source}` })
    const found = await preflightRegisterOnly(clients, inputs)
    if ('problems' in found) return await reportHalt(inputs.cluster, NO_SERVICE, halt('preflight failed', found.problems))
    for (const message of found.warnings) timeline.emit({ type: 'warning', at: new Date(), message })
    const { taskDefinition, containerName } = found.rendered
    timeline.emit({
      type: 'phase',
      at: new Date(),
      phase: 'render',
      detail: renderLine({ file: inputs.taskDefinitionFile, currentTaskDefinitionArn: source }, containerName, found.image),
    })
    const against = inputs.taskDefinitionRef ?? `the latest revision of ${taskDefinition.family}`
    const changes = found.previous ? diffTaskDefinitions(found.previous, taskDefinition) : undefined
    if (changes) logChanges(changes, against)
    timeline.emit({ type: 'phase', at: new Date(), phase: 'register', detail: `family ${taskDefinition.family}` })
    let arn: string | undefined
    try {
      arn = (await (clients.ecsOnce ?? clients.ecs).send(new RegisterTaskDefinitionCommand(taskDefinition))).taskDefinition?.taskDefinitionArn
    } catch (error) {
      return await reportHalt(inputs.cluster, NO_SERVICE, halt('registration failed', [`RegisterTaskDefinition (family ${taskDefinition.family}): ${errorText(error)}`]))
    }
    if (!arn) return await reportHalt(inputs.cluster, NO_SERVICE, halt('registration failed', ['RegisterTaskDefinition returned no task definition ARN']))
    const lines = inputs.keepRevisions !== undefined ? await keepRevisions(inputs.keepRevisions, arn, clients) : []
    await reportRegistered({ taskDefinitionArn: arn, image: found.image, changes, against, lines })
  } finally {
    hardStop.clear()
  }
}

/** `keep-revisions` after a registration: the new revision is the newest, and kept. */
async function keepRevisions(keep: number, arn: string, clients: ReturnType<typeof createClients>): Promise<string[]> {
  const pruned = await pruneRevisions(clients, arn, keep, [])
  const line = prunedLine(pruned, keep)
  core.info(line)
  for (const problem of pruned.problems) core.warning(`${problem} (the task definition itself was registered)`, { title: 'ecs-safe-deploy: keep-revisions' })
  return [line, ...pruned.problems]
}
