import type { GitHubControl } from './github/control.js'
import { ControlRouter, SandboxControl } from './control.js'
import { startGitHubApi } from './github/server.js'
import { close, listen } from './http.js'
import { createSandboxServer } from './server.js'
import type { Account, EcrSettings } from './types.js'
import { World } from './world.js'
import { checkWorldSpec, readWorldFile, seedWorld, type WorldSpec } from './world-file.js'

export type { SandboxControl } from './control.js'
export type { WorldSpec } from './world-file.js'
export type { CallRecord } from './world.js'
export type { FaultKind, FaultPhase, FaultSpec } from './faults.js'
export type { ServiceName } from './types.js'
export type { GitHubControl, GitHubCallRecord, GitHubFault, GitHubFaultSpec, GitHubOperation } from './github/control.js'

export interface SandboxOptions {
  /** TCP port on 127.0.0.1; 0 (default) = any free port. */
  port?: number
  /** Simulated seconds per wall second (default 60); 0 = manual clock, moved only by `control.advance`. */
  timeScale?: number
  /** A world spec, or the path of a JSON/YAML world file. */
  world?: WorldSpec | string
  /** Overrides the world file's `ecr` settings. */
  ecr?: EcrSettings
  /** TCP port of the GitHub API emulator on 127.0.0.1; 0 (default) = any free port. */
  githubPort?: number
}

export interface Sandbox {
  /** `http://127.0.0.1:PORT`, for AWS_ENDPOINT_URL or a client's `endpoint`. */
  url: string
  control: SandboxControl
  /** Region and account id every ARN uses (from the world, default us-east-1 / 123456789012). */
  account: Account
  /** `http://127.0.0.1:PORT` of the GitHub API emulator, for GITHUB_API_URL or Octokit's `baseUrl`. */
  githubUrl: string
  /** Control handle of the GitHub API emulator (call log, faults, deployments). */
  github: GitHubControl
  /** Stops both servers. */
  stop(): Promise<void>
}

const STEP_INTERVAL_MS = 50

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const source = options.world
  const load = (): WorldSpec => (typeof source === 'string' ? readWorldFile(source) : checkWorldSpec(source ?? {}))
  const spec = load()
  const world = new World({
    timeScale: options.timeScale ?? 60,
    account: { region: spec.region ?? 'us-east-1', accountId: spec.accountId ?? '123456789012' },
    ecr: { ...spec.ecr, ...options.ecr },
  })
  // Services in the world file may run images already pushed to the registry.
  await world.registry?.refresh()
  seedWorld(world, spec)
  const control = new SandboxControl(world, () => {
    world.replaceServices()
    seedWorld(world, load())
  })
  const server = createSandboxServer(world, new ControlRouter(control))
  const url = await listen(server, options.port ?? 0)
  let lastStepError = ''
  const timer = setInterval(() => {
    try {
      world.sync()
    } catch (e) {
      // Report each distinct failure once instead of every 50 ms.
      const msg = String((e as Error).stack ?? e)
      if (msg !== lastStepError) console.error('sandbox: stepping the world failed:', msg)
      lastStepError = msg
    }
  }, STEP_INTERVAL_MS)
  timer.unref()
  // GitHub's timestamps follow the simulated clock, as AWS's do.
  const github = await startGitHubApi({ port: options.githubPort ?? 0, now: () => world.clock.now() }).catch((e: unknown) => {
    clearInterval(timer)
    server.close()
    throw e
  })
  return {
    url,
    control,
    account: world.account,
    githubUrl: github.url,
    github: github.control,
    stop: async () => {
      clearInterval(timer)
      await Promise.all([close(server), github.stop()])
    },
  }
}
