// The GitHub emulator's control side: injected faults, the call log, and the /_sandbox/ routes over them.
import type { DeploymentStore } from './deployments.js'

const GITHUB_OPERATIONS = ['createDeployment', 'listDeployments', 'getDeployment', 'createDeploymentStatus', 'listDeploymentStatuses', 'getDeploymentStatus'] as const
/** Operations by Octokit's method names (`octokit.rest.repos.createDeployment`). */
export type GitHubOperation = (typeof GITHUB_OPERATIONS)[number]

const GITHUB_FAULT_KINDS = ['forbidden', 'server-error', 'secondary-rate-limit', 'rate-limit', 'conflict', 'auto-merged', 'latency', 'not-found', 'hang'] as const
export type GitHubFaultKind = (typeof GITHUB_FAULT_KINDS)[number]

export interface GitHubFaultSpec {
  /** Only this operation's calls; omitted = every operation (`conflict` and `auto-merged`: createDeployment). */
  operation?: GitHubOperation
  kind: GitHubFaultKind
  /** How many matching calls it affects (default 1). */
  count?: number
  /** `server-error`: 500, 502, 503 or 504 (default 500). `secondary-rate-limit`: 403 or 429 (default 403). */
  status?: number
  /** `secondary-rate-limit`: the retry-after header, in seconds (default 60). */
  retryAfter?: number
  /** `latency`: wall-clock delay before the normal answer (default 1000). */
  latencyMs?: number
  /** Replaces the default message of an error kind. */
  message?: string
}

export interface GitHubFault extends GitHubFaultSpec {
  id: number
  /** Calls it still affects. */
  count: number
}

/** One request to the emulated API (control routes are not logged). */
export interface GitHubCallRecord {
  seq: number
  method: string
  path: string
  query: Record<string, string>
  /** Undefined for a route the emulator does not serve. */
  operation?: GitHubOperation
  /** The parsed JSON body, if there was one. */
  body?: unknown
  status: number
  wallMs: number
  /** The injected fault that shaped this call, if any. */
  fault?: GitHubFaultKind
}

export interface GitHubCallFilter {
  operation?: GitHubOperation
  method?: string
  /** Only calls with seq greater than this. */
  since?: number
  /** Only failed (status >= 400, true) or successful (false) calls. */
  failed?: boolean
}

const ONLY_CREATE_DEPLOYMENT: readonly GitHubFaultKind[] = ['conflict', 'auto-merged']
const STATUSES: Partial<Record<GitHubFaultKind, readonly number[]>> = { 'server-error': [500, 502, 503, 504], 'secondary-rate-limit': [403, 429] }

function checkFault(spec: GitHubFaultSpec): GitHubFaultSpec {
  if (!GITHUB_FAULT_KINDS.includes(spec.kind)) throw new Error(`kind must be one of ${GITHUB_FAULT_KINDS.join(', ')}`)
  if (spec.operation !== undefined && !GITHUB_OPERATIONS.includes(spec.operation)) throw new Error(`operation must be one of ${GITHUB_OPERATIONS.join(', ')}`)
  if (ONLY_CREATE_DEPLOYMENT.includes(spec.kind)) {
    if ((spec.operation ?? 'createDeployment') !== 'createDeployment') throw new Error(`${spec.kind} is an answer of createDeployment only`)
    spec = { ...spec, operation: 'createDeployment' }
  }
  const allowed = STATUSES[spec.kind]
  if (spec.status !== undefined && !allowed?.includes(spec.status)) {
    throw new Error(allowed ? `status for ${spec.kind} must be one of ${allowed.join(', ')}` : `${spec.kind} takes no status`)
  }
  for (const key of ['count', 'retryAfter', 'latencyMs'] as const) {
    const v = spec[key]
    if (v !== undefined && (!Number.isInteger(v) || v < (key === 'count' ? 1 : 0))) throw new Error(`${key} must be a whole number${key === 'count' ? ' >= 1' : ' >= 0'}`)
  }
  if (spec.message !== undefined && typeof spec.message !== 'string') throw new Error('message must be a string')
  return spec
}

/** Shared by the HTTP front and the control handle. */
export class GitHubLog {
  private calls: GitHubCallRecord[] = []
  private pending: GitHubFault[] = []
  private seq = 0
  private faultId = 0

  addFault(spec: GitHubFaultSpec): GitHubFault {
    const fault = { ...checkFault(spec), id: ++this.faultId, count: spec.count ?? 1 }
    this.pending.push(fault)
    return { ...fault }
  }

  faults(): GitHubFault[] {
    return this.pending.map((f) => ({ ...f }))
  }

  /** The first pending fault for this operation, used up by one. */
  takeFault(operation: GitHubOperation): GitHubFault | undefined {
    const fault = this.pending.find((f) => f.operation === undefined || f.operation === operation)
    if (!fault) return undefined
    if (--fault.count === 0) this.pending = this.pending.filter((f) => f !== fault)
    return fault
  }

  record(call: Omit<GitHubCallRecord, 'seq'>): void {
    this.calls.push({ seq: ++this.seq, ...call })
  }

  list(filter: GitHubCallFilter): GitHubCallRecord[] {
    return this.calls.filter(
      (c) =>
        (filter.operation === undefined || c.operation === filter.operation) &&
        (filter.method === undefined || c.method === filter.method.toUpperCase()) &&
        (filter.since === undefined || c.seq > filter.since) &&
        (filter.failed === undefined || c.status >= 400 === filter.failed),
    )
  }

  clearFaults(): void {
    this.pending = []
  }

  clear(): void {
    this.calls = []
    this.clearFaults()
  }
}

/** Test-side handle on the GitHub emulator; `/_sandbox/` on its port offers the same over HTTP. */
export class GitHubControl {
  constructor(
    private readonly log: GitHubLog,
    private readonly store: DeploymentStore,
    private readonly resetRateLimits: () => void,
  ) {}

  /** Make the next `count` matching calls fail or slow down. */
  fault(spec: GitHubFaultSpec): GitHubFault {
    return this.log.addFault(spec)
  }

  faults(): GitHubFault[] {
    return this.log.faults()
  }

  clearFaults(): void {
    this.log.clearFaults()
  }

  calls(filter: GitHubCallFilter = {}): GitHubCallRecord[] {
    return this.log.list(filter)
  }

  /** Every deployment as the API shows it, oldest first, each with `statuses` (oldest first). */
  deployments(filter: { owner?: string; repo?: string; environment?: string } = {}): Record<string, unknown>[] {
    return this.store.all(filter)
  }

  /** Forget the call log, the faults, every deployment and the rate-limit counts. */
  reset(): void {
    this.log.clear()
    this.store.clear()
    this.resetRateLimits()
  }
}

/** The control routes; undefined for a path that is not one. Throws Error for a bad request. */
export function routeControl(control: GitHubControl, method: string, path: string, query: URLSearchParams, body: Record<string, unknown>): unknown {
  const q = (name: string) => query.get(name) ?? undefined
  switch (`${method} ${path.replace(/\/+$/, '')}`) {
    case 'GET /_sandbox/health':
      return { ok: true }
    case 'GET /_sandbox/calls': {
      const failed = q('failed')
      if (failed !== undefined && failed !== 'true' && failed !== 'false') throw new Error('failed must be true or false')
      const since = q('since')
      if (since !== undefined && !/^\d+$/.test(since)) throw new Error('since must be a whole number')
      return control.calls({
        operation: q('operation') as GitHubOperation | undefined,
        method: q('method'),
        since: since === undefined ? undefined : Number(since),
        failed: failed === undefined ? undefined : failed === 'true',
      })
    }
    case 'GET /_sandbox/faults':
      return control.faults()
    case 'POST /_sandbox/faults':
      return control.fault(body as unknown as GitHubFaultSpec)
    case 'DELETE /_sandbox/faults':
      control.clearFaults()
      return control.faults()
    case 'GET /_sandbox/deployments':
      return control.deployments({ owner: q('owner'), repo: q('repo'), environment: q('environment') })
    case 'POST /_sandbox/reset':
      control.reset()
      return { ok: true }
  }
  return undefined
}
