// RegisterTaskDefinition, DescribeTaskDefinition, DeregisterTaskDefinition, ListTaskDefinitions, with the
// fields ECS adds on registration (revision, status, compatibilities, requiresAttributes, registeredAt...).
import type { JsonObject } from '../types.js'
import { findTaskDefinition } from './lookup.js'
import { toEpochSeconds } from './ids.js'
import type { ContainerDef, Ctx, TaskDefinition } from './state.js'
import { checkImage, checkTaskDefinitionSize } from './task-definition-limits.js'
import { clientError, invalidParameter, optionalEnum, optionalString, optionalStringList, paginate, parseTags, requireString } from './validate.js'

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/
const NETWORK_MODES = ['bridge', 'host', 'awsvpc', 'none'] as const
const COMPATIBILITIES = ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'] as const

/** Fargate's CPU units → the memory sizes (MiB) allowed with them. */
const FARGATE_SIZES: Record<string, number[]> = {
  '256': [512, 1024, 2048],
  '512': range(1024, 4096, 1024),
  '1024': range(2048, 8192, 1024),
  '2048': range(4096, 16384, 1024),
  '4096': range(8192, 30720, 1024),
  '8192': range(16384, 61440, 4096),
  '16384': range(32768, 122880, 8192),
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = []
  for (let v = from; v <= to; v += step) out.push(v)
  return out
}

/** "1 vCPU" / "2 GB" / "512" → the number ECS stores (CPU units, MiB). */
function normalizeSize(v: string, unit: 'cpu' | 'memory'): string {
  const m = /^\s*([\d.]+)\s*(vcpu|gb)?\s*$/i.exec(v)
  if (!m) throw clientError(`Invalid ${unit} value '${v}'.`)
  const n = Number(m[1])
  if (m[2]) return String(Math.round(n * 1024))
  return String(n)
}

export function registerTaskDefinition(ctx: Ctx, input: JsonObject): JsonObject {
  checkTaskDefinitionSize(input)
  const family = requireString(input, 'family')
  if (!FAMILY.test(family)) {
    throw clientError('Family contains invalid characters: up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.')
  }
  const rawContainers = input.containerDefinitions
  if (!Array.isArray(rawContainers)) throw clientError('Container definitions must be specified.')
  if (rawContainers.length === 0) throw clientError('Container list cannot be empty.')
  const networkMode = optionalEnum(input, 'networkMode', NETWORK_MODES)
  const requires = optionalStringList(input, 'requiresCompatibilities') ?? []
  for (const r of requires) {
    if (!(COMPATIBILITIES as readonly string[]).includes(r)) {
      throw invalidParameter(`requiresCompatibilities '${r}' is not valid. Valid values: ${COMPATIBILITIES.join(', ')}.`)
    }
  }
  const cpuIn = optionalString(input, 'cpu')
  const memoryIn = optionalString(input, 'memory')
  const cpu = cpuIn === undefined ? undefined : normalizeSize(cpuIn, 'cpu')
  const memory = memoryIn === undefined ? undefined : normalizeSize(memoryIn, 'memory')
  const executionRoleArn = optionalString(input, 'executionRoleArn')
  const taskRoleArn = optionalString(input, 'taskRoleArn')

  if (requires.includes('FARGATE')) {
    if (networkMode !== 'awsvpc') throw clientError("Fargate only supports network mode 'awsvpc'.")
    if (cpu === undefined) throw clientError("Fargate requires that 'cpu' be defined at the task level.")
    if (memory === undefined) throw clientError("Fargate requires that 'memory' be defined at the task level.")
    if (!FARGATE_SIZES[cpu]?.includes(Number(memory))) {
      throw clientError(`No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`)
    }
  }

  const names = new Set<string>()
  const containers = rawContainers.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null) throw clientError(`containerDefinitions[${i}] must be an object.`)
    const c = raw as JsonObject
    if (typeof c.name !== 'string' || c.name === '') throw clientError('Container.name should not be null or empty.')
    if (typeof c.image !== 'string' || c.image === '') throw clientError('Container.image should not be null or empty.')
    checkImage(c.image)
    if (names.has(c.name)) throw clientError(`Duplicate container name '${c.name}' in the task definition.`)
    names.add(c.name)
    if (memory === undefined && c.memory === undefined && c.memoryReservation === undefined) {
      throw clientError(`Invalid setting for container '${c.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`)
    }
    const log = c.logConfiguration as JsonObject | undefined
    if (log?.logDriver === 'awslogs') {
      const opts = (log.options ?? {}) as Record<string, string>
      if (!opts['awslogs-group']) throw clientError(`Log driver awslogs option 'awslogs-group' should not be null or empty.`)
      if (requires.includes('FARGATE') && !executionRoleArn) {
        throw clientError('Fargate requires task definition to have execution role ARN to support log driver awslogs.')
      }
    }
    return containerWire(c, networkMode)
  })
  if (!containers.some((c) => c.essential !== false)) throw clientError('Task definition must have at least one essential container.')

  const revisions = ctx.state.taskDefinitions.get(family) ?? []
  const revision = revisions.length + 1
  const arn = ctx.arns.taskDefinition(family, revision)
  const mode = networkMode ?? 'bridge'
  const compatibilities = mode === 'awsvpc' && cpu !== undefined && memory !== undefined && FARGATE_SIZES[cpu]?.includes(Number(memory)) ? ['EC2', 'FARGATE'] : ['EXTERNAL', 'EC2']
  const body: JsonObject = {
    taskDefinitionArn: arn,
    containerDefinitions: containers,
    family,
    ...(taskRoleArn ? { taskRoleArn } : {}),
    ...(executionRoleArn ? { executionRoleArn } : {}),
    networkMode: mode,
    revision,
    volumes: input.volumes ?? [],
    status: 'ACTIVE',
    requiresAttributes: requiresAttributes(containers, mode, !!taskRoleArn, !!executionRoleArn),
    placementConstraints: input.placementConstraints ?? [],
    compatibilities,
    ...(input.runtimePlatform ? { runtimePlatform: input.runtimePlatform } : {}),
    requiresCompatibilities: requires,
    ...(cpu !== undefined ? { cpu } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ...(input.pidMode ? { pidMode: input.pidMode } : {}),
    ...(input.ipcMode ? { ipcMode: input.ipcMode } : {}),
    ...(input.ephemeralStorage ? { ephemeralStorage: input.ephemeralStorage } : {}),
    registeredAt: toEpochSeconds(ctx.deps.clock.now()),
    registeredBy: ctx.arns.principal(),
  }
  const tags = parseTags(input) ?? []
  const td: TaskDefinition = { arn, family, revision, status: 'ACTIVE', body, tags }
  revisions.push(td)
  ctx.state.taskDefinitions.set(family, revisions)
  return { taskDefinition: body, tags }
}

/** A container definition with the members ECS fills in on registration. */
function containerWire(c: JsonObject, networkMode: string | undefined): JsonObject {
  const ports = Array.isArray(c.portMappings) ? (c.portMappings as JsonObject[]) : []
  return {
    ...c,
    cpu: c.cpu ?? 0,
    portMappings: ports.map((p) => ({
      ...p,
      ...(networkMode === 'awsvpc' && p.containerPort !== undefined ? { hostPort: p.hostPort ?? p.containerPort } : {}),
      protocol: p.protocol ?? 'tcp',
    })),
    essential: c.essential ?? true,
    environment: c.environment ?? [],
    mountPoints: c.mountPoints ?? [],
    volumesFrom: c.volumesFrom ?? [],
    ...(c.healthCheck
      ? {
          healthCheck: {
            interval: 30,
            timeout: 5,
            retries: 3,
            startPeriod: 0,
            ...(c.healthCheck as JsonObject),
          },
        }
      : {}),
    systemControls: c.systemControls ?? [],
  }
}

function requiresAttributes(containers: JsonObject[], mode: string, taskRole: boolean, execRole: boolean): JsonObject[] {
  const names = new Set<string>(['com.amazonaws.ecs.capability.docker-remote-api.1.18'])
  if (mode === 'awsvpc') names.add('ecs.capability.task-eni')
  if (taskRole) names.add('com.amazonaws.ecs.capability.task-iam-role')
  for (const c of containers) {
    const log = c.logConfiguration as JsonObject | undefined
    if (log?.logDriver === 'awslogs') {
      names.add('com.amazonaws.ecs.capability.logging-driver.awslogs')
      names.add('com.amazonaws.ecs.capability.docker-remote-api.1.19')
      if (execRole) names.add('ecs.capability.execution-role-awslogs')
    }
    if (c.healthCheck) {
      names.add('ecs.capability.container-health-check')
      names.add('com.amazonaws.ecs.capability.docker-remote-api.1.24')
    }
    if (typeof c.image === 'string' && /\.dkr\.ecr\./.test(c.image)) {
      names.add('com.amazonaws.ecs.capability.ecr-auth')
      if (execRole) names.add('ecs.capability.execution-role-ecr-pull')
    }
  }
  return [...names].map((name) => ({ name }))
}

export function describeTaskDefinition(ctx: Ctx, input: JsonObject): JsonObject {
  const ref = requireString(input, 'taskDefinition')
  const td = findTaskDefinition(ctx, ref)
  if (!td) throw clientError('Unable to describe task definition.')
  const withTags = (optionalStringList(input, 'include') ?? []).includes('TAGS')
  return withTags ? { taskDefinition: td.body, tags: td.tags } : { taskDefinition: td.body }
}

export function deregisterTaskDefinition(ctx: Ctx, input: JsonObject): JsonObject {
  const ref = requireString(input, 'taskDefinition')
  if (!ref.includes(':')) throw clientError('A revision must be specified: family:revision or the full ARN.')
  const td = findTaskDefinition(ctx, ref)
  if (!td) throw clientError('TaskDefinition not found.')
  if (td.status === 'ACTIVE') {
    td.status = 'INACTIVE'
    td.body.status = 'INACTIVE'
    td.body.deregisteredAt = toEpochSeconds(ctx.deps.clock.now())
  }
  return { taskDefinition: td.body }
}

export function listTaskDefinitions(ctx: Ctx, input: JsonObject): JsonObject {
  const prefix = optionalString(input, 'familyPrefix')
  const status = optionalEnum(input, 'status', ['ACTIVE', 'INACTIVE', 'DELETE_IN_PROGRESS'] as const) ?? 'ACTIVE'
  const sort = optionalEnum(input, 'sort', ['ASC', 'DESC'] as const) ?? 'ASC'
  const all: TaskDefinition[] = []
  for (const [family, revs] of [...ctx.state.taskDefinitions].sort(([a], [b]) => a.localeCompare(b))) {
    // familyPrefix matches the whole family name in ECS, not a string prefix.
    if (prefix !== undefined && family !== prefix) continue
    all.push(...revs.filter((t) => t.status === status))
  }
  if (sort === 'DESC') all.reverse()
  const { page, nextToken } = paginate(all, input, 100, 100)
  return { taskDefinitionArns: page.map((t) => t.arn), ...(nextToken ? { nextToken } : {}) }
}

/** The parts of a registered task definition that the task lifecycle needs. */
export function containerDefs(td: TaskDefinition): ContainerDef[] {
  return (td.body.containerDefinitions as JsonObject[]).map((c) => {
    const hc = c.healthCheck as JsonObject | undefined
    const log = c.logConfiguration as JsonObject | undefined
    const opts = (log?.options ?? {}) as Record<string, string>
    return {
      name: c.name as string,
      image: c.image as string,
      essential: c.essential !== false,
      ...(hc ? { healthCheck: { interval: Number(hc.interval), retries: Number(hc.retries), startPeriod: Number(hc.startPeriod) } } : {}),
      ...(log?.logDriver === 'awslogs'
        ? {
            awslogs: {
              group: opts['awslogs-group']!,
              ...(opts['awslogs-stream-prefix'] ? { streamPrefix: opts['awslogs-stream-prefix'] } : {}),
              createGroup: opts['awslogs-create-group'] === 'true',
            },
          }
        : {}),
      portMappings: (c.portMappings as JsonObject[]).map((p) => ({ containerPort: p.containerPort as number | undefined })),
    }
  })
}
