// The render inputs applied to the task definition to register: roles on the task, other containers' images, and the
// environment, secrets, env files, labels, command and log configuration of the container that gets `image`.
// Everything the inputs do not name stays as it was, field by field.
import type { ContainerDefinition, LogDriver, RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import type { NameValue, RenderInputs } from '../inputs/render.js'
import { RenderError } from './task-definition.js'

/** `entries` with each of `updates` replacing the entry of its name in place, and the new names after, in their order. */
function mergeByName<T>(entries: T[] | undefined, updates: T[], nameOf: (entry: T) => string | undefined): T[] {
  const byName = new Map(updates.map((u) => [nameOf(u), u]))
  const merged = (entries ?? []).map((e) => byName.get(nameOf(e)) ?? e)
  const present = new Set((entries ?? []).map(nameOf))
  return [...merged, ...updates.filter((u) => !present.has(nameOf(u)))]
}

const asMap = (entries: NameValue[]): Record<string, string> => Object.fromEntries(entries.map((e) => [e.name, e.value]))

function logConfiguration(c: ContainerDefinition, render: RenderInputs, where: string): ContainerDefinition['logConfiguration'] {
  if (render.logDriver === undefined && render.logOptions.length === 0) return c.logConfiguration
  const current = c.logConfiguration
  const logDriver = (render.logDriver ?? current?.logDriver) as LogDriver | undefined
  if (logDriver === undefined) {
    throw new RenderError([
      `Input \`log-configuration-options\` is set, but container \`${c.name}\` of ${where} has no logConfiguration: set \`log-configuration-log-driver\` too.`,
    ])
  }
  // Another driver's options mean nothing to the new one: they start over.
  const kept = current?.logDriver === logDriver ? current.options : undefined
  return { ...current, logDriver, options: { ...kept, ...asMap(render.logOptions) } }
}

/** The container's fields the render inputs set. */
function renderContainer(c: ContainerDefinition, render: RenderInputs, where: string): ContainerDefinition {
  const next: ContainerDefinition = { ...c }
  if (render.environment.length > 0) next.environment = mergeByName(c.environment, render.environment, (e) => e.name)
  if (render.secrets.length > 0) next.secrets = mergeByName(c.secrets, render.secrets, (s) => s.name)
  if (render.environmentFiles.length > 0) next.environmentFiles = render.environmentFiles.map((value) => ({ value, type: 's3' }))
  if (render.dockerLabels.length > 0) next.dockerLabels = { ...c.dockerLabels, ...asMap(render.dockerLabels) }
  if (render.command) next.command = render.command
  const log = logConfiguration(c, render, where)
  if (log) next.logConfiguration = log
  const both = (next.secrets ?? []).map((s) => s.name).filter((n) => (next.environment ?? []).some((e) => e.name === n))
  if ((render.environment.length > 0 || render.secrets.length > 0) && both.length > 0) {
    throw new RenderError([
      `Container \`${c.name}\` of ${where} would have ${both.map((n) => `\`${n}\``).join(', ')} both as an environment variable and as a secret, which ECS refuses when a task starts: rename or remove one.`,
    ])
  }
  return next
}

/**
 * The render inputs applied to `taskDefinition`: `images` (already resolved) by container, the container-level inputs to
 * `containerName`, the roles to the task. A container `images` names that does not exist is a problem listing them.
 */
export function applyRender(taskDefinition: RegisterTaskDefinitionCommandInput, containerName: string, render: RenderInputs, where: string): RegisterTaskDefinitionCommandInput {
  const containers = taskDefinition.containerDefinitions ?? []
  const names = containers.map((c) => c.name)
  const missing = render.images.filter((i) => !names.includes(i.container))
  if (missing.length > 0) {
    throw new RenderError(
      missing.map((i) => `Input \`images\` names container \`${i.container}\`: ${where} has no such container; its containers are ${names.map((n) => `\`${n}\``).join(', ')}.`),
    )
  }
  const images = new Map(render.images.map((i) => [i.container, i.image]))
  return {
    ...taskDefinition,
    ...(render.taskRoleArn !== undefined ? { taskRoleArn: render.taskRoleArn } : {}),
    ...(render.executionRoleArn !== undefined ? { executionRoleArn: render.executionRoleArn } : {}),
    containerDefinitions: containers.map((c) => {
      const withImage = images.has(c.name ?? '') ? { ...c, image: images.get(c.name ?? '') } : c
      return c.name === containerName ? renderContainer(withImage, render, where) : withImage
    }),
  }
}
