import { Hooks } from './hooks.js'
import { Behaviors } from './behaviors.js'
import { Clock } from './clock.js'
import { CloudWatch } from './cloudwatch.js'
import { LoadBalancerMetrics } from './elb-metrics.js'
import { Ecr } from './ecr.js'
import { createCodeDeployService, type CodeDeployService } from './codedeploy/index.js'
import { createEcsService, type EcsService } from './ecs/index.js'
import { FaultBook, type FaultKind } from './faults.js'
import { Logs } from './logs.js'
import { RegistryMirror, registryAccess } from './registry-mirror.js'
import type { Account, AwsService, EcrSettings, JsonObject, ServiceName, SimClock, Transition, TransitionLog } from './types.js'

export const TARGET_PREFIXES: Record<ServiceName, string> = {
  ecs: 'AmazonEC2ContainerServiceV20141113',
  ecr: 'AmazonEC2ContainerRegistry_V20150921',
  cloudwatch: 'GraniteServiceVersion20100801',
  logs: 'Logs_20140328',
  codedeploy: 'CodeDeploy_20141006',
}

/** One API request as the sandbox saw it. */
export interface CallRecord {
  seq: number
  service: ServiceName
  operation: string
  params: JsonObject
  /** Simulated epoch ms when the request arrived. */
  simMs: number
  wallMs: number
  /** HTTP status sent (0 when nothing was: `drop`, `lost-answer`, `hang`). */
  status: number
  errorCode?: string
  mutating: boolean
  /** The injected fault that shaped this call, if any, and its id. */
  fault?: FaultKind
  faultId?: number
  /** For `lost-answer`: what the call did, though its answer never left. */
  applied?: { status: number; errorCode?: string }
}

export interface CallFilter {
  service?: ServiceName
  operation?: string
  mutating?: boolean
  /** Only calls with seq greater than this. */
  since?: number
  /** Only failed (true) or successful (false) calls. */
  failed?: boolean
}

export interface TransitionFilter {
  kind?: string
  id?: string
  state?: string
}

export interface WorldOptions {
  timeScale: number
  account: Account
  ecr?: EcrSettings
}

/** The services of one world, built together so each sees the others through the contracts in types.ts. */
class ServiceSet {
  readonly ecr: Ecr
  readonly cloudwatch: CloudWatch
  readonly logs: Logs
  readonly behaviors: Behaviors
  readonly hooks = new Hooks()
  readonly ecs: EcsService
  readonly codedeploy: CodeDeployService
  /** Stepping order: cloudwatch → ecr → ecs → codedeploy → logs. */
  readonly ordered: AwsService[]

  constructor(clock: SimClock, account: Account, transitions: TransitionLog, ecr: EcrSettings | undefined) {
    this.ecr = new Ecr(clock, account, ecr)
    this.cloudwatch = new CloudWatch(clock, account, transitions)
    this.logs = new Logs(clock, account)
    this.behaviors = new Behaviors((image, digest) => this.ecr.tagsOf(image, digest))
    this.ecs = createEcsService({ clock, account, images: this.ecr, behaviors: this.behaviors, hooks: this.hooks, alarms: this.cloudwatch, logs: this.logs, transitions })
    this.codedeploy = createCodeDeployService({ clock, account, ecs: this.ecs.taskSets, alarms: this.cloudwatch, hooks: this.hooks, transitions })
    this.cloudwatch.loadBalancers = new LoadBalancerMetrics(() => this.ecs.targetGroupShares((cluster, service) => this.codedeploy.trafficRoute(cluster, service)))
    this.ordered = [this.cloudwatch, this.ecr, this.ecs, this.codedeploy, this.logs]
  }

  byName(name: ServiceName): AwsService {
    return { ecs: this.ecs, ecr: this.ecr, cloudwatch: this.cloudwatch, logs: this.logs, codedeploy: this.codedeploy }[name]
  }
}

/** Holds the clock, the services, the call log, the faults and the transitions, and steps simulated time. */
export class World {
  readonly clock: Clock
  readonly account: Account
  /** What services see as "now": the time the world has stepped to, so work done at a step is stamped with it. */
  readonly simClock: SimClock = { now: () => this.currentMs }
  services: ServiceSet
  /** The real registry sandbox ECR mirrors, when the ECR settings name a loopback one. */
  readonly registry?: RegistryMirror
  private currentMs: number
  private stepping = false
  private calls: CallRecord[] = []
  private seq = 0
  /** Injected faults; calls and transitions count them down and arm them. */
  readonly faults = new FaultBook(Object.keys(TARGET_PREFIXES) as ServiceName[])
  private transitionList: Transition[] = []
  private readonly transitionLog: TransitionLog = {
    record: (t) => {
      this.transitionList.push({ ...t, simMs: this.currentMs, wallMs: Date.now() })
      this.faults.observe(t)
    },
  }

  constructor(private readonly options: WorldOptions) {
    this.clock = new Clock(options.timeScale)
    this.account = options.account
    this.currentMs = this.clock.now()
    const access = registryAccess(options.ecr)
    if (access) this.registry = new RegistryMirror(access, (snapshot) => this.services.ecr.applyRegistry(snapshot))
    this.services = this.buildServices()
  }

  private buildServices() {
    const services = new ServiceSet(this.simClock, this.account, this.transitionLog, this.options.ecr)
    if (this.registry) services.ecr.applyRegistry(this.registry.snapshot)
    return services
  }

  /** Fresh, empty services (for reloading the world); the clock keeps running. */
  replaceServices(): void {
    this.services = this.buildServices()
  }

  serviceFor(targetPrefix: string): { name: ServiceName; service: AwsService } | undefined {
    const name = (Object.keys(TARGET_PREFIXES) as ServiceName[]).find((n) => TARGET_PREFIXES[n] === targetPrefix)
    return name && { name, service: this.services.byName(name) }
  }

  /** The simulated time the world has reached. */
  now(): number {
    return this.currentMs
  }

  /** Step every service from the last time to `simMs` in steps of at most 1 s. */
  advanceTo(simMs: number): void {
    // A service may read other services while stepping; it must not start a nested walk.
    if (this.stepping) return
    this.stepping = true
    try {
      while (this.currentMs < simMs) {
        const step = Math.min(simMs, this.currentMs + 1000)
        this.currentMs = step
        for (const s of this.services.ordered) s.advanceTo?.(step)
      }
    } finally {
      this.stepping = false
    }
  }

  /** Catch up with the clock. */
  sync(): void {
    this.advanceTo(this.clock.now())
  }

  /** Move the clock forward and step the world to it. */
  advance(seconds: number): number {
    this.advanceTo(this.clock.advance(seconds))
    return this.currentMs
  }

  recordCall(call: Omit<CallRecord, 'seq'>): CallRecord {
    const record = { seq: ++this.seq, ...call }
    this.calls.push(record)
    if (call.status === 200) this.faults.succeeded(call.service, call.operation)
    return record
  }

  listCalls(filter: CallFilter = {}): CallRecord[] {
    return this.calls.filter(
      (c) =>
        (filter.service === undefined || c.service === filter.service) &&
        (filter.operation === undefined || c.operation === filter.operation) &&
        (filter.mutating === undefined || c.mutating === filter.mutating) &&
        (filter.since === undefined || c.seq > filter.since) &&
        (filter.failed === undefined || (c.status >= 400 || c.status === 0) === filter.failed),
    )
  }

  listTransitions(filter: TransitionFilter = {}): Transition[] {
    return this.transitionList.filter(
      (t) => (filter.kind === undefined || t.kind === filter.kind) && (filter.id === undefined || t.id === filter.id) && (filter.state === undefined || t.state === filter.state),
    )
  }

  /** Forget calls, faults and transitions. */
  clearLogs(): void {
    this.calls = []
    this.faults.clear()
    this.transitionList = []
  }
}
