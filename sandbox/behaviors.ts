import { parseImageRef } from './image-ref.js'
import { checkTraffic } from './traffic.js'
import type { Behavior, BehaviorBook } from './types.js'

const KINDS = new Set(['healthy', 'crash', 'unhealthy', 'slow-start', 'exit'])

/** Throws unless `b` is a Behavior (world files and the control API hand us untyped JSON). */
export function checkBehavior(b: unknown): Behavior {
  const o = b as Record<string, unknown>
  if (typeof o !== 'object' || o === null || !KINDS.has(o.kind as string)) {
    throw new Error(`behavior must be an object with kind one of ${[...KINDS].join(', ')}; got ${JSON.stringify(b)}`)
  }
  if (o.logLines !== undefined && (!Array.isArray(o.logLines) || o.logLines.some((l) => typeof l !== 'string'))) {
    throw new Error('behavior.logLines must be a list of strings')
  }
  if (o.kind === 'slow-start' && typeof o.seconds !== 'number') throw new Error('slow-start behavior needs seconds (number)')
  for (const k of ['exitCode', 'afterSeconds'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'number') throw new Error(`behavior.${k} must be a number`)
  }
  if (o.traffic !== undefined) checkTraffic(o.traffic)
  return o as Behavior
}

export class Behaviors implements BehaviorBook {
  private readonly byKey = new Map<string, Behavior>()

  /** `tagsOf` finds the tags a digest carries in the sandbox ECR, so a behaviour set for `web:v2` also applies to `web@sha256:…`. */
  constructor(private readonly tagsOf: (image: string, digest: string) => string[] = () => []) {}

  /** `imageKey` is an image key, or `<container name>=<image key>` for that image in containers of that name only. */
  set(imageKey: string, behavior: Behavior): void {
    const key = imageKey.trim()
    const at = key.indexOf('=')
    if (at === 0 || at === key.length - 1) throw new Error(`behavior key must be an image key or <container name>=<image key>; got ${JSON.stringify(imageKey)}`)
    this.byKey.set(at > 0 ? `${key.slice(0, at).trim()}=${key.slice(at + 1).trim()}` : key, checkBehavior(behavior))
  }

  entries(): Record<string, Behavior> {
    return Object.fromEntries(this.byKey)
  }

  /** The behaviour of `image` run in the container named `container`: a key qualified with that container name
   * (`worker=web:v2`) before any unqualified one, each most specific first. A one-off task's `command` (RunTask's
   * override) first looks for `<image key> -- <command words>` keys; without one it does what the image does when
   * that is a crash, and else runs to its end (exit 0). */
  behaviorFor(image: string, digest: string | undefined, container?: string, command?: string[]): Behavior {
    const keys = this.keysFor(image, digest)
    const qualified = (ks: string[]) => (container === undefined ? ks : [...ks.map((k) => `${container}=${k}`), ...ks])
    if (command) {
      const run = command.join(' ')
      const b = this.first(qualified(keys.map((k) => `${k} -- ${run}`)))
      if (b) return b
      const image = this.first(qualified(keys))
      return image?.kind === 'crash' ? image : { kind: 'exit' }
    }
    return this.first(qualified(keys)) ?? { kind: 'healthy' }
  }

  private first(keys: string[]): Behavior | undefined {
    for (const key of keys) {
      const b = this.byKey.get(key)
      if (b) return b
    }
    return undefined
  }

  /** Most specific first: digest, full reference, then `repo:tag` / `repo@digest` by full path and by last path part. */
  private keysFor(image: string, digest: string | undefined): string[] {
    const ref = parseImageRef(image)
    const d = ref.digest ?? digest
    const repos = [ref.path, ref.path.split('/').pop() as string]
    const tags = ref.tag ? [ref.tag] : []
    if (d) tags.push(...this.tagsOf(image, d))
    if (!ref.tag && !ref.digest) tags.push('latest')
    const keys: string[] = []
    if (d) keys.push(d)
    keys.push(image.trim())
    for (const repo of repos) {
      if (d) keys.push(`${repo}@${d}`)
      for (const tag of tags) keys.push(`${repo}:${tag}`)
    }
    if (!ref.tag && !ref.digest) keys.push(...repos)
    return keys
  }
}
