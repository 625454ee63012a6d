// The docker CLI, run through @actions/exec with argument arrays: no shell ever sees an argument, so a value with
// spaces, quotes, `;` or `$(...)` is one argv element and runs nothing. Secrets go in on stdin (`input`), never argv.
import * as exec from '@actions/exec'
import { errorText } from '../aws/errors.js'

export interface DockerRunOptions {
  /** Bytes for the command's stdin (how `docker login --password-stdin` gets the password). */
  input?: Buffer
  /** Keep the command line and its output out of the log (still captured in the result). */
  silent?: boolean
  cwd?: string
}

export interface DockerResult {
  exitCode: number
  stdout: string
  stderr: string
  /** stdout and stderr interleaved as printed (the legacy builder prints a failing step's output on stdout). */
  output: string
}

/** A docker command that exited non-zero; the message ends with the last lines it printed. */
class DockerCommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly output: string,
  ) {
    super(`${command} failed (exit code ${exitCode})${tailOf(output)}`)
    this.name = 'DockerCommandError'
  }
}

const TAIL_LINES = 25

// Colour codes docker puts around a step's stderr, and the CR-redrawn progress lines of buildx.
// eslint-disable-next-line no-control-regex -- ESC (\u001b) is what starts a colour code
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g

function tailOf(text: string): string {
  const lines = text
    .replace(ANSI, '')
    .split('\n')
    .map((l) => l.slice(l.lastIndexOf('\r', l.length - 2) + 1).trimEnd())
    .filter((l) => l !== '')
  if (lines.length === 0) return ''
  return `:\n${lines.slice(-TAIL_LINES).join('\n')}`
}

export class Docker {
  /**
   * @param env variables added to this process's environment for every docker command (DOCKER_CONFIG of the
   *   temporary login, DOCKER_HOST in tests).
   */
  constructor(readonly env: Record<string, string> = {}) {}

  /** The same CLI with more environment (e.g. after login: `docker.with({ DOCKER_CONFIG: dir })`). */
  with(env: Record<string, string>): Docker {
    return new Docker({ ...this.env, ...env })
  }

  /** Runs `docker ...args`; never throws for a non-zero exit (see `run`). */
  async exec(args: string[], options: DockerRunOptions = {}): Promise<DockerResult> {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
    Object.assign(env, this.env)
    let output = ''
    const result = await exec.getExecOutput('docker', args, {
      env,
      input: options.input,
      silent: options.silent ?? false,
      cwd: options.cwd,
      ignoreReturnCode: true,
      listeners: {
        stdout: (data) => (output += data.toString()),
        stderr: (data) => (output += data.toString()),
      },
    })
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, output }
  }

  /** Runs `docker ...args`; a non-zero exit throws DockerCommandError naming `docker <first args>`. */
  async run(args: string[], options: DockerRunOptions = {}): Promise<DockerResult> {
    const result = await this.exec(args, options)
    if (result.exitCode !== 0) {
      throw new DockerCommandError(`docker ${commandName(args)}`, result.exitCode, result.output)
    }
    return result
  }

  /** True when the buildx plugin answers (it is looked up under DOCKER_CONFIG/cli-plugins and the system dirs). */
  async hasBuildx(): Promise<boolean> {
    try {
      return (await this.exec(['buildx', 'version'], { silent: true })).exitCode === 0
    } catch {
      return false
    }
  }

  /** The driver of the current buildx builder (`docker`, `docker-container`, ...), undefined when unknown. */
  async buildxDriver(): Promise<string | undefined> {
    const result = await this.exec(['buildx', 'inspect'], { silent: true })
    if (result.exitCode !== 0) return undefined
    return /^Driver:\s*(\S+)/m.exec(result.stdout)?.[1]
  }
}

/** `buildx build`, `push`, `login`: the subcommand words, not the arguments (which may be long or private). */
function commandName(args: string[]): string {
  const words: string[] = []
  for (const a of args) {
    if (a.startsWith('-') || words.length === 2) break
    words.push(a)
  }
  return words.join(' ')
}

/** A failed build or push in words: docker's own message as it is (its last lines say what failed), an AWS error
 * (the ECR login) as src/aws/errors.ts reads it. */
export function buildErrorText(error: unknown): string {
  return error instanceof DockerCommandError ? error.message : errorText(error)
}
