// Injected faults: which calls a fault takes (service, operation), when it starts (`when` a phase of the world is
// reached, then `after` N successful calls) and how many calls it takes (`count`). What each kind does to a call is
// the server's part (server.ts); the errors some kinds answer with are here.
import { AwsError, type ServiceName, type Transition } from './types.js'

export type FaultKind = 'throttling' | 'too-many-concurrent' | 'server-error' | 'unavailable' | 'error' | 'latency' | 'drop' | 'lost-answer' | 'hang'
const FAULT_KINDS: readonly FaultKind[] = ['throttling', 'too-many-concurrent', 'server-error', 'unavailable', 'error', 'latency', 'drop', 'lost-answer', 'hang']

/** Moments of the world a fault can wait for (`when`), read from the transitions the services record. */
export type FaultPhase = 'deployment-started' | 'deployment-completed' | 'rollback-started' | 'rollback-completed'
const FAULT_PHASES: readonly FaultPhase[] = ['deployment-started', 'deployment-completed', 'rollback-started', 'rollback-completed']

export interface FaultSpec {
  /** Operation name (`UpdateService`); omitted = every operation. */
  operation?: string
  /** Only this service's calls; omitted = any service. */
  service?: ServiceName
  kind: FaultKind
  /** How many matching calls it affects once started (default 1); `forever` = every one until cleared. */
  count?: number | 'forever'
  /** Let this many matching calls succeed (HTTP 200) first, counted once the fault is armed (default 0). */
  after?: number
  /** Armed only when the world next reaches this phase; omitted = armed at once. */
  when?: FaultPhase
  /** For `latency`: added wall-clock delay (default 1000). */
  latencyMs?: number
  /** For `error`: the AWS error code the call gets (`AccessDeniedException`). */
  code?: string
  /** For `error`: its HTTP status (default 400). */
  status?: number
  /** For `error`: its message (default `<code> (injected by the sandbox)`). */
  message?: string
}

/** A pending fault; `count` and `after` count down as calls go by. */
export interface Fault {
  id: number
  kind: FaultKind
  operation?: string
  service?: ServiceName
  count: number | 'forever'
  after: number
  when?: FaultPhase
  /** False while it waits for `when`. */
  armed: boolean
  latencyMs?: number
  code?: string
  status?: number
  message?: string
}

/** Errors the fixed kinds answer with. */
const KIND_ERRORS: Partial<Record<FaultKind, AwsError>> = {
  throttling: new AwsError('ThrottlingException', 'Rate exceeded', 400),
  // ECS's answer when registrations of one family race (PrefectHQ/prefect #21351); not applied.
  'too-many-concurrent': new AwsError('ClientException', 'Too many concurrent attempts to create a new revision of the specified family.', 400),
  'server-error': new AwsError('ServerException', 'Internal server error (injected by the sandbox)', 500),
  unavailable: new AwsError('ServiceUnavailableException', 'Service unavailable (injected by the sandbox)', 503),
}

/** The error a fault answers with, for the kinds that answer with one. */
export function faultError(fault: Fault): AwsError | undefined {
  if (fault.kind !== 'error') return KIND_ERRORS[fault.kind]
  return new AwsError(fault.code as string, fault.message as string, fault.status)
}

// The code goes into the x-amzn-errortype header and the error's `__type`: an identifier, as AWS codes are.
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.]*$/

export class FaultBook {
  private faults: Fault[] = []
  private seq = 0
  /** CodeDeploy rollback deployments seen, so their Succeeded is `rollback-completed`. */
  private readonly codeDeployRollbacks = new Set<string>()

  constructor(private readonly services: readonly ServiceName[]) {}

  /** Checks a spec (world files and the control API hand us untyped JSON) and adds it. */
  add(spec: FaultSpec): Fault {
    const s = spec as unknown as Record<string, unknown>
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`fault kind must be one of ${FAULT_KINDS.join(', ')}; got ${String(spec.kind)}`)
    if (s.service !== undefined && !this.services.includes(spec.service as ServiceName)) throw new Error(`fault service must be one of ${this.services.join(', ')}`)
    if (s.operation !== undefined && (typeof s.operation !== 'string' || s.operation === '')) throw new Error('fault operation must be a non-empty string')
    const count = spec.count ?? 1
    if (count !== 'forever' && (!Number.isInteger(count) || count < 1)) throw new Error("fault count must be an integer >= 1 or 'forever'")
    const after = spec.after ?? 0
    if (!Number.isInteger(after) || after < 0) throw new Error('fault after must be an integer >= 0')
    if (spec.when !== undefined && !FAULT_PHASES.includes(spec.when)) throw new Error(`fault when must be one of ${FAULT_PHASES.join(', ')}; got ${String(spec.when)}`)
    const fault: Fault = { id: ++this.seq, kind: spec.kind, count, after, armed: spec.when === undefined, operation: spec.operation, service: spec.service }
    if (spec.when !== undefined) fault.when = spec.when
    if (spec.kind === 'latency') {
      fault.latencyMs = spec.latencyMs ?? 1000
      if (!Number.isFinite(fault.latencyMs) || fault.latencyMs < 0) throw new Error('fault latencyMs must be a number >= 0')
    }
    if (spec.kind === 'error') {
      if (typeof spec.code !== 'string' || !ERROR_CODE.test(spec.code)) throw new Error('an error fault needs code, an AWS error code such as AccessDeniedException')
      fault.code = spec.code
      fault.status = spec.status ?? 400
      if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) throw new Error('fault status must be an HTTP error status, 400 to 599')
      fault.message = spec.message ?? `${spec.code} (injected by the sandbox)`
      if (typeof fault.message !== 'string') throw new Error('fault message must be a string')
    } else if (s.code !== undefined || s.status !== undefined || s.message !== undefined) {
      throw new Error('code, status and message are for faults of kind error')
    }
    this.faults.push(fault)
    return { ...fault }
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }))
  }

  clear(): void {
    this.faults = []
  }

  /** The first started fault matching a call, used up by one. */
  take(service: ServiceName, operation: string): Fault | undefined {
    const f = this.faults.find((x) => x.armed && x.after === 0 && matches(x, service, operation))
    if (!f) return undefined
    if (f.count !== 'forever') {
      f.count--
      if (f.count === 0) this.faults = this.faults.filter((x) => x !== f)
    }
    return { ...f }
  }

  /** A call was answered HTTP 200: armed faults waiting `after` calls like it have one less to wait. */
  succeeded(service: ServiceName, operation: string): void {
    for (const f of this.faults) if (f.armed && f.after > 0 && matches(f, service, operation)) f.after--
  }

  /** Arms the faults waiting for the phase this transition is, if any. */
  observe(t: Omit<Transition, 'simMs' | 'wallMs'>): void {
    const phase = this.phaseOf(t)
    if (phase) for (const f of this.faults) if (f.when === phase) f.armed = true
  }

  private phaseOf(t: Omit<Transition, 'simMs' | 'wallMs'>): FaultPhase | undefined {
    // ECS: one service deployment per CreateService/UpdateService; its rollback and completion are its statuses.
    if (t.kind === 'service-deployment') {
      const phases: Record<string, FaultPhase> = {
        PENDING: 'deployment-started',
        SUCCESSFUL: 'deployment-completed',
        ROLLBACK_IN_PROGRESS: 'rollback-started',
        ROLLBACK_SUCCESSFUL: 'rollback-completed',
      }
      return phases[t.state]
    }
    // CodeDeploy: a rollback is a deployment of its own, created with the id of the one it rolls back.
    if (t.kind === 'codedeploy') {
      if (t.state === 'Created') {
        if (t.detail?.rollbackTriggeringDeploymentId === undefined) return 'deployment-started'
        this.codeDeployRollbacks.add(t.id)
        return 'rollback-started'
      }
      if (t.state === 'Succeeded') return this.codeDeployRollbacks.has(t.id) ? 'rollback-completed' : 'deployment-completed'
    }
    return undefined
  }
}

function matches(f: Fault, service: ServiceName, operation: string): boolean {
  return (f.service === undefined || f.service === service) && (f.operation === undefined || f.operation === operation)
}
