// `pre-deploy-command`, `pre-deploy-container`, `pre-deploy-env` and `post-deploy-command`: the one-off tasks of the
// new revision (src/tasks/). A command is a JSON array of words, or a string run with `sh -c`.

/** What context.ts's reader gives a group of inputs (declared here so the two files do not import each other). */
interface Reader {
  read: (name: string) => string
  value: (name: string) => string
  bad: (name: string, got: string, expected: string) => void
  problems: string[]
}

export interface OneOffCommand {
  /** What the container runs (RunTask's containerOverrides[].command). */
  command: string[]
  /** As given, for messages. */
  text: string
}

export interface OneOffInputs {
  preDeploy?: OneOffCommand
  postDeploy?: OneOffCommand
  /** The container that runs the commands; undefined = the container that gets the image. */
  container?: string
  /** `NAME=value` lines for the one-off tasks only. */
  environment: { name: string; value: string }[]
}

const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const COMMAND_ACCEPTED = 'expected a JSON array of strings such as ["npm","run","migrate"], or a command line run with sh -c'

/** A JSON array of non-empty strings, or any other text as `sh -c <text>`. */
function parseCommand(text: string): string[] | undefined {
  if (!text.startsWith('[')) return ['sh', '-c', text]
  try {
    const words: unknown = JSON.parse(text)
    return Array.isArray(words) && words.length > 0 && words.every((w) => typeof w === 'string' && w !== '') ? (words as string[]) : undefined
  } catch {
    return undefined
  }
}

function command(r: Reader, input: string): OneOffCommand | undefined {
  const text = r.value(input)
  if (text === '') return undefined
  const words = parseCommand(text)
  if (!words) r.bad(input, text, COMMAND_ACCEPTED)
  return words ? { command: words, text: words[0] === 'sh' && !text.startsWith('[') ? text : words.join(' ') } : undefined
}

/** Undefined when no one-off input is set. */
export function oneOffInputs(r: Reader, rollbackTo: string | undefined): OneOffInputs | undefined {
  const preDeploy = command(r, 'pre-deploy-command')
  const postDeploy = command(r, 'post-deploy-command')
  const container = r.value('pre-deploy-container') || undefined
  if (container !== undefined && !ECS_NAME.test(container))
    r.bad('pre-deploy-container', container, 'expected a container name from the task definition (letters, digits, - and _)')
  const environment: OneOffInputs['environment'] = []
  for (const [i, line] of (r.read('pre-deploy-env') ?? '').split('\n').entries()) {
    const text = line.trim()
    if (text === '' || text.startsWith('#')) continue
    const at = text.indexOf('=')
    const name = at > 0 ? text.slice(0, at).trim() : ''
    if (!ENV_NAME.test(name)) r.bad('pre-deploy-env', text, `line ${i + 1}: expected NAME=value with NAME letters, digits and _ (not starting with a digit)`)
    else environment.push({ name, value: text.slice(at + 1) })
  }
  if (rollbackTo !== undefined && (preDeploy || postDeploy)) {
    r.problems.push(
      `Input \`rollback-to\` is \`${rollbackTo}\` and \`${preDeploy ? 'pre-deploy-command' : 'post-deploy-command'}\` is set: a rollback never runs the one-off tasks (it must not re-run migrations); remove the command from the rollback step.`,
    )
  }
  if (!preDeploy && !postDeploy && container === undefined && environment.length === 0) return undefined
  return { ...(preDeploy ? { preDeploy } : {}), ...(postDeploy ? { postDeploy } : {}), container, environment }
}
