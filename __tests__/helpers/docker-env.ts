// The Docker engine and registry of scripts/docker-env.sh, as tests see them. A test file that needs them wraps its
// tests in describeWithDocker: without Docker each of them fails under CI=true and is skipped loudly otherwise.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeRequiring } from './requires.js'

export interface DockerEnv {
  /** `unix:///.../docker.sock` of the private dockerd. */
  dockerHost: string
  /** `127.0.0.1:PORT` of the registry (htpasswd auth, plain HTTP). */
  registry: string
  user: string
  password: string
}

export const dockerEnvFile = process.env.ECS_SAFE_DEPLOY_DOCKER_ENV ?? `${process.env.ECS_SAFE_DEPLOY_DOCKER_DIR ?? '/tmp/ecs-safe-deploy-docker'}/env`

function parse(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return vars
}

/** The environment when it is up and answering; otherwise why not. */
function probe(): DockerEnv | string {
  let text: string
  try {
    text = readFileSync(dockerEnvFile, 'utf8')
  } catch {
    return `no env file ${dockerEnvFile}`
  }
  const vars = parse(text)
  if (!vars.DOCKER_HOST || !vars.REGISTRY || !vars.REGISTRY_USER || !vars.REGISTRY_PASSWORD) return `${dockerEnvFile} lacks DOCKER_HOST/REGISTRY/REGISTRY_USER/REGISTRY_PASSWORD`
  const version = spawnSync('docker', ['-H', vars.DOCKER_HOST, 'version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 15_000 })
  if (version.error) return `docker CLI not runnable: ${version.error.message}`
  if (version.status !== 0) return `dockerd at ${vars.DOCKER_HOST} does not answer: ${version.stderr.trim()}`
  return { dockerHost: vars.DOCKER_HOST, registry: vars.REGISTRY, user: vars.REGISTRY_USER, password: vars.REGISTRY_PASSWORD }
}

const probed = probe()
export const dockerEnv: DockerEnv | undefined = typeof probed === 'string' ? undefined : probed

/**
 * describe() for tests that need the real Docker engine and registry (see describeRequiring for what happens without
 * them). `body` gets a getter, valid inside tests and hooks only.
 */
export function describeWithDocker(name: string, body: (env: () => DockerEnv) => void): void {
  const missing =
    typeof probed === 'string'
      ? `Docker and a registry: ${probed}. Start them with: sudo scripts/docker-env.sh start (needs apt packages docker.io docker-registry busybox-static apache2-utils)`
      : undefined
  describeRequiring(name, missing, () =>
    body(() => {
      if (!dockerEnv) throw new Error(`no Docker: ${missing}`)
      return dockerEnv
    }),
  )
}

/** Every docker process's command line and environment seen by polling /proc while something runs. */
export class ProcessWatcher {
  readonly seen: { pid: string; cmdline: string; environ: string }[] = []
  private timer?: NodeJS.Timeout

  start(): this {
    this.timer = setInterval(() => this.scan(), 2)
    return this
  }

  stop(): void {
    clearInterval(this.timer)
    this.scan()
  }

  private scan(): void {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid) || this.seen.some((s) => s.pid === pid)) continue
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
        if (!/(^|\/)docker(-\S+)? /.test(cmdline) && !cmdline.includes('cli-plugins')) continue
        this.seen.push({ pid, cmdline, environ: readFileSync(`/proc/${pid}/environ`, 'utf8') })
      } catch {
        // The process ended between readdir and read.
      }
    }
  }
}

/** A scratch folder with a build context: the static busybox and `dockerfile` (images are built FROM scratch, as
 * there is no Docker Hub here); and the docker CLI that tests wrap. */
export function busyboxContext(prefix: string, dockerfile: string): { work: string; context: string; realDocker: string } {
  const work = mkdtempSync(join(tmpdir(), prefix))
  const context = join(work, 'context')
  mkdirSync(context)
  copyFileSync('/bin/busybox', join(context, 'busybox'))
  writeFileSync(join(context, 'Dockerfile'), dockerfile)
  const realDocker = spawnSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).stdout.trim()
  if (realDocker === '') throw new Error('no docker CLI on PATH')
  return { work, context, realDocker }
}
