// RunTask: a one-off task of a task definition, placed as a service's would be (launch type or capacity providers,
// network configuration), with per-container command overrides. The container then does what the world's behaviour
// for its image and command says (see behaviors.ts): a migration that exits 0, fails with exit 1, hangs, or never
// starts (an image it cannot pull, a log group that does not exist).
import type { JsonObject } from '../types.js'
import { getCluster, getUsableTaskDefinition } from './lookup.js'
import { checkCompatible, parsePlacement } from './services.js'
import type { Ctx } from './state.js'
import { newTask, taskWire } from './tasks.js'
import { containerDefs } from './task-definitions.js'
import { invalidParameter, optionalEnum, optionalInt, optionalObject, optionalString, parseTags, requireString } from './validate.js'

const STARTED_BY = /^[A-Za-z0-9/_-]{1,128}$/

export function runTask(ctx: Ctx, input: JsonObject): JsonObject {
  const cluster = getCluster(ctx, optionalString(input, 'cluster'))
  const token = optionalString(input, 'clientToken')
  // A retry with the same token (its answer was lost) starts nothing new: ECS answers with the tasks it started.
  const again = token !== undefined ? ctx.state.runTaskTokens.get(`${cluster.name}/${token}`) : undefined
  if (again) return { tasks: again.map((id) => ctx.state.tasks.get(id)).flatMap((t) => (t ? [taskWire(ctx, t, false)] : [])), failures: [] }
  const td = getUsableTaskDefinition(ctx, requireString(input, 'taskDefinition'))
  const count = optionalInt(input, 'count', 1, 10) ?? 1
  const placement = parsePlacement(input, undefined)
  const networkConfiguration = optionalObject(input, 'networkConfiguration')
  checkCompatible(td, placement, networkConfiguration)
  const startedBy = optionalString(input, 'startedBy')
  if (startedBy !== undefined && !STARTED_BY.test(startedBy)) {
    throw invalidParameter('startedBy can have up to 128 letters (uppercase and lowercase), numbers, hyphens, forward slashes, and underscores.')
  }
  // "An error will be received if you specify the SERVICE option when running a task." (RunTask, propagateTags)
  const propagate = optionalEnum(input, 'propagateTags', ['TASK_DEFINITION', 'SERVICE', 'NONE'] as const)
  if (propagate === 'SERVICE') throw invalidParameter('The SERVICE option for propagateTags is not supported when running a task; pass the tags in tags instead.')
  const tags = [...(propagate === 'TASK_DEFINITION' ? td.tags : []), ...(parseTags(input) ?? [])]
  const commands = containerCommands(td, optionalObject(input, 'overrides'))
  const now = ctx.deps.clock.now()
  const tasks = Array.from({ length: count }, () =>
    newTask(ctx, td, { ...placement, ...(networkConfiguration ? { networkConfiguration } : {}) }, now, {
      clusterName: cluster.name,
      tags,
      group: optionalString(input, 'group') ?? `family:${td.family}`,
      ...(startedBy !== undefined ? { startedBy } : {}),
      commands,
    }),
  )
  if (token !== undefined)
    ctx.state.runTaskTokens.set(
      `${cluster.name}/${token}`,
      tasks.map((t) => t.id),
    )
  return { tasks: tasks.map((t) => taskWire(ctx, t, false)), failures: [] }
}

/** `overrides.containerOverrides[].command` by container name; an override must name a container of the task definition. */
function containerCommands(td: Parameters<typeof containerDefs>[0], overrides: JsonObject | undefined): Record<string, string[]> {
  const names = new Set(containerDefs(td).map((d) => d.name))
  const commands: Record<string, string[]> = {}
  for (const o of (overrides?.containerOverrides ?? []) as JsonObject[]) {
    const name = o.name as string | undefined
    if (name === undefined || !names.has(name)) throw invalidParameter(`Override for container named ${String(name)} is not a container in the TaskDefinition.`)
    if (Array.isArray(o.command)) commands[name] = o.command as string[]
  }
  return commands
}
