// Image references (`[registry/]repository[:tag][@sha256:...]`) and resolving one to its digest through ECR, so the
// task definition always gets an immutable `repository@sha256:...`.
import * as core from '@actions/core'
import { DescribeImagesCommand, GetAuthorizationTokenCommand, type ECRClient, type ImageIdentifier } from '@aws-sdk/client-ecr'
import { InputProblem } from '../inputs/problem.js'

export interface ImageRef {
  /** Registry host with port (`123456789012.dkr.ecr.us-east-1.amazonaws.com`, `127.0.0.1:5000`); undefined when absent. */
  registry?: string
  /** Repository path without the registry (`web`, `team/web`). */
  repository: string
  tag?: string
  /** `sha256:<64 hex>`. */
  digest?: string
}

/** What `image` resolves to: the reference to put in the task definition. */
export interface ResolvedImage {
  /** `registry/repository@sha256:...`. */
  imageRef: string
  digest: string
  /** The tags ECR lists for that digest. */
  tags: string[]
}

const DIGEST = /^sha256:[0-9a-f]{64}$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
// Docker's path grammar: lowercase components separated by `/`, each with single `.`, `_`, `__` or `-`+ inside.
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/

/** Parses an image reference; throws naming `input` (the action input it came from) when it is not one. */
export function parseImageRef(text: string, input = 'image'): ImageRef {
  const image = text.trim()
  const bad = (why: string) => new InputProblem(input, `'${image}' is not a valid image reference: ${why}`, why)
  if (image === '') throw bad('it is empty')
  if (/\s/.test(image)) throw bad('it contains whitespace')
  let rest = image
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) throw bad(`the digest must be sha256: followed by 64 lowercase hex digits`)
  }
  let registry: string | undefined
  const slash = rest.indexOf('/')
  if (slash >= 0) {
    const first = rest.slice(0, slash)
    // Docker's rule: the first component is a registry when it has a `.` or `:` or is `localhost`.
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first
      rest = rest.slice(slash + 1)
    }
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon >= 0) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw bad(`the tag '${tag}' must be 1-128 of A-Z a-z 0-9 _ . - and not start with . or -`)
  }
  if (!REPOSITORY.test(rest)) throw bad(`the repository '${rest}' must be lowercase letters, digits and . _ - separated by /`)
  return { registry, repository: rest, tag, digest }
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`
}

/** `registry/repository` without tag or digest. */
export function repositoryUri(ref: ImageRef): string {
  return formatImageRef({ registry: ref.registry, repository: ref.repository })
}

/** Account and region of an ECR registry host; undefined for any other registry. */
export function parseEcrRegistry(host: string): { accountId: string; region: string } | undefined {
  const m = ECR_HOST.exec(host.toLowerCase())
  return m ? { accountId: m[1], region: m[2] } : undefined
}

/** The ECR repository name an image reference points at (`123….amazonaws.com/team/web:1` → `team/web`). */
export function ecrRepositoryName(image: string | ImageRef): string {
  return (typeof image === 'string' ? parseImageRef(image) : image).repository
}

/** Registry host of a GetAuthorizationToken proxyEndpoint (`https://host[:port]` → `host[:port]`). */
export function registryFromProxyEndpoint(proxyEndpoint: string): string {
  const host = /^[a-z][a-z0-9+.-]*:\/\//i.test(proxyEndpoint) ? new URL(proxyEndpoint).host : proxyEndpoint.replace(/\/+$/, '')
  if (!host) throw new Error(`ECR returned an unusable proxyEndpoint '${proxyEndpoint}'`)
  return host
}

/**
 * The registry host of the caller's own ECR registry, as GetAuthorizationToken's proxyEndpoint names it: how a
 * registry that is not spelled `<account>.dkr.ecr.<region>.amazonaws.com` (an ECR emulator's) is known to be ECR.
 * The token in the answer is not used; it is masked all the same.
 */
export async function accountRegistry(ecr: ECRClient): Promise<string> {
  const out = await ecr.send(new GetAuthorizationTokenCommand({}))
  const data = out.authorizationData?.[0]
  if (data?.authorizationToken) core.setSecret(data.authorizationToken)
  if (!data?.proxyEndpoint) throw new Error('ECR GetAuthorizationToken returned no proxyEndpoint')
  return registryFromProxyEndpoint(data.proxyEndpoint)
}

export interface ResolveOptions {
  /** Registry hosts to treat as ECR besides `<account>.dkr.ecr.<region>.amazonaws.com` (a local stand-in for ECR). */
  ecrRegistries?: string[]
  /** The action input the reference came from, for error messages. */
  input?: string
}

/** True when `image` is in ECR (or one of `ecrRegistries`), i.e. `resolveImage` can look it up. */
export function isEcrImage(image: string | ImageRef, ecrRegistries: string[] = []): boolean {
  const registry = (typeof image === 'string' ? parseImageRef(image) : image).registry?.toLowerCase()
  if (!registry) return false
  return parseEcrRegistry(registry) !== undefined || ecrRegistries.some((r) => r.toLowerCase() === registry)
}

/**
 * Resolves an ECR image (by tag, or by digest to prove it exists) to `repository@sha256:...` with DescribeImages.
 * No tag and no digest means `latest`, as for docker pull. A missing image or repository throws an error that names
 * the input and the image, so it can fail preflight before anything in ECS changes.
 */
export async function resolveImage(ecr: ECRClient, image: string, options: ResolveOptions = {}): Promise<ResolvedImage> {
  const input = options.input ?? 'image'
  const ref = parseImageRef(image, input)
  if (!ref.registry || !isEcrImage(ref, options.ecrRegistries)) {
    throw new InputProblem(input, `'${image}' is not in an ECR registry (<account>.dkr.ecr.<region>.amazonaws.com/<repository>), so its digest cannot be looked up`)
  }
  const imageId: ImageIdentifier = ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag ?? 'latest' }
  const registryId = parseEcrRegistry(ref.registry)?.accountId
  let details
  try {
    const out = await ecr.send(new DescribeImagesCommand({ repositoryName: ref.repository, registryId, imageIds: [imageId] }))
    details = out.imageDetails ?? []
  } catch (err) {
    const name = (err as { name?: string }).name
    if (name === 'ImageNotFoundException') {
      const what = ref.digest ? `digest ${ref.digest}` : `tag '${imageId.imageTag}'`
      throw new InputProblem(input, `image '${image}' does not exist: ECR repository '${ref.repository}' has no image with ${what}`, undefined, undefined, { cause: err })
    }
    if (name === 'RepositoryNotFoundException') {
      throw new InputProblem(
        input,
        `image '${image}' does not exist: there is no ECR repository '${ref.repository}'${registryId ? ` in registry ${registryId}` : ''}`,
        undefined,
        undefined,
        { cause: err },
      )
    }
    throw err
  }
  const detail = details[0]
  if (!detail?.imageDigest) {
    throw new InputProblem(input, `ECR DescribeImages returned no digest for '${image}'`)
  }
  if (ref.digest && detail.imageDigest !== ref.digest) {
    throw new InputProblem(input, `ECR returned digest ${detail.imageDigest} for '${image}'`)
  }
  return {
    imageRef: `${repositoryUri(ref)}@${detail.imageDigest}`,
    digest: detail.imageDigest,
    tags: detail.imageTags ?? [],
  }
}
