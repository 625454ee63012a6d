// The files the inputs name, checked before anything runs or changes: the build context and its Dockerfile exist
// (else the ECR login and the docker build would run first, to fail on a typo), and a task definition file stays
// inside the workspace (or the runner's temp directory), so an input cannot make the action read any file on the runner.
import { realpathSync, statSync, type Stats } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { BuildInputs } from '../inputs/context.js'

const stat = (path: string): Stats | undefined => {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

// docker also builds from a Git repository or a tarball URL; those are docker's to fetch.
const REMOTE_CONTEXT = /^([a-z][a-z0-9+.-]*:\/\/|git@)/i

/**
 * `build-context` must be a directory and `dockerfile` (default `<build-context>/Dockerfile`) a file. Relative paths
 * are from `cwd`, as docker reads them.
 */
export function buildFileProblems(build: BuildInputs, cwd = process.cwd()): string[] {
  const problems: string[] = []
  const { context, dockerfile } = build
  const remote = REMOTE_CONTEXT.test(context)
  const contextStat = remote ? undefined : stat(resolve(cwd, context))
  if (!remote && !contextStat?.isDirectory()) {
    problems.push(
      `Input \`build-context\` is \`${context}\`: ${contextStat ? 'that is a file, not a directory' : `there is no such directory (relative paths are from ${cwd})`}; expected the directory docker builds, such as \`.\`.`,
    )
  }
  if (dockerfile !== undefined && dockerfile !== '-') {
    const fileStat = stat(resolve(cwd, dockerfile))
    if (!fileStat?.isFile()) {
      problems.push(
        `Input \`dockerfile\` is \`${dockerfile}\`: ${fileStat ? 'that is a directory, not a file' : `there is no such file (relative paths are from ${cwd}, not from build-context)`}; expected the path of the Dockerfile, or leave it empty for \`<build-context>/Dockerfile\`.`,
      )
    }
  } else if (dockerfile === undefined && contextStat?.isDirectory()) {
    const dir = resolve(cwd, context)
    if (!stat(join(dir, 'Dockerfile'))?.isFile() && !stat(join(dir, 'dockerfile'))?.isFile()) {
      problems.push(
        `Input \`build-context\` is \`${context}\` and \`dockerfile\` is empty, but there is no \`${join(context, 'Dockerfile')}\`: expected a Dockerfile in the build context, or set dockerfile to its path.`,
      )
    }
  }
  return problems
}

/** True when `path` is `dir` or inside it (compared as given: both absolute). */
function within(dir: string, path: string): boolean {
  const rel = relative(dir, path)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

const real = (path: string): string => {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

/**
 * The task definition file must be inside the workspace (GITHUB_WORKSPACE, else the current directory) or under
 * RUNNER_TEMP (where an earlier step may generate one). A symbolic link counts by where it points.
 */
export function taskDefinitionPathProblems(path: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const workspace = resolve(cwd, env.GITHUB_WORKSPACE || cwd)
  const roots = [workspace, ...(env.RUNNER_TEMP ? [resolve(cwd, env.RUNNER_TEMP)] : [])]
  const target = resolve(cwd, path)
  const realTarget = real(target)
  const inside = roots.some((root) => within(root, target) && within(real(root), realTarget))
  if (inside) return []
  const where = env.GITHUB_WORKSPACE ? `the workspace ${workspace} (GITHUB_WORKSPACE)` : `the workspace, the current directory ${workspace} (GITHUB_WORKSPACE is not set)`
  const resolved = realTarget === target ? target : `${target}, a link to ${realTarget}`
  return [
    `Input \`task-definition\` is \`${path}\`: it resolves to ${resolved}, outside ${where}: expected a file inside the workspace${env.RUNNER_TEMP ? ` or under RUNNER_TEMP (${roots[1]})` : ''}, such as \`.aws/task-definition.json\`.`,
  ]
}
