// The render inputs: what a team sets per environment in the task definition (environment, secrets, env files, other
// containers' images, labels, command, log configuration, roles), read and validated line by line. Applied to the
// task definition by src/render/apply.ts.
import { parseImageRef } from '../build/image-ref.js'
import { InputProblem } from './problem.js'

export interface NameValue {
  name: string
  value: string
}

export interface RenderInputs {
  /** `environment-variables`: merged into the container's environment, same names replaced. */
  environment: NameValue[]
  /** `secrets`: NAME → valueFrom (a Secrets Manager ARN, an SSM parameter name or ARN). */
  secrets: { name: string; valueFrom: string }[]
  /** `env-files`: S3 object ARNs, set as the container's environmentFiles. */
  environmentFiles: string[]
  /** `images`: CONTAINER → image, for containers besides the one that gets `image`. */
  images: { container: string; image: string }[]
  /** `docker-labels`: merged into the container's dockerLabels. */
  dockerLabels: NameValue[]
  /** `command`: replaces the container's command. */
  command?: string[]
  /** `log-configuration-log-driver`. */
  logDriver?: string
  /** `log-configuration-options`: merged into the container's logConfiguration options. */
  logOptions: NameValue[]
  taskRoleArn?: string
  executionRoleArn?: string
}

/** What reading the render inputs needs of context.ts's reader (structural, so this file does not import it). */
export interface RenderReader {
  read: (name: string) => string
  value: (name: string) => string
  bad: (name: string, got: string, expected: string) => void
  problems: string[]
}

/** RegisterTaskDefinition's LogDriver enum. */
const LOG_DRIVERS = ['json-file', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'awsfirelens'] as const

const SECRETS_MANAGER_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:\s]*:[^:\s]*:[^:\s]*)?$/
const SSM_PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_.\-/]{1,2048}$/
const SSM_PARAMETER_NAME = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/
// ECS takes an environment file from S3 only, and only with the .env extension.
const S3_ENV_FILE = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+\.env$/
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/
const VARIABLE_NAME = /^[^\s=]+$/

/** `NAME=value` lines of `input` (blank and `#` lines skipped): each with its 1-based line number, or a problem. */
function lines(r: RenderReader, input: string, shape: string, what: (name: string, value: string) => string | undefined): [NameValue, number][] {
  const found: [NameValue, number][] = []
  for (const [i, line] of (r.read(input) ?? '').split('\n').entries()) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue
    const at = line.indexOf('=')
    const name = at > 0 ? line.slice(0, at).trim() : ''
    // The value is everything after the first `=`, as written (a trailing carriage return is the file's, not the value's).
    const value = at > 0 ? line.slice(at + 1).replace(/\r$/, '') : ''
    const why = at <= 0 || !VARIABLE_NAME.test(name) ? `expected ${shape}` : what(name, value)
    // An environment value may be sensitive: a problem shows the line's name only.
    const shown = input === 'environment-variables' && at >= 0 ? `${line.slice(0, at).trim()}=…` : line.trim()
    if (why) r.bad(input, shown, `line ${i + 1}: ${why}`)
    else found.push([{ name, value }, i + 1])
  }
  return found
}

/** The names given twice in one input are a problem: which one wins would be a guess. */
function once(r: RenderReader, input: string, entries: [NameValue, number][]): NameValue[] {
  const seen = new Map<string, number>()
  for (const [{ name }, line] of entries) {
    if (seen.has(name)) r.problems.push(`Input \`${input}\`, line ${line}: \`${name}\` is already set on line ${seen.get(name)}; give each name once.`)
    seen.set(name, line)
  }
  return entries.map(([entry]) => entry)
}

function secretSource(_name: string, valueFrom: string): string | undefined {
  const v = valueFrom.trim()
  if (SECRETS_MANAGER_ARN.test(v) || SSM_PARAMETER_ARN.test(v) || (SSM_PARAMETER_NAME.test(v) && v.length <= 2048)) return undefined
  return 'expected NAME=valueFrom with valueFrom a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>, optionally :<json-key>:<version-stage>:<version-id>) or an SSM parameter name or ARN'
}

function imageProblem(container: string, image: string): string | undefined {
  if (!CONTAINER_NAME.test(container)) return 'expected CONTAINER=IMAGE with CONTAINER a container name (letters, digits, - and _)'
  try {
    const ref = parseImageRef(image.trim())
    if (!ref.tag && !ref.digest) return 'expected CONTAINER=IMAGE with IMAGE a full image reference with a tag or digest'
  } catch (err) {
    if (!(err instanceof InputProblem)) throw err
    return `expected CONTAINER=IMAGE with IMAGE a full image reference with a tag or digest (${err.reason})`
  }
  return undefined
}

/** `command`: a JSON array of strings when it starts with `[`, else the words of the line (split on whitespace). */
function commandInput(r: RenderReader): string[] | undefined {
  const text = r.value('command')
  if (text === '') return undefined
  if (!text.startsWith('[')) return text.split(/\s+/)
  try {
    const parsed: unknown = JSON.parse(text)
    if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((p) => typeof p === 'string')) return parsed
  } catch {
    // reported below
  }
  r.bad('command', text, 'expected a JSON array of strings such as ["node", "server.js"], or words separated by spaces')
  return undefined
}

function roleInput(r: RenderReader, input: string): string | undefined {
  const arn = r.value(input) || undefined
  if (arn !== undefined && !ROLE_ARN.test(arn)) r.bad(input, arn, 'expected an IAM role ARN such as arn:aws:iam::123456789012:role/web-task')
  return arn
}

function logDriverInput(r: RenderReader): string | undefined {
  const driver = r.value('log-configuration-log-driver') || undefined
  if (driver !== undefined && !(LOG_DRIVERS as readonly string[]).includes(driver)) r.bad('log-configuration-log-driver', driver, `expected one of ${LOG_DRIVERS.join(', ')}`)
  return driver
}

/** `env-files`: one S3 object ARN a line. */
function envFilesInput(r: RenderReader): string[] {
  const files: string[] = []
  for (const [i, line] of (r.read('env-files') ?? '').split('\n').entries()) {
    const text = line.trim()
    if (text === '' || text.startsWith('#')) continue
    if (S3_ENV_FILE.test(text)) files.push(text)
    else r.bad('env-files', text, `line ${i + 1}: expected the ARN of an S3 object with the .env extension, such as arn:aws:s3:::my-bucket/web/production.env`)
  }
  return files
}

/** Every render input, validated; `image` and `container-name` say which container `image` already names. */
export function renderInputs(r: RenderReader, given: { image?: string; containerName?: string }): RenderInputs {
  const environment = once(
    r,
    'environment-variables',
    lines(r, 'environment-variables', 'NAME=value', () => undefined),
  )
  const secrets = once(r, 'secrets', lines(r, 'secrets', 'NAME=valueFrom', secretSource)).map(({ name, value }) => ({ name, valueFrom: value.trim() }))
  // ECS refuses a task whose container has one name in both (at run time, not at registration).
  for (const name of secrets.map((s) => s.name).filter((n) => environment.some((e) => e.name === n))) {
    r.problems.push(`Inputs \`environment-variables\` and \`secrets\` both set \`${name}\`: a container's variable comes from one or the other; remove it from one.`)
  }
  const images = once(r, 'images', lines(r, 'images', 'CONTAINER=IMAGE', imageProblem)).map(({ name, value }) => ({ container: name, image: value.trim() }))
  const clash = images.find((i) => i.container === given.containerName)
  if (clash && given.image !== undefined) {
    r.problems.push(`Inputs \`image\` and \`images\` both name container \`${clash.container}\`: \`image\` goes to \`container-name\`; give \`images\` the other containers only.`)
  }
  const dockerLabels = once(
    r,
    'docker-labels',
    lines(r, 'docker-labels', 'KEY=VALUE', () => undefined),
  )
  const logOptions = once(
    r,
    'log-configuration-options',
    lines(r, 'log-configuration-options', 'KEY=VALUE', () => undefined),
  )
  return {
    environment,
    secrets,
    environmentFiles: envFilesInput(r),
    images,
    dockerLabels,
    ...optional({ command: commandInput(r), logDriver: logDriverInput(r), taskRoleArn: roleInput(r, 'task-role-arn'), executionRoleArn: roleInput(r, 'execution-role-arn') }),
    logOptions,
  }
}

const optional = <T extends Record<string, unknown>>(values: T): Partial<T> => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>

/** Whether the render inputs change anything in the task definition. */
export function rendersSomething(render: RenderInputs | undefined): boolean {
  if (!render) return false
  const { environment, secrets, environmentFiles, images, dockerLabels, logOptions } = render
  const lists = [environment, secrets, environmentFiles, images, dockerLabels, logOptions]
  return lists.some((l) => l.length > 0) || [render.command, render.logDriver, render.taskRoleArn, render.executionRoleArn].some((v) => v !== undefined)
}

/** Whether they change a container's own fields (those go to the container that gets `image`). */
export function rendersContainer(render: RenderInputs | undefined): boolean {
  return !!render && rendersSomething({ ...render, images: [], taskRoleArn: undefined, executionRoleArn: undefined })
}
