// The task definition to register: a file (JSON or YAML) or the service's live one, cleaned of what ECS reports but
// does not take back, with `image` put into one container. Everything else passes through untouched.
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs'
import { isNode, LineCounter, parse as parseYaml, parseDocument } from 'yaml'
import { parseImageRef } from '../build/image-ref.js'
import { locate } from '../core/problem-location.js'
import { jsonFault, parseFaultDetail, yamlFault } from './parse-error.js'

export class RenderError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
    this.name = 'RenderError'
  }
}

export interface Rendered {
  taskDefinition: RegisterTaskDefinitionCommandInput
  /** The container that got `image`; without an image, the main container (for reports only). */
  containerName: string
}

export interface RenderOptions {
  image?: string
  containerName?: string
}

// RegisterTaskDefinitionRequest's members in the ECS model. Typed as a record over the SDK's input type, so an SDK
// update that adds or removes a member fails the type check instead of silently rejecting or passing keys.
const REGISTER_MEMBERS: Record<keyof RegisterTaskDefinitionCommandInput, true> = {
  family: true,
  containerDefinitions: true,
  taskRoleArn: true,
  executionRoleArn: true,
  networkMode: true,
  volumes: true,
  placementConstraints: true,
  requiresCompatibilities: true,
  cpu: true,
  memory: true,
  tags: true,
  pidMode: true,
  ipcMode: true,
  proxyConfiguration: true,
  inferenceAccelerators: true,
  ephemeralStorage: true,
  runtimePlatform: true,
  enableFaultInjection: true,
}
export const REGISTER_KEYS = Object.keys(REGISTER_MEMBERS)

// What DescribeTaskDefinition returns and RegisterTaskDefinition does not take; the same typing trick keeps it exact.
const READ_ONLY_MEMBERS: Record<Exclude<keyof TaskDefinition, keyof RegisterTaskDefinitionCommandInput>, true> = {
  taskDefinitionArn: true,
  revision: true,
  status: true,
  requiresAttributes: true,
  compatibilities: true,
  registeredAt: true,
  registeredBy: true,
  deregisteredAt: true,
  deleteRequestedAt: true,
}
export const READ_ONLY_KEYS = Object.keys(READ_ONLY_MEMBERS)

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

function withoutReadOnly(source: Json): Json {
  return Object.fromEntries(Object.entries(source).filter(([key]) => !READ_ONLY_KEYS.includes(key)))
}

/** The service's live task definition as RegisterTaskDefinition input: read-only fields dropped, tags kept. */
export function fromDescribed(taskDefinition: TaskDefinition, tags: Tag[] = []): RegisterTaskDefinitionCommandInput {
  const input = withoutReadOnly(taskDefinition as Json) as unknown as RegisterTaskDefinitionCommandInput
  return tags.length > 0 ? { ...input, tags } : input
}

/** Reads and checks a task definition file; JSON for `.json`, YAML otherwise (YAML also reads JSON). */
export async function readTaskDefinitionFile(path: string): Promise<RegisterTaskDefinitionCommandInput> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new RenderError([locate(`Task definition file \`${path}\` cannot be read: ${(err as Error).message}.`, { file: path })])
  }
  return parseTaskDefinition(text, path)
}

/** Parses file text (`path` names the format and the file in messages) and checks its shape. */
export function parseTaskDefinition(text: string, path: string): RegisterTaskDefinitionCommandInput {
  const where = `Task definition file \`${path}\``
  const json = extname(path).toLowerCase() === '.json'
  let parsed: unknown
  try {
    // YAML 1.2 core schema: `yes`/`no`/`on` stay strings. Merge keys (`<<: *defaults`) are allowed for shared env.
    parsed = json ? JSON.parse(text) : parseYaml(text, { merge: true })
  } catch (err) {
    const fault = json ? jsonFault(text) : yamlFault(err)
    const at = fault ? { line: fault.line, column: fault.column } : {}
    throw new RenderError([locate(`${where} is not valid ${json ? 'JSON' : 'YAML'}: ${parseFaultDetail(err, text, json)}.`, { file: path, ...at })])
  }
  const lineOf = lineFinder(text)
  if (!isObject(parsed)) {
    throw new RenderError([locate(`${where} must hold one object with the RegisterTaskDefinition members (family, containerDefinitions, …).`, { file: path, line: 1 })])
  }
  const problems: string[] = []
  const unknown = Object.keys(parsed).filter((k) => !REGISTER_KEYS.includes(k) && !READ_ONLY_KEYS.includes(k))
  if (unknown.length > 0) {
    const hints: string[] = []
    if (unknown.includes('taskDefinition')) {
      hints.push('this looks like describe-task-definition output: keep only its taskDefinition object (aws ecs describe-task-definition --query taskDefinition)')
    }
    const camel = unknown.map((k) => k.charAt(0).toLowerCase() + k.slice(1)).filter((k) => REGISTER_KEYS.includes(k))
    if (camel.length > 0) hints.push(`keys are camelCase as in the ECS API, e.g. ${camel[0]}`)
    problems.push(
      locate(
        `${where} has unknown top-level ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map((k) => `\`${k}\``).join(', ')}: ` +
          `expected the RegisterTaskDefinition members ${REGISTER_KEYS.join(', ')}` +
          `${hints.length > 0 ? ` (${hints.join('; ')})` : ''}.`,
        { file: path, ...lineOf([unknown[0]]) },
      ),
    )
  }
  problems.push(...shapeProblems(parsed, where).map(([message, at]) => locate(message, { file: path, ...lineOf(at) })))
  if (problems.length > 0) throw new RenderError(problems)
  return withoutReadOnly(parsed) as unknown as RegisterTaskDefinitionCommandInput
}

// What RegisterTaskDefinition would reject and a file easily gets wrong. Values ECS declares as strings are checked
// because YAML turns `8080`, `1.10` or `true` into numbers and booleans, which ECS does not take in those places.
/** Each problem with the path of the member it is about (for its line in the file). */
function shapeProblems(td: Json, where: string): [string, Path][] {
  const problems: [string, Path][] = []
  if (typeof td.family !== 'string' || td.family === '') problems.push([`${where} has no \`family\` (a non-empty string).`, ['family']])
  for (const key of ['cpu', 'memory']) {
    if (td[key] !== undefined && typeof td[key] !== 'string') {
      problems.push([`${where}: \`${key}\` is ${describe(td[key])}; ECS expects a string — quote it, e.g. ${key}: "${String(td[key])}".`, [key]])
    }
  }
  const containers = td.containerDefinitions
  if (!Array.isArray(containers) || containers.length === 0) {
    problems.push([`${where} has no \`containerDefinitions\` (a non-empty list of containers).`, ['containerDefinitions']])
    return problems
  }
  const seen = new Set<string>()
  containers.forEach((container: unknown, index) => {
    if (!isObject(container) || typeof container.name !== 'string' || container.name === '') {
      problems.push([`${where}: containerDefinitions[${index}] has no \`name\`.`, ['containerDefinitions', index]])
      return
    }
    const name = container.name
    if (seen.has(name)) problems.push([`${where}: container name \`${name}\` appears more than once.`, ['containerDefinitions', index, 'name']])
    seen.add(name)
    if (typeof container.image !== 'string' || container.image === '')
      problems.push([`${where}: container \`${name}\` has no \`image\`.`, ['containerDefinitions', index, 'image']])
    const notString = (path: string, value: unknown, at: Path) => {
      if (typeof value !== 'string') {
        problems.push([`${where}: container \`${name}\` ${path} is ${describe(value)}; ECS expects a string — quote it.`, ['containerDefinitions', index, ...at]])
      }
    }
    for (const [i, variable] of asList(container.environment).entries()) {
      const label = isObject(variable) && typeof variable.name === 'string' ? variable.name : `#${i}`
      if (isObject(variable)) notString(`environment \`${label}\` value`, variable.value, ['environment', i, 'value'])
    }
    for (const [mapName, map] of [
      ['dockerLabels', container.dockerLabels],
      ['logConfiguration.options', isObject(container.logConfiguration) ? container.logConfiguration.options : undefined],
      ['firelensConfiguration.options', isObject(container.firelensConfiguration) ? container.firelensConfiguration.options : undefined],
    ] as const) {
      if (isObject(map)) for (const [key, value] of Object.entries(map)) notString(`${mapName} \`${key}\``, value, [...mapName.split('.'), key])
    }
  })
  return problems
}

type Path = (string | number)[]

/** The line of the member at `path` (else of its nearest parent that exists), from the file's text. */
function lineFinder(text: string): (path: Path) => { line?: number } {
  let doc: ReturnType<typeof parseDocument>
  const lineCounter = new LineCounter()
  try {
    doc = parseDocument(text, { lineCounter, merge: true })
  } catch {
    return () => ({})
  }
  return (path) => {
    for (let at = path; ; at = at.slice(0, -1)) {
      const node = at.length === 0 ? doc.contents : doc.getIn(at, true)
      if (isNode(node) && node.range) return { line: lineCounter.linePos(node.range[0]).line }
      if (at.length === 0) return {}
    }
  }
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])

function describe(value: unknown): string {
  if (value === null) return 'null'
  return typeof value === 'number' || typeof value === 'boolean' ? `the ${typeof value} ${String(value)}` : `a ${typeof value}`
}

// Docker Hub's short names and aliases all mean docker.io/library/<name>.
const DOCKER_HUB = ['docker.io', 'index.docker.io', 'registry-1.docker.io']

/** `registry/repository` of an image reference, without tag or digest; undefined when it is not a reference. */
export function imageRepository(image: string): string | undefined {
  try {
    const ref = parseImageRef(image)
    const registry = ref.registry?.toLowerCase()
    if (registry === undefined || DOCKER_HUB.includes(registry)) {
      return `docker.io/${ref.repository.includes('/') ? ref.repository : `library/${ref.repository}`}`
    }
    return `${registry}/${ref.repository}`
  } catch {
    return undefined
  }
}

/** The image a task definition deploys: its first essential container's. */
export function imageOf(taskDefinition: { containerDefinitions?: ContainerDefinition[] } | undefined): string | undefined {
  const containers = taskDefinition?.containerDefinitions ?? []
  return (containers.find((c) => c.essential !== false) ?? containers[0])?.image
}

/**
 * The container that gets `image`: `containerName` when given (it must exist); else the only container; else the one
 * whose image repository matches `image`'s. Without an image, the main container: the first essential one.
 */
export function chooseContainer(containers: ContainerDefinition[], options: RenderOptions, where: string): string {
  const names = containers.map((c) => c.name ?? '')
  const list = names.map((n) => `\`${n}\``).join(', ')
  if (options.containerName !== undefined) {
    if (names.includes(options.containerName)) return options.containerName
    throw new RenderError([`Input \`container-name\` is \`${options.containerName}\`: ${where} has no such container; its containers are ${list}.`])
  }
  if (containers.length === 1) return names[0]
  if (options.image === undefined) return (containers.find((c) => c.essential !== false) ?? containers[0]).name ?? ''
  const wanted = imageRepository(options.image)
  const matching = containers.filter((c) => c.image !== undefined && imageRepository(c.image) === wanted).map((c) => c.name ?? '')
  if (matching.length === 1) return matching[0]
  if (matching.length === 0) {
    throw new RenderError([
      `${capitalize(where)} has ${containers.length} containers (${list}) and none runs an image from ${wanted ?? options.image}: set \`container-name\` to the one that gets \`${options.image}\`.`,
    ])
  }
  throw new RenderError([
    `${capitalize(where)} has ${matching.length} containers running ${wanted} (${matching.map((n) => `\`${n}\``).join(', ')}): set \`container-name\` to the one that gets \`${options.image}\`.`,
  ])
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** Puts `image` into the chosen container; every other field and container stays as it was. */
export function renderTaskDefinition(base: RegisterTaskDefinitionCommandInput, options: RenderOptions, where: string): Rendered {
  const containers = base.containerDefinitions ?? []
  const containerName = chooseContainer(containers, options, where)
  if (options.image === undefined) return { taskDefinition: base, containerName }
  const image = options.image
  return {
    taskDefinition: {
      ...base,
      containerDefinitions: containers.map((c) => (c.name === containerName ? { ...c, image } : c)),
    },
    containerName,
  }
}

/**
 * The `render` phase's line: the real base (the file, or the service's revision), the container and its image:
 * `task-definition.json: container web ← repo/web:v2` or `web:41: container web (image unchanged)`.
 */
export function renderLine(base: { file?: string; currentTaskDefinitionArn?: string }, containerName: string, image: string | undefined): string {
  const from = base.file ? `file ${base.file}` : (base.currentTaskDefinitionArn?.slice(base.currentTaskDefinitionArn.lastIndexOf('/') + 1) ?? '?')
  return `${from}: container ${containerName}${image ? ` ← ${image}` : ' (image unchanged)'}`
}
