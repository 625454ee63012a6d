// Sandbox ECR backed by a real local registry (scripts/docker-env.sh): what was pushed there is read through the
// registry's HTTP API, so ECR's answers and ECS's pulls match the registry. The AWS services are synchronous, so the
// server awaits refresh() before it dispatches a request, and Ecr.applyRegistry merges the result into ECR's state.
import type { EcrSettings } from './types.js'

/** One manifest the registry holds. */
export interface RegistryImage {
  /** Docker-Content-Digest of the manifest. */
  digest: string
  mediaType: string
  manifest: string
  /** Tags pointing at it now; none for a manifest known by digest only (a moved tag's old image, an index's child). */
  tags: string[]
}

/** Repository path → the manifests the registry holds there. */
export type RegistrySnapshot = ReadonlyMap<string, readonly RegistryImage[]>

export interface RegistryAccess {
  /** e.g. `http://127.0.0.1:5055`. */
  baseUrl: string
  /** Basic auth (htpasswd); none when undefined. */
  authorization?: string
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ')
const INDEX_TYPES = new Set(['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json'])
const MIN_INTERVAL_MS = 300
const TIMEOUT_MS = 5000
const PARALLEL = 8
const LOOPBACK = /^(127(?:\.\d{1,3}){3}|localhost|\[::1\])$/i

/**
 * The registry to mirror, when the ECR settings name one: an explicit `registryHost` reached (through
 * `proxyEndpoint`, else `http://<registryHost>`) on a loopback address. Anything else keeps sandbox ECR in memory only.
 */
export function registryAccess(settings: EcrSettings | undefined): RegistryAccess | undefined {
  if (!settings?.registryHost) return undefined
  let url: URL
  try {
    url = new URL(settings.proxyEndpoint ?? `http://${settings.registryHost}`)
  } catch {
    return undefined
  }
  if (!LOOPBACK.test(url.hostname) || !/^https?:$/.test(url.protocol)) return undefined
  const { username, password } = settings
  return {
    baseUrl: url.origin,
    authorization: username !== undefined || password !== undefined ? `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}` : undefined,
  }
}

/** Keeps a snapshot of a registry's repositories, tags and manifests, and hands each new one to `onSnapshot`. */
export class RegistryMirror {
  snapshot: RegistrySnapshot = new Map()
  /** Manifests by digest: content-addressed, so never stale. */
  private readonly manifests = new Map<string, { mediaType: string; manifest: string }>()
  private current: Promise<void> = Promise.resolve()
  private scheduledAt = Number.NEGATIVE_INFINITY
  private lastError = ''

  constructor(
    readonly access: RegistryAccess,
    private readonly onSnapshot: (snapshot: RegistrySnapshot) => void,
    private readonly minIntervalMs = MIN_INTERVAL_MS,
  ) {}

  /**
   * Resolves once the snapshot comes from a read scheduled at most `minIntervalMs` ago: a push that finished
   * earlier than that is in it. One read at a time; never rejects (a failed read keeps the last snapshot).
   */
  refresh(): Promise<void> {
    if (Date.now() - this.scheduledAt < this.minIntervalMs) return this.current
    this.scheduledAt = Date.now()
    this.current = this.current.then(() => this.readOnce())
    return this.current
  }

  private async readOnce(): Promise<void> {
    try {
      const snapshot = await this.read()
      this.snapshot = snapshot
      this.onSnapshot(snapshot)
      this.lastError = ''
    } catch (e) {
      const err = e as Error & { cause?: Error }
      const message = err.cause ? `${err.message}: ${err.cause.message}` : err.message
      // Once per distinct failure: every request would repeat it.
      if (message !== this.lastError) console.error(`sandbox: reading registry ${this.access.baseUrl} failed; ECR keeps what it last saw: ${message}`)
      this.lastError = message
    }
  }

  private async read(): Promise<Map<string, RegistryImage[]>> {
    const snapshot = new Map<string, RegistryImage[]>()
    await eachLimited(await this.catalog(), async (repo) => {
      const images = await this.readRepository(repo)
      if (images.length > 0) snapshot.set(repo, images)
    })
    return snapshot
  }

  private async readRepository(repo: string): Promise<RegistryImage[]> {
    const found = new Map<string, RegistryImage>()
    const tagged: { tag: string; image: Omit<RegistryImage, 'tags'> | undefined }[] = []
    await eachLimited(await this.tags(repo), async (tag) => {
      tagged.push({ tag, image: await this.lookup(repo, tag) })
    })
    for (const { tag, image } of tagged.sort((a, b) => a.tag.localeCompare(b.tag))) {
      if (!image) continue
      const known = found.get(image.digest) ?? { ...image, tags: [] }
      known.tags.push(tag)
      found.set(image.digest, known)
    }
    // Manifests reachable by digest only: an index's children, and images seen before whose tags have moved on
    // (a deployment may still pull them by digest). Each is checked again, as it may have been deleted.
    const pending = [...found.values()].flatMap(children)
    for (const seen of this.snapshot.get(repo) ?? []) pending.push(seen.digest)
    while (pending.length > 0) {
      const digest = pending.pop() as string
      if (found.has(digest)) continue
      const image = await this.lookup(repo, digest)
      if (!image) continue
      found.set(digest, { ...image, tags: [] })
      pending.push(...children(image))
    }
    return [...found.values()].sort((a, b) => a.digest.localeCompare(b.digest))
  }

  private async catalog(): Promise<string[]> {
    const repos: string[] = []
    let path: string | undefined = '/v2/_catalog?n=1000'
    while (path) {
      const res = await this.request('GET', path)
      if (!res) throw new Error('GET /v2/_catalog: HTTP 404 (not a registry v2 API?)')
      repos.push(...(((await res.json()) as { repositories?: string[] | null }).repositories ?? []))
      // Docker distribution pages with `Link: </v2/_catalog?last=x&n=1000>; rel="next"`.
      path = /<([^>]+)>;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1]
    }
    return repos
  }

  /** The repository's tags; none when it is gone (deleted since the catalog was read). */
  private async tags(repo: string): Promise<string[]> {
    const res = await this.request('GET', `/v2/${repo}/tags/list`)
    if (!res) return []
    return ((await res.json()) as { tags?: string[] | null }).tags ?? []
  }

  /** The manifest a tag or digest names, or undefined when the registry has none. */
  private async lookup(repo: string, reference: string): Promise<Omit<RegistryImage, 'tags'> | undefined> {
    const head = await this.request('HEAD', `/v2/${repo}/manifests/${reference}`, MANIFEST_TYPES)
    if (!head) return undefined
    const digest = head.headers.get('docker-content-digest')
    if (!digest) throw new Error(`HEAD /v2/${repo}/manifests/${reference}: no Docker-Content-Digest header`)
    let cached = this.manifests.get(digest)
    if (!cached) {
      const res = await this.request('GET', `/v2/${repo}/manifests/${digest}`, MANIFEST_TYPES)
      if (!res) return undefined
      const manifest = await res.text()
      cached = { mediaType: (res.headers.get('content-type') ?? '').split(';')[0].trim() || mediaTypeOf(manifest), manifest }
      this.manifests.set(digest, cached)
    }
    return { digest, ...cached }
  }

  /** The response, or undefined for 404 (NAME_UNKNOWN, MANIFEST_UNKNOWN); any other failure throws. */
  private async request(method: 'GET' | 'HEAD', path: string, accept = 'application/json'): Promise<Response | undefined> {
    const headers: Record<string, string> = { Accept: accept }
    if (this.access.authorization) headers.Authorization = this.access.authorization
    const res = await fetch(new URL(path, this.access.baseUrl), { method, headers, signal: AbortSignal.timeout(TIMEOUT_MS) })
    if (res.ok) return res
    const body = method === 'GET' ? await res.text().catch(() => '') : ''
    if (res.status === 404) return undefined
    const code = /"code"\s*:\s*"([^"]+)"/.exec(body)?.[1]
    throw new Error(`${method} ${path}: HTTP ${res.status}${code ? ` ${code}` : ''}`)
  }
}

function children(image: Omit<RegistryImage, 'tags'>): string[] {
  if (!INDEX_TYPES.has(image.mediaType)) return []
  try {
    const index = JSON.parse(image.manifest) as { manifests?: { digest?: unknown }[] }
    return (index.manifests ?? []).map((m) => m.digest).filter((d): d is string => typeof d === 'string')
  } catch {
    return []
  }
}

function mediaTypeOf(manifest: string): string {
  try {
    const m = JSON.parse(manifest) as { mediaType?: unknown }
    return typeof m.mediaType === 'string' ? m.mediaType : 'application/vnd.oci.image.manifest.v1+json'
  } catch {
    return 'application/vnd.oci.image.manifest.v1+json'
  }
}

async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker))
}
