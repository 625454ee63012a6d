// Build the image and push it to ECR, then pin it by digest: the task definition gets `repository@sha256:...`,
// never a tag that can move. `docker buildx build --push` when buildx is there, else `docker build` + `docker push`.
import * as core from '@actions/core'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Docker } from './docker.js'
import { InputProblem } from '../inputs/problem.js'
import { formatImageRef, parseImageRef, repositoryUri } from './image-ref.js'

export interface BuildArg {
  name: string
  value: string
}

export interface BuildOptions {
  /** Logged-in docker CLI (EcrLogin.docker). */
  docker: Docker
  /** Input `image`: ECR repository name or URI, optional tag (default: `sha`). */
  image: string
  /** Registry host for a bare repository name (the ECR login's registry). */
  registry: string
  /** Input `build-context`. */
  context: string
  /** Input `dockerfile`; default `<context>/Dockerfile` (docker's own default). */
  dockerfile?: string
  /** Input `build-args`, parsed with parseBuildArgs. */
  buildArgs?: BuildArg[]
  /** Input `build-target`. */
  target?: string
  /** Input `platform`, e.g. `linux/arm64`. */
  platform?: string
  /**
   * `docker build --network` for RUN steps. Default: docker's (the default bridge). Not an action input yet; the
   * tests' engine has no bridge, so they build with `none`.
   */
  network?: string
  /** Input `tags`: extra tags for the same image. */
  tags?: string[]
  /** The commit: default tag and the revision label. Default GITHUB_SHA. */
  sha?: string
  /** Environment to read GITHUB_* and the Actions cache variables from. Default process.env. */
  env?: NodeJS.ProcessEnv
}

export interface BuiltImage {
  /** `registry/repository@sha256:...`: what the task definition gets. */
  imageRef: string
  digest: string
  /** Every `registry/repository:tag` pushed. */
  tags: string[]
}

/** How the build runs; decided by probing docker (see `buildPlan`). */
export interface BuildPlan {
  buildx: boolean
  /** Use GitHub's cache (`type=gha`): buildx with a builder that can export cache, on a runner that offers one. */
  ghaCache: boolean
}

const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const DIGEST = /^sha256:[0-9a-f]{64}$/

/**
 * Parses the `build-args` input: one KEY=VALUE a line; the value is everything after the first `=`, kept as
 * written (it may contain `=`, spaces, quotes). Blank lines and lines starting with `#` are skipped. Errors name the
 * line.
 */
export function parseBuildArgs(text: string, input = 'build-args'): BuildArg[] {
  const args: BuildArg[] = []
  const seen = new Map<string, number>()
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').replace(/^\s+/, '')
    const n = i + 1
    if (line === '' || line.startsWith('#')) return
    const eq = line.indexOf('=')
    if (eq < 0) throw new InputProblem(input, `'${line}' is not KEY=VALUE`, undefined, `line ${n}`)
    const name = line.slice(0, eq)
    if (!ARG_NAME.test(name))
      throw new InputProblem(input, `'${name}' is not a valid build argument name (letters, digits, _ . -; not starting with a digit)`, undefined, `line ${n}`)
    const first = seen.get(name)
    if (first !== undefined) throw new InputProblem(input, `${name} is already set on line ${first}`, undefined, `line ${n}`)
    seen.set(name, n)
    args.push({ name, value: line.slice(eq + 1) })
  })
  return args
}

/** Every `registry/repository:tag` to push: the image's tag (default `sha`) first, then the extra tags. */
export function composeTags(image: string, registry: string, sha: string | undefined, extraTags: string[] = []): { repository: string; tags: string[] } {
  const ref = parseImageRef(image)
  if (ref.digest) throw new InputProblem('image', `'${image}' has a digest; when building, image names the repository and optionally a tag`)
  const repository = repositoryUri({ registry: ref.registry ?? registry, repository: ref.repository })
  const tag = ref.tag ?? sha
  if (!tag) throw new InputProblem('image', `'${image}' has no tag and GITHUB_SHA is not set to default it to`)
  const tags = [tag]
  for (const extra of extraTags.map((t) => t.trim()).filter((t) => t !== '')) {
    if (!TAG.test(extra)) throw new InputProblem('tags', `'${extra}' is not a valid tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)`)
    if (!tags.includes(extra)) tags.push(extra)
  }
  return { repository, tags: tags.map((t) => formatImageRef({ ...parseImageRef(repository), tag: t })) }
}

/** OCI labels tying the image to its source: org.opencontainers.image.source and .revision. */
export function ociLabels(env: NodeJS.ProcessEnv, sha: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {}
  if (env.GITHUB_REPOSITORY) labels['org.opencontainers.image.source'] = `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}`
  if (sha) labels['org.opencontainers.image.revision'] = sha
  return labels
}

/** True when the runner offers GitHub's cache service to this step (buildx reads these variables itself). */
export function runnerOffersCache(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL))
}

/** Probes docker: buildx or not, and whether its builder can use GitHub's cache. */
export async function buildPlan(docker: Docker, env: NodeJS.ProcessEnv = process.env): Promise<BuildPlan> {
  if (!(await docker.hasBuildx())) return { buildx: false, ghaCache: false }
  if (!runnerOffersCache(env)) return { buildx: true, ghaCache: false }
  // The `docker` driver (buildx's default builder) cannot export cache; a docker-container builder
  // (docker/setup-buildx-action's default) can.
  const driver = await docker.buildxDriver()
  if (driver === 'docker' || driver === undefined) {
    core.info(`GitHub cache not used: the buildx builder's driver is ${driver ?? 'unknown'}; docker/setup-buildx-action before this step gives one that can export cache`)
    return { buildx: true, ghaCache: false }
  }
  return { buildx: true, ghaCache: true }
}

/** The build command's arguments (after `docker`). `metadataFile` is where buildx writes the pushed digest. */
export function buildArguments(opts: BuildOptions, plan: BuildPlan, tags: string[], labels: Record<string, string>, cacheScope: string, metadataFile: string): string[] {
  const args = plan.buildx ? ['buildx', 'build'] : ['build']
  if (opts.dockerfile) args.push('--file', opts.dockerfile)
  if (opts.target) args.push('--target', opts.target)
  if (opts.platform) args.push('--platform', opts.platform)
  if (opts.network) args.push('--network', opts.network)
  for (const arg of opts.buildArgs ?? []) args.push('--build-arg', `${arg.name}=${arg.value}`)
  for (const [name, value] of Object.entries(labels)) args.push('--label', `${name}=${value}`)
  for (const tag of tags) args.push('--tag', tag)
  if (plan.buildx) {
    args.push('--push', '--metadata-file', metadataFile)
    if (plan.ghaCache) args.push('--cache-from', `type=gha,scope=${cacheScope}`, '--cache-to', `type=gha,mode=max,scope=${cacheScope}`)
  }
  // A context starting with `-` would be read as an option (`-` alone as a tarball on stdin); `./` keeps it a path.
  args.push(opts.context.startsWith('-') ? `./${opts.context}` : opts.context)
  return args
}

/** Builds, pushes every tag and returns the digest-pinned reference. */
export async function buildAndPush(opts: BuildOptions): Promise<BuiltImage> {
  const env = opts.env ?? process.env
  const sha = opts.sha ?? env.GITHUB_SHA
  const { repository, tags } = composeTags(opts.image, opts.registry, sha, opts.tags)
  const plan = await buildPlan(opts.docker, env)
  const labels = ociLabels(env, sha)
  const work = mkdtempSync(join(env.RUNNER_TEMP ?? tmpdir(), 'ecs-safe-deploy-build-'))
  try {
    const metadataFile = join(work, 'metadata.json')
    core.info(`Building ${tags.join(', ')} with ${plan.buildx ? 'docker buildx' : 'docker build'}${plan.ghaCache ? ' (GitHub cache)' : ''}`)
    const args = buildArguments(opts, plan, tags, labels, cacheScope(repository), metadataFile)
    await opts.docker.run(args)
    const digest = plan.buildx ? digestFromMetadata(metadataFile) : await pushTags(opts.docker, repository, tags)
    core.info(`Pushed ${repository}@${digest}`)
    return { imageRef: `${repository}@${digest}`, digest, tags }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** The cache is per repository, so two images built in one workflow do not evict each other's layers. */
function cacheScope(repository: string): string {
  return repository.replace(/^[^/]*\//, '').replace(/[^A-Za-z0-9_.-]/g, '-')
}

function digestFromMetadata(file: string): string {
  let metadata: Record<string, unknown>
  try {
    metadata = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch (err) {
    throw new Error(`docker buildx build pushed but wrote no readable metadata file: ${(err as Error).message}`, { cause: err })
  }
  const digest = metadata['containerimage.digest']
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    throw new Error(`docker buildx build pushed but reported no image digest (containerimage.digest: ${JSON.stringify(digest)})`)
  }
  return digest
}

/** `docker push` of each tag; every push must report the same digest (they are one image). */
async function pushTags(docker: Docker, repository: string, tags: string[]): Promise<string> {
  let digest: string | undefined
  for (const tag of tags) {
    const out = await docker.run(['push', tag])
    const pushed = /: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(out.stdout)?.[1] ?? (await repoDigest(docker, repository, tag))
    if (digest && pushed !== digest) throw new Error(`docker push ${tag} reported digest ${pushed}, but ${tags[0]} was pushed as ${digest}`)
    digest = pushed
  }
  if (!digest) throw new Error('No tag was pushed')
  return digest
}

/** The digest docker recorded for `repository` when it pushed `tag` (RepoDigests). */
async function repoDigest(docker: Docker, repository: string, tag: string): Promise<string> {
  const out = await docker.run(['image', 'inspect', '--format', '{{json .RepoDigests}}', tag], { silent: true })
  const digests = JSON.parse(out.stdout.trim() || '[]') as string[]
  const match = digests.find((d) => d.startsWith(`${repository}@`))?.slice(repository.length + 1)
  if (!match || !DIGEST.test(match)) throw new Error(`docker push ${tag} succeeded but docker knows no digest for it in ${repository}`)
  return match
}
