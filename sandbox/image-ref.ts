// Docker image references: `[host[:port]/]path[:tag][@digest]`.

export interface ImageRef {
  /** Registry host (with port), undefined for Docker Hub style short names. */
  host?: string
  /** Repository path without host, e.g. `web` or `team/web`. */
  path: string
  tag?: string
  digest?: string
}

export function parseImageRef(image: string): ImageRef {
  let rest = image.trim()
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }
  let host: string | undefined
  const slash = rest.indexOf('/')
  if (slash >= 0) {
    const first = rest.slice(0, slash)
    // Docker's rule: the first part is a registry host when it looks like one.
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      host = first
      rest = rest.slice(slash + 1)
    }
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  return { host, path: rest, tag, digest }
}
