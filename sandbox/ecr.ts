import { createHash } from 'node:crypto'
import { parseImageRef } from './image-ref.js'
import { epochSeconds, InputReader, page } from './input.js'
import type { RegistrySnapshot } from './registry-mirror.js'
import { AwsError, type Account, type AwsService, type EcrSettings, type ImageCatalog, type JsonObject, type SimClock } from './types.js'

interface Image {
  digest: string
  tags: string[]
  manifest: string
  mediaType: string
  pushedAt: number
  size: number
  /** Created from the mirrored registry (not PutImage): leaves ECR when it leaves the registry. */
  fromRegistry: boolean
  /** The tags the registry gave it at the last merge. */
  registryTags: string[]
}

interface Repository {
  name: string
  createdAt: number
  tagMutability: string
  scanOnPush: boolean
  images: Image[]
}

const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json'
const OPERATIONS = ['CreateRepository', 'DescribeRepositories', 'GetAuthorizationToken', 'PutImage', 'DescribeImages', 'BatchGetImage', 'ListImages']
const MUTATING = new Set(['CreateRepository', 'PutImage'])
const REPO_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/

export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`
}

/** A plausible Docker v2 manifest whose content (hence digest) depends on `seed`. */
export function generatedManifest(seed: string): string {
  const layer = (n: number) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1_000_000 * n, digest: sha256(`${seed}#layer${n}`) })
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_V2,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1500, digest: sha256(`${seed}#config`) },
    layers: [layer(1), layer(2)],
  })
}

export class Ecr implements AwsService, ImageCatalog {
  readonly targetPrefix = 'AmazonEC2ContainerRegistry_V20150921'
  readonly mutatingOperations: ReadonlySet<string> = MUTATING
  readonly registryHost: string
  readonly proxyEndpoint: string
  private readonly username: string
  private readonly password: string
  private readonly repos = new Map<string, Repository>()
  private registry: RegistrySnapshot = new Map()

  constructor(
    private readonly clock: SimClock,
    private readonly account: Account,
    settings: EcrSettings = {},
  ) {
    this.registryHost = settings.registryHost ?? `${account.accountId}.dkr.ecr.${account.region}.amazonaws.com`
    this.proxyEndpoint = settings.proxyEndpoint ?? `https://${this.registryHost}`
    this.username = settings.username ?? 'AWS'
    this.password = settings.password ?? 'sandbox'
  }

  has(operation: string): boolean {
    return OPERATIONS.includes(operation)
  }

  handle(operation: string, input: JsonObject): JsonObject {
    const r = new InputReader(input)
    switch (operation) {
      case 'CreateRepository':
        return this.createRepository(r)
      case 'DescribeRepositories':
        return this.describeRepositories(r)
      case 'GetAuthorizationToken':
        return this.getAuthorizationToken()
      case 'PutImage':
        return this.putImage(r)
      case 'DescribeImages':
        return this.describeImages(r)
      case 'BatchGetImage':
        return this.batchGetImage(r)
      case 'ListImages':
        return this.listImages(r)
    }
    throw new Error(`ECR operation ${operation} is not implemented`)
  }

  isSandboxEcr(image: string): boolean {
    return parseImageRef(image).host?.toLowerCase() === this.registryHost.toLowerCase()
  }

  resolve(image: string): string | undefined {
    if (!this.isSandboxEcr(image)) return sha256(image.trim())
    const ref = parseImageRef(image)
    const repo = this.repos.get(ref.path)
    if (!repo) return undefined
    const found = ref.digest ? repo.images.find((i) => i.digest === ref.digest) : repo.images.find((i) => i.tags.includes(ref.tag ?? 'latest'))
    return found?.digest
  }

  /** Tags of a digest in the repository an image reference points at (for behaviour lookup). */
  tagsOf(image: string, digest: string): string[] {
    const ref = parseImageRef(image)
    if (ref.host && !this.isSandboxEcr(image)) return []
    return this.repos.get(ref.path)?.images.find((i) => i.digest === digest)?.tags ?? []
  }

  /**
   * Merges what the mirrored registry holds into the repositories created here (ECR needs a repository before a
   * push; registry repositories never created stay unknown). The registry decides the tags it has; PutImage images
   * and tags it does not know stay as they are.
   */
  applyRegistry(snapshot: RegistrySnapshot): void {
    this.registry = snapshot
    for (const repo of this.repos.values()) this.mergeRegistry(repo)
  }

  private mergeRegistry(repo: Repository): void {
    const held = this.registry.get(repo.name) ?? []
    const tagged = new Map(held.flatMap((r) => r.tags.map((t) => [t, r.digest] as const)))
    for (const image of repo.images) {
      image.tags = image.tags.filter((t) => !image.registryTags.includes(t) || tagged.get(t) === image.digest)
      image.registryTags = []
    }
    repo.images = repo.images.filter((i) => !i.fromRegistry || held.some((r) => r.digest === i.digest))
    for (const r of held) {
      let image = repo.images.find((i) => i.digest === r.digest)
      if (!image) {
        image = {
          digest: r.digest,
          tags: [],
          manifest: r.manifest,
          mediaType: r.mediaType,
          pushedAt: this.clock.now(),
          size: manifestSize(r.manifest),
          fromRegistry: true,
          registryTags: [],
        }
        repo.images.push(image)
      }
      for (const tag of r.tags) {
        for (const other of repo.images) if (other !== image) other.tags = other.tags.filter((t) => t !== tag)
        if (!image.tags.includes(tag)) image.tags.push(tag)
      }
      image.registryTags = [...r.tags]
    }
  }

  private repoArn(name: string) {
    return `arn:aws:ecr:${this.account.region}:${this.account.accountId}:repository/${name}`
  }

  private repoView(repo: Repository): JsonObject {
    return {
      repositoryArn: this.repoArn(repo.name),
      registryId: this.account.accountId,
      repositoryName: repo.name,
      repositoryUri: `${this.registryHost}/${repo.name}`,
      createdAt: epochSeconds(repo.createdAt),
      imageTagMutability: repo.tagMutability,
      imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
      encryptionConfiguration: { encryptionType: 'AES256' },
    }
  }

  private repo(name: string): Repository {
    const repo = this.repos.get(name)
    if (!repo) {
      throw new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${this.account.accountId}'`)
    }
    return repo
  }

  private createRepository(r: InputReader): JsonObject {
    const name = r.string('repositoryName')
    if (!REPO_NAME.test(name) || name.length < 2 || name.length > 256) {
      throw new AwsError('InvalidParameterException', `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '${REPO_NAME.source}''`)
    }
    if (this.repos.has(name)) {
      throw new AwsError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${this.account.accountId}'`)
    }
    const mutability = r.string('imageTagMutability', true) ?? 'MUTABLE'
    if (!['MUTABLE', 'IMMUTABLE'].includes(mutability)) throw new AwsError('InvalidParameterException', `Invalid imageTagMutability '${mutability}'`)
    const scan = new InputReader(r.object('imageScanningConfiguration') ?? {}).boolean('scanOnPush') ?? false
    const repo: Repository = { name, createdAt: this.clock.now(), tagMutability: mutability, scanOnPush: scan, images: [] }
    this.repos.set(name, repo)
    this.mergeRegistry(repo)
    return { repository: this.repoView(repo) }
  }

  private describeRepositories(r: InputReader): JsonObject {
    const names = r.strings('repositoryNames')
    const repos = names ? names.map((n) => this.repo(n)) : [...this.repos.values()].sort((a, b) => a.name.localeCompare(b.name))
    const p = page(repos, r.string('nextToken', true), r.number('maxResults', true), 1000, 'InvalidParameterException')
    return { repositories: p.items.map((x) => this.repoView(x)), nextToken: p.nextToken }
  }

  private getAuthorizationToken(): JsonObject {
    return {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`${this.username}:${this.password}`).toString('base64'),
          expiresAt: epochSeconds(this.clock.now() + 12 * 3600_000),
          proxyEndpoint: this.proxyEndpoint,
        },
      ],
    }
  }

  private putImage(r: InputReader): JsonObject {
    const repo = this.repo(r.string('repositoryName'))
    const manifest = r.string('imageManifest')
    const tag = r.string('imageTag', true)
    const mediaType = r.string('imageManifestMediaType', true) ?? manifestMediaType(manifest)
    // Lenient on purpose: a given imageDigest is taken as is, so world files can pin digests.
    const digest = r.string('imageDigest', true) ?? sha256(manifest)
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new AwsError('InvalidParameterException', `Invalid parameter at 'imageDigest': '${digest}' is not a sha256 digest`)
    const holder = tag ? repo.images.find((i) => i.tags.includes(tag)) : undefined
    let image = repo.images.find((i) => i.digest === digest)
    if (image && (tag ? holder === image : true)) {
      throw new AwsError(
        'ImageAlreadyExistsException',
        `Image with digest '${digest}'${tag ? ` and tag '${tag}'` : ''} already exists in the repository with name '${repo.name}' in registry with id '${this.account.accountId}'`,
      )
    }
    if (holder && repo.tagMutability === 'IMMUTABLE') {
      throw new AwsError(
        'ImageTagAlreadyExistsException',
        `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the repository is immutable.`,
      )
    }
    if (holder) holder.tags = holder.tags.filter((t) => t !== tag)
    if (!image) {
      image = { digest, tags: [], manifest, mediaType, pushedAt: this.clock.now(), size: manifestSize(manifest), fromRegistry: false, registryTags: [] }
      repo.images.push(image)
    }
    if (tag) image.tags.push(tag)
    return {
      image: {
        registryId: this.account.accountId,
        repositoryName: repo.name,
        imageId: { imageDigest: digest, imageTag: tag },
        imageManifest: manifest,
        imageManifestMediaType: mediaType,
      },
    }
  }

  /** Finds one imageId ({imageTag} / {imageDigest} / both) or says why not, in BatchGetImage's failure codes. */
  private find(repo: Repository, id: JsonObject): Image | { failureCode: string; failureReason: string } {
    const { imageTag: tag, imageDigest: digest } = id as { imageTag?: string; imageDigest?: string }
    if (!tag && !digest) return { failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' }
    if (digest && !/^sha256:[0-9a-f]{64}$/.test(digest)) return { failureCode: 'InvalidImageDigest', failureReason: 'Invalid image digest' }
    const byTag = tag ? repo.images.find((i) => i.tags.includes(tag)) : undefined
    const byDigest = digest ? repo.images.find((i) => i.digest === digest) : undefined
    if (tag && digest && byTag && byDigest && byTag !== byDigest)
      return { failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid request parameters: image tag does not match digest' }
    const found = digest ? byDigest : byTag
    if (!found || (tag && !byTag)) return { failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }
    return found
  }

  private detail(repo: Repository, image: Image): JsonObject {
    return {
      registryId: this.account.accountId,
      repositoryName: repo.name,
      imageDigest: image.digest,
      imageTags: image.tags.length ? [...image.tags] : undefined,
      imageSizeInBytes: image.size,
      imagePushedAt: epochSeconds(image.pushedAt),
      imageManifestMediaType: image.mediaType,
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
      imageStatus: 'ACTIVE',
    }
  }

  private describeImages(r: InputReader): JsonObject {
    const repo = this.repo(r.string('repositoryName'))
    const ids = r.objects('imageIds', true)
    let images: Image[]
    if (ids) {
      images = ids.map((id) => {
        const found = this.find(repo, id)
        if ('failureCode' in found) {
          if (found.failureCode !== 'ImageNotFound') throw new AwsError('InvalidParameterException', found.failureReason)
          throw new AwsError(
            'ImageNotFoundException',
            `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.name}' in the registry with id '${this.account.accountId}'`,
          )
        }
        return found
      })
    } else {
      const status = new InputReader(r.object('filter') ?? {}).string('tagStatus', true) ?? 'ANY'
      images = repo.images.filter((i) => status === 'ANY' || (status === 'TAGGED') === i.tags.length > 0)
    }
    const p = page(images, r.string('nextToken', true), r.number('maxResults', true), 1000, 'InvalidParameterException')
    return { imageDetails: p.items.map((i) => this.detail(repo, i)), nextToken: p.nextToken }
  }

  private batchGetImage(r: InputReader): JsonObject {
    const repo = this.repo(r.string('repositoryName'))
    const images: JsonObject[] = []
    const failures: JsonObject[] = []
    for (const id of r.objects('imageIds')) {
      const found = this.find(repo, id)
      if ('failureCode' in found) {
        failures.push({ imageId: id, ...found })
        continue
      }
      images.push({
        registryId: this.account.accountId,
        repositoryName: repo.name,
        imageId: { imageDigest: found.digest, imageTag: id.imageTag },
        imageManifest: found.manifest,
        imageManifestMediaType: found.mediaType,
      })
    }
    return { images, failures }
  }

  private listImages(r: InputReader): JsonObject {
    const repo = this.repo(r.string('repositoryName'))
    const ids = repo.images.flatMap((i) => (i.tags.length ? i.tags.map((t) => ({ imageDigest: i.digest, imageTag: t })) : [{ imageDigest: i.digest }]))
    const p = page(ids, r.string('nextToken', true), r.number('maxResults', true), 1000, 'InvalidParameterException')
    return { imageIds: p.items, nextToken: p.nextToken }
  }
}

function manifestMediaType(manifest: string): string {
  try {
    const m = JSON.parse(manifest) as { mediaType?: unknown }
    return typeof m.mediaType === 'string' ? m.mediaType : MANIFEST_V2
  } catch {
    throw new AwsError('InvalidParameterException', "Invalid parameter at 'imageManifest': the manifest is not valid JSON")
  }
}

function manifestSize(manifest: string): number {
  const m = JSON.parse(manifest) as { layers?: { size?: number }[] }
  return (m.layers ?? []).reduce((n, l) => n + (typeof l.size === 'number' ? l.size : 0), 0)
}
