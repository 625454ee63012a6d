// ECR login without the password ever on a command line: GetAuthorizationToken, then `docker login --password-stdin`
// into a temporary DOCKER_CONFIG, so the runner's own docker logins are neither used nor changed. The post step
// logs out and deletes that directory (logoutFromEcr).
import * as core from '@actions/core'
import { GetAuthorizationTokenCommand, type ECRClient } from '@aws-sdk/client-ecr'
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Docker } from './docker.js'
import { registryFromProxyEndpoint } from './image-ref.js'
import { saveEcrLogin, type EcrLoginState } from '../state-helper.js'

export interface EcrLogin extends EcrLoginState {
  /** The first registry logged in to (the account's own, unless `registryIds` says otherwise). */
  registry: string
  /** The docker CLI with DOCKER_CONFIG set to the login's directory: use it to build and push. */
  docker: Docker
}

export interface LoginOptions {
  /** The docker CLI to extend (tests pass DOCKER_HOST here). Default: plain `docker`. */
  docker?: Docker
  /** Where the temporary config directory goes. Default RUNNER_TEMP, else the OS temp dir. */
  tempDir?: string
}

const CONFIG_PREFIX = 'ecs-safe-deploy-docker-config-'
// Kept from the user's docker config: plugins (buildx), builder instances (setup-buildx-action's) and contexts.
const SHARED_ENTRIES = ['cli-plugins', 'buildx', 'contexts']

/**
 * Logs docker in to the ECR registries of `registryIds` (default: the caller's account). The password and the
 * token are masked before anything else happens, and reach docker only on stdin. Saves the state the post step
 * needs before logging in, so a half-done login is cleaned up too.
 */
export async function loginToEcr(ecr: ECRClient, registryIds?: string[], options: LoginOptions = {}): Promise<EcrLogin> {
  const out = await ecr.send(new GetAuthorizationTokenCommand(registryIds?.length ? { registryIds } : {}))
  const grants = (out.authorizationData ?? []).map((data) => {
    if (!data.authorizationToken || !data.proxyEndpoint) throw new Error('ECR GetAuthorizationToken returned no token or proxyEndpoint')
    core.setSecret(data.authorizationToken)
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0 || colon === decoded.length - 1) throw new Error('ECR GetAuthorizationToken returned a token that is not base64 of user:password')
    const password = decoded.slice(colon + 1)
    core.setSecret(password)
    return { registry: registryFromProxyEndpoint(data.proxyEndpoint), username: decoded.slice(0, colon), password }
  })
  if (grants.length === 0) throw new Error('ECR GetAuthorizationToken returned no authorization data')

  const base = options.docker ?? new Docker()
  const dockerConfigDir = createDockerConfig(options.tempDir ?? process.env.RUNNER_TEMP ?? tmpdir(), base.env.DOCKER_CONFIG ?? process.env.DOCKER_CONFIG)
  const state: EcrLoginState = { registries: grants.map((g) => g.registry), dockerConfigDir }
  const docker = base.with({ DOCKER_CONFIG: dockerConfigDir })
  try {
    saveEcrLogin(state)
    for (const grant of grants) {
      // Silent: docker's reply is not secret, but nothing of this exchange needs to be in the log.
      await docker.run(['login', '--username', grant.username, '--password-stdin', grant.registry], {
        input: Buffer.from(grant.password, 'utf8'),
        silent: true,
      })
      core.info(`Logged in to ${grant.registry}`)
    }
  } catch (err) {
    removeDockerConfig(dockerConfigDir)
    throw new Error(`docker login to ${state.registries.join(', ')} failed: ${(err as Error).message}`, { cause: err })
  }
  return { ...state, registry: state.registries[0], docker }
}

/** The post step: `docker logout` of each registry, then the temporary config directory is deleted. Never throws. */
export async function logoutFromEcr(state: EcrLoginState, docker: Docker = new Docker()): Promise<void> {
  if (!isOurs(state.dockerConfigDir)) return
  const withConfig = docker.with({ DOCKER_CONFIG: state.dockerConfigDir })
  if (existsSync(state.dockerConfigDir)) {
    for (const registry of state.registries) {
      try {
        const result = await withConfig.exec(['logout', registry], { silent: true })
        if (result.exitCode === 0) core.info(`Logged out of ${registry}`)
        else core.warning(`docker logout ${registry} failed: ${result.stderr.trim()}`)
      } catch (err) {
        core.warning(`docker logout ${registry} failed: ${(err as Error).message}`)
      }
    }
  }
  removeDockerConfig(state.dockerConfigDir)
}

function createDockerConfig(parent: string, userConfigDir: string | undefined): string {
  const dir = mkdtempSync(join(parent, CONFIG_PREFIX))
  const userDir = userConfigDir ?? join(homedir(), '.docker')
  const config: Record<string, unknown> = { auths: {} }
  try {
    const user = JSON.parse(readFileSync(join(userDir, 'config.json'), 'utf8')) as { currentContext?: unknown }
    if (typeof user.currentContext === 'string') config.currentContext = user.currentContext
  } catch {
    // No readable user config: docker's defaults apply.
  }
  // No credsStore/credHelpers: the password stays in this directory, which the post step deletes.
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 })
  for (const entry of SHARED_ENTRIES) {
    if (existsSync(join(userDir, entry))) symlinkSync(join(userDir, entry), join(dir, entry))
  }
  return dir
}

/** The path comes back from saved state and is not trusted blindly: only a directory this module names is touched. */
function isOurs(dir: string): boolean {
  if (basename(dir).startsWith(CONFIG_PREFIX)) return true
  core.warning(`Not logging out or removing ${dir}: it is not a docker config directory this action created`)
  return false
}

function removeDockerConfig(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}
