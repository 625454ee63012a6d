// The Deployments REST API's state and rules: deployments, their statuses, GitHub's validation and auto-inactive.
import { createHash } from 'node:crypto'
import { GitHubError, invalidRequest, validationFailed } from './errors.js'

const DEPLOYMENT_STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'] as const
type DeploymentState = (typeof DEPLOYMENT_STATES)[number]

/** The maximum length of a status description; GitHub answers 422 beyond it. */
const MAX_STATUS_DESCRIPTION = 140

/** Who the emulator says made every deployment and status: what a workflow's GITHUB_TOKEN is. */
const CREATOR = {
  login: 'github-actions[bot]',
  id: 41898282,
  node_id: 'MDM6Qm90NDE4OTgyODI=',
  avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
  gravatar_id: '',
  url: 'https://api.github.com/users/github-actions%5Bbot%5D',
  html_url: 'https://github.com/apps/github-actions',
  type: 'Bot',
  site_admin: false,
}

interface StatusRecord {
  id: number
  state: DeploymentState
  description: string
  environment: string
  logUrl: string
  environmentUrl: string
  createdAt: number
}

interface DeploymentRecord {
  id: number
  owner: string
  repo: string
  sha: string
  ref: string
  task: string
  payload: unknown
  originalEnvironment: string
  environment: string
  description: string | null
  productionEnvironment: boolean
  transientEnvironment: boolean
  createdAt: number
  updatedAt: number
  /** Oldest first. */
  statuses: StatusRecord[]
}

interface DeploymentFilter {
  environment?: string
  sha?: string
  ref?: string
  task?: string
}

type Json = Record<string, unknown>

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const nodeId = (kind: string, id: number) => Buffer.from(kind + id).toString('base64')

/**
 * Deployments of every repository, numbered across repositories as on github.com. Ids start high, as real ones are,
 * so code that squeezes them into 32 bits fails here rather than in production.
 */
export class DeploymentStore {
  private deployments: DeploymentRecord[] = []
  private nextDeploymentId = 3_000_000_001
  private nextStatusId = 30_000_000_001

  constructor(
    /** Epoch ms for created_at / updated_at. */
    private readonly now: () => number,
    /** The emulator's own URL, which the `url` fields point at. */
    private readonly baseUrl: () => string,
  ) {}

  create(owner: string, repo: string, body: Json): Json {
    const ref = requiredString(body, 'ref')
    const task = optional(body, 'task', 'string') ?? 'deploy'
    // Checked, then without effect: there is no default branch to merge and there are no commit statuses to check.
    optional(body, 'auto_merge', 'boolean')
    checkStringArray(body, 'required_contexts')
    const payload = body.payload ?? {}
    if (typeof payload !== 'string' && (typeof payload !== 'object' || payload === null || Array.isArray(payload))) {
      throw invalidRequest(`For 'properties/payload', ${inspect(payload)} is not an object or string.`)
    }
    const environment = optional(body, 'environment', 'string') ?? 'production'
    const description = body.description === null ? null : (optional(body, 'description', 'string') ?? '')
    const transient = optional(body, 'transient_environment', 'boolean') ?? false
    const production = optional(body, 'production_environment', 'boolean') ?? environment === 'production'
    if (ref.trim() === '') throw new GitHubError(422, `No ref found for: ${ref}`)
    const now = this.now()
    const record: DeploymentRecord = {
      id: this.nextDeploymentId++,
      owner,
      repo,
      // Any ref exists here: a full commit SHA is its own sha, any other ref gets a stable made-up one.
      sha: /^[0-9a-f]{40}$/.test(ref) ? ref : createHash('sha1').update(`${owner}/${repo}@${ref}`).digest('hex'),
      ref,
      task,
      payload,
      originalEnvironment: environment,
      environment,
      description,
      productionEnvironment: production,
      transientEnvironment: transient,
      createdAt: now,
      updatedAt: now,
      statuses: [],
    }
    this.deployments.push(record)
    return this.view(record)
  }

  /** Newest first, as GitHub lists them. */
  list(owner: string, repo: string, filter: DeploymentFilter): Json[] {
    return this.deployments
      .filter(
        (d) =>
          d.owner === owner &&
          d.repo === repo &&
          (filter.environment === undefined || d.environment === filter.environment) &&
          (filter.sha === undefined || d.sha === filter.sha) &&
          (filter.ref === undefined || d.ref === filter.ref) &&
          (filter.task === undefined || d.task === filter.task),
      )
      .reverse()
      .map((d) => this.view(d))
  }

  get(owner: string, repo: string, id: number): Json {
    return this.view(this.find(owner, repo, id))
  }

  createStatus(owner: string, repo: string, id: number, body: Json): Json {
    const deployment = this.find(owner, repo, id)
    const state = body.state
    if (state === undefined) throw invalidRequest(`"state" wasn't supplied.`)
    if (typeof state !== 'string') throw invalidRequest(`For 'properties/state', ${inspect(state)} is not a string.`)
    if (!(DEPLOYMENT_STATES as readonly string[]).includes(state)) {
      throw invalidRequest(`For 'properties/state', ${state} is not a member of [${DEPLOYMENT_STATES.map((s) => `"${s}"`).join(', ')}].`)
    }
    const targetUrl = optional(body, 'target_url', 'string')
    // log_url replaces target_url and sets it too.
    const logUrl = optional(body, 'log_url', 'string') ?? targetUrl ?? ''
    const description = optional(body, 'description', 'string') ?? ''
    const environment = optional(body, 'environment', 'string')
    const environmentUrl = optional(body, 'environment_url', 'string') ?? ''
    const autoInactive = optional(body, 'auto_inactive', 'boolean') ?? true
    if (description.length > MAX_STATUS_DESCRIPTION) {
      throw validationFailed('DeploymentStatus', 'description', `description is too long (maximum is ${MAX_STATUS_DESCRIPTION} characters)`)
    }
    // A status may move its deployment to another environment; original_environment keeps the first.
    if (environment !== undefined && environment !== '') deployment.environment = environment
    const status = this.addStatus(deployment, state as DeploymentState, { description, logUrl, environmentUrl })
    if (state === 'success' && autoInactive) this.inactivatePrior(deployment)
    return this.statusView(deployment, status)
  }

  /** Newest first. */
  listStatuses(owner: string, repo: string, id: number): Json[] {
    const deployment = this.find(owner, repo, id)
    return [...deployment.statuses].reverse().map((s) => this.statusView(deployment, s))
  }

  getStatus(owner: string, repo: string, id: number, statusId: number): Json {
    const deployment = this.find(owner, repo, id)
    const status = deployment.statuses.find((s) => s.id === statusId)
    if (!status) throw new GitHubError(404, 'Not Found')
    return this.statusView(deployment, status)
  }

  /** Every deployment with its statuses (oldest first), for the control API. */
  all(filter: { owner?: string; repo?: string; environment?: string } = {}): Json[] {
    return this.deployments
      .filter(
        (d) =>
          (filter.owner === undefined || d.owner === filter.owner) &&
          (filter.repo === undefined || d.repo === filter.repo) &&
          (filter.environment === undefined || d.environment === filter.environment),
      )
      .map((d) => ({ ...this.view(d), statuses: d.statuses.map((s) => this.statusView(d, s)) }))
  }

  clear(): void {
    this.deployments = []
  }

  private find(owner: string, repo: string, id: number): DeploymentRecord {
    const found = this.deployments.find((d) => d.id === id && d.owner === owner && d.repo === repo)
    if (!found) throw new GitHubError(404, 'Not Found')
    return found
  }

  private addStatus(deployment: DeploymentRecord, state: DeploymentState, fields: Pick<StatusRecord, 'description' | 'logUrl' | 'environmentUrl'>): StatusRecord {
    const now = this.now()
    const status: StatusRecord = { id: this.nextStatusId++, state, environment: deployment.environment, createdAt: now, ...fields }
    deployment.statuses.push(status)
    deployment.updatedAt = now
    return status
  }

  /**
   * auto_inactive: every earlier non-transient deployment of the same repository and environment whose latest
   * status is success gets an inactive status. GitHub's docs also exclude production environments, but only for
   * clients without the flash preview, which has since become the default: production deployments are included.
   */
  private inactivatePrior(current: DeploymentRecord): void {
    for (const d of this.deployments) {
      if (d.id >= current.id || d.owner !== current.owner || d.repo !== current.repo) continue
      if (d.environment !== current.environment || d.transientEnvironment) continue
      if (d.statuses.at(-1)?.state !== 'success') continue
      this.addStatus(d, 'inactive', { description: '', logUrl: '', environmentUrl: '' })
    }
  }

  private repoUrl(d: DeploymentRecord): string {
    return `${this.baseUrl()}/repos/${d.owner}/${d.repo}`
  }

  private view(d: DeploymentRecord): Json {
    const url = `${this.repoUrl(d)}/deployments/${d.id}`
    return {
      url,
      id: d.id,
      node_id: nodeId('010:Deployment', d.id),
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload,
      original_environment: d.originalEnvironment,
      environment: d.environment,
      description: d.description,
      creator: CREATOR,
      created_at: iso(d.createdAt),
      updated_at: iso(d.updatedAt),
      statuses_url: `${url}/statuses`,
      repository_url: this.repoUrl(d),
      transient_environment: d.transientEnvironment,
      production_environment: d.productionEnvironment,
      performed_via_github_app: null,
    }
  }

  private statusView(d: DeploymentRecord, s: StatusRecord): Json {
    const deploymentUrl = `${this.repoUrl(d)}/deployments/${d.id}`
    return {
      url: `${deploymentUrl}/statuses/${s.id}`,
      id: s.id,
      node_id: nodeId('016:DeploymentStatus', s.id),
      state: s.state,
      creator: CREATOR,
      description: s.description,
      environment: s.environment,
      target_url: s.logUrl,
      created_at: iso(s.createdAt),
      updated_at: iso(s.createdAt),
      deployment_url: deploymentUrl,
      repository_url: this.repoUrl(d),
      environment_url: s.environmentUrl,
      log_url: s.logUrl,
      performed_via_github_app: null,
    }
  }
}

/** A value as GitHub's schema errors print it (Ruby's inspect): nil, "text", 5, [1, 2], {"a" => 1}. */
function inspect(value: unknown): string {
  if (value === null || value === undefined) return 'nil'
  if (Array.isArray(value)) return `[${value.map(inspect).join(', ')}]`
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)} => ${inspect(v)}`)
      .join(', ')}}`
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

const ARTICLE: Record<string, string> = { string: 'a string', boolean: 'a boolean' }

function optional<T extends 'string' | 'boolean'>(body: Json, name: string, type: T): (T extends 'string' ? string : boolean) | undefined {
  const value = body[name]
  if (value === undefined) return undefined
  if (typeof value !== type) throw invalidRequest(`For 'properties/${name}', ${inspect(value)} is not ${ARTICLE[type]}.`)
  return value as T extends 'string' ? string : boolean
}

function requiredString(body: Json, name: string): string {
  if (body[name] === undefined) throw invalidRequest(`"${name}" wasn't supplied.`)
  return optional(body, name, 'string') as string
}

function checkStringArray(body: Json, name: string): void {
  const value = body[name]
  if (value === undefined) return
  if (!Array.isArray(value)) throw invalidRequest(`For 'properties/${name}', ${inspect(value)} is not an array.`)
  const bad = value.find((v) => typeof v !== 'string')
  if (bad !== undefined) throw invalidRequest(`For 'items', ${inspect(bad)} is not a string.`)
}
