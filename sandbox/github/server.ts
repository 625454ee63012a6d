// A local emulator of GitHub's Deployments REST API on 127.0.0.1, for Octokit (`getOctokit(token, { baseUrl })`).
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { close, listen, readBody, send } from '../http.js'
import { GitHubControl, GitHubLog, routeControl, type GitHubFault, type GitHubOperation } from './control.js'
import { DeploymentStore } from './deployments.js'
import { GitHubError } from './errors.js'

export interface GitHubApiOptions {
  /** TCP port on 127.0.0.1; 0 (default) = any free port. */
  port?: number
  /** Epoch ms for created_at / updated_at (default: wall time; the sandbox passes its simulated clock). */
  now?: () => number
  /** Requests per token per hour before the primary rate limit answers 403 (default 1000, GITHUB_TOKEN's). */
  rateLimit?: number
}

export interface GitHubApi {
  /** `http://127.0.0.1:PORT`: Octokit's `baseUrl`, or GITHUB_API_URL. */
  url: string
  control: GitHubControl
  stop(): Promise<void>
}

const REST_DOCS = 'https://docs.github.com/rest'
const DEPLOYMENTS = /^\/repos\/([^/]+)\/([^/]+)\/deployments/

interface Route {
  method: 'GET' | 'POST'
  path: RegExp
  operation: GitHubOperation
  docs: string
}

const ROUTES: Route[] = [
  { method: 'POST', path: /^$/, operation: 'createDeployment', docs: `${REST_DOCS}/deployments/deployments#create-a-deployment` },
  { method: 'GET', path: /^$/, operation: 'listDeployments', docs: `${REST_DOCS}/deployments/deployments#list-deployments` },
  { method: 'GET', path: /^\/(\d+)$/, operation: 'getDeployment', docs: `${REST_DOCS}/deployments/deployments#get-a-deployment` },
  { method: 'POST', path: /^\/(\d+)\/statuses$/, operation: 'createDeploymentStatus', docs: `${REST_DOCS}/deployments/statuses#create-a-deployment-status` },
  { method: 'GET', path: /^\/(\d+)\/statuses$/, operation: 'listDeploymentStatuses', docs: `${REST_DOCS}/deployments/statuses#list-deployment-statuses` },
  { method: 'GET', path: /^\/(\d+)\/statuses\/(\d+)$/, operation: 'getDeploymentStatus', docs: `${REST_DOCS}/deployments/statuses#get-a-deployment-status` },
]

const SERVER_ERRORS: Record<number, string> = {
  500: 'Server Error',
  502: 'Server Error',
  503: 'Service Unavailable',
  504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.",
}

/** Per-token hourly budget, in wall time: clients compare x-ratelimit-reset with their own clock. */
class RateLimits {
  private windows = new Map<string, { used: number; resetSec: number }>()

  constructor(readonly limit: number) {}

  /** Counts one request; `exceeded` when the budget was already spent. */
  take(token: string): { headers: Record<string, string>; exceeded: boolean } {
    const nowSec = Math.floor(Date.now() / 1000)
    let w = this.windows.get(token)
    if (!w || w.resetSec <= nowSec) {
      w = { used: 0, resetSec: nowSec + 3600 }
      this.windows.set(token, w)
    }
    const exceeded = w.used >= this.limit
    if (!exceeded) w.used++
    return { headers: rateHeaders(this.limit, w.used, w.resetSec), exceeded }
  }

  clear(): void {
    this.windows.clear()
  }
}

function rateHeaders(limit: number, used: number, resetSec: number): Record<string, string> {
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(limit - used),
    'x-ratelimit-reset': String(resetSec),
    'x-ratelimit-used': String(used),
    'x-ratelimit-resource': 'core',
  }
}

/** Shaped like GitHub's (`C0DE:1A2B:3C4D5E:4D5E6F:67890ABC`). */
function requestId(): string {
  const hex = (n: number) => randomBytes(n).toString('hex').toUpperCase()
  return `${hex(2)}:${hex(2)}:${hex(3)}:${hex(3)}:${Math.floor(Date.now() / 1000)
    .toString(16)
    .toUpperCase()}`
}

/** A page of `items` and GitHub's Link header (first/prev/next/last) for it. */
function paginate(items: unknown[], url: URL, baseUrl: string): { page: unknown[]; link?: string } {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page')) || 30))
  const page = Math.max(1, Number(url.searchParams.get('page')) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const at = (p: number) => {
    const u = new URL(url.pathname + url.search, baseUrl)
    u.searchParams.set('per_page', String(perPage))
    u.searchParams.set('page', String(p))
    return `<${u.toString()}>`
  }
  const links: string[] = []
  if (page > 1) links.push(`${at(Math.min(page - 1, last))}; rel="prev"`)
  if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`)
  if (page > 1) links.push(`${at(1)}; rel="first"`)
  return { page: items.slice((page - 1) * perPage, page * perPage), link: links.length ? links.join(', ') : undefined }
}

interface State {
  store: DeploymentStore
  log: GitHubLog
  control: GitHubControl
  rateLimits: RateLimits
  url: () => string
}

export async function startGitHubApi(options: GitHubApiOptions = {}): Promise<GitHubApi> {
  let url = ''
  const store = new DeploymentStore(options.now ?? Date.now, () => url)
  const log = new GitHubLog()
  const rateLimits = new RateLimits(options.rateLimit ?? 1000)
  const control = new GitHubControl(log, store, () => rateLimits.clear())
  const server = createGitHubServer({ store, log, control, rateLimits, url: () => url })
  url = await listen(server, options.port ?? 0)
  return { url, control, stop: () => close(server) }
}

function createGitHubServer(state: State): Server {
  return createServer((req, res) => {
    handle(state, req, res).catch((e: unknown) => {
      console.error('sandbox github: request failed:', e)
      if (!res.headersSent) send(res, 500, { message: 'Server Error', documentation_url: REST_DOCS, status: '500' }, { 'content-type': 'application/json; charset=utf-8' })
      else res.destroy()
    })
  })
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = (await readBody(req)).toString('utf8')
  const method = req.method ?? 'GET'
  const url = new URL(req.url ?? '/', state.url())
  let body: unknown
  let parseError = false
  if (raw.trim() !== '') {
    try {
      body = JSON.parse(raw)
    } catch {
      body = raw
      parseError = true
    }
  }
  const badBody = parseError || (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body)))

  if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) {
    const headers = { 'content-type': 'application/json; charset=utf-8' }
    try {
      if (badBody) throw new Error('body must be a JSON object')
      const out = routeControl(state.control, method, url.pathname, url.searchParams, (body ?? {}) as Record<string, unknown>)
      if (out === undefined) send(res, 404, { error: `no control route ${method} ${url.pathname}` }, headers)
      else send(res, 200, out, headers)
    } catch (e) {
      send(res, 400, { error: (e as Error).message }, headers)
    }
    return
  }

  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-github-request-id': requestId(),
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': '2022-11-28',
    server: 'github.com',
  }
  const repoMatch = DEPLOYMENTS.exec(url.pathname)
  const rest = repoMatch ? url.pathname.slice(repoMatch[0].length) : ''
  const route = repoMatch ? ROUTES.find((r) => r.method === method && r.path.test(rest)) : undefined
  // The injected fault this call takes, once auth and the rate limit let it through to one.
  const taken: { fault?: GitHubFault } = {}
  const reply = (status: number, out: unknown, extra: Record<string, string> = {}) => {
    send(res, status, out, { ...headers, ...extra })
    state.log.record({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      operation: route?.operation,
      body,
      status,
      wallMs: Date.now(),
      fault: taken.fault?.kind,
    })
  }
  const fail = (err: GitHubError, extra: Record<string, string> = {}) => reply(err.status, err.body(route?.docs ?? REST_DOCS), extra)
  // A spent primary rate limit: 403 with x-ratelimit-remaining 0.
  const rateLimited = (message?: string) =>
    fail(new GitHubError(403, message ?? 'API rate limit exceeded for installation ID 4242.', {}, `${REST_DOCS}/overview/rate-limits-for-the-rest-api#about-primary-rate-limits`), {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': headers['x-ratelimit-limit'],
    })

  if (!route || !repoMatch) return fail(new GitHubError(404, 'Not Found', {}, REST_DOCS))
  const auth = req.headers.authorization
  if (!auth) return fail(new GitHubError(401, 'Requires authentication', {}, REST_DOCS))
  const token = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(auth)?.[1]
  if (!token) return fail(new GitHubError(401, 'Bad credentials', {}, REST_DOCS))

  const rate = state.rateLimits.take(token)
  Object.assign(headers, rate.headers, { 'x-accepted-github-permissions': `deployments=${method === 'GET' ? 'read' : 'write'}` })
  if (rate.exceeded) return rateLimited()

  const fault = (taken.fault = state.log.takeFault(route.operation))
  if (fault?.kind === 'latency') await sleep(fault.latencyMs ?? 1000)
  // No answer: the socket stays open until the client gives up or the sandbox stops (http.ts close).
  if (fault?.kind === 'hang')
    return state.log.record({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      operation: route.operation,
      body,
      status: 0,
      wallMs: Date.now(),
      fault: 'hang',
    })
  const requestBody = (body ?? {}) as Record<string, unknown>
  switch (fault?.kind) {
    case 'forbidden':
      return fail(new GitHubError(403, fault.message ?? 'Resource not accessible by integration'))
    // What GitHub answers a token that cannot see the repository (or an Enterprise Server without it).
    case 'not-found':
      return fail(new GitHubError(404, fault.message ?? 'Not Found'))
    case 'server-error': {
      const status = fault.status ?? 500
      return fail(new GitHubError(status, fault.message ?? SERVER_ERRORS[status]))
    }
    case 'secondary-rate-limit':
      return fail(
        new GitHubError(
          fault.status ?? 403,
          fault.message ??
            `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${headers['x-github-request-id']}.`,
          {},
          'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        ),
        { 'retry-after': String(fault.retryAfter ?? 60) },
      )
    case 'rate-limit':
      return rateLimited(fault.message)
    case 'conflict':
      return fail(new GitHubError(409, fault.message ?? `Conflict: Commit status checks failed for ${String(requestBody.ref)}.`))
    case 'auto-merged':
      // GitHub merged the default branch into the ref instead of deploying: 202, and no deployment.
      return reply(202, { message: fault.message ?? `Auto-merged main into ${String(requestBody.ref)} on deployment.` })
  }
  if (badBody) return fail(new GitHubError(400, 'Problems parsing JSON'))

  const owner = decodeURIComponent(repoMatch[1])
  const repo = decodeURIComponent(repoMatch[2])
  const [, id, statusId] = (route.path.exec(rest) ?? []).map(Number)
  try {
    switch (route.operation) {
      case 'createDeployment': {
        const created = state.store.create(owner, repo, requestBody)
        return reply(201, created, { location: String(created.url) })
      }
      case 'createDeploymentStatus': {
        const created = state.store.createStatus(owner, repo, id, requestBody)
        return reply(201, created, { location: String(created.url) })
      }
      case 'getDeployment':
        return reply(200, state.store.get(owner, repo, id))
      case 'getDeploymentStatus':
        return reply(200, state.store.getStatus(owner, repo, id, statusId))
      case 'listDeployments':
      case 'listDeploymentStatuses': {
        const q = (name: string) => url.searchParams.get(name) ?? undefined
        const items =
          route.operation === 'listDeployments'
            ? state.store.list(owner, repo, { environment: q('environment'), sha: q('sha'), ref: q('ref'), task: q('task') })
            : state.store.listStatuses(owner, repo, id)
        const { page, link } = paginate(items, url, state.url())
        return reply(200, page, link ? { link } : {})
      }
    }
  } catch (e) {
    if (e instanceof GitHubError) return fail(e)
    throw e
  }
}
