// Contracts shared by the sandbox's parts: the HTTP front (server.ts), the world that steps simulated
// time, and one module per emulated AWS service. Each service is written against these only.
import type { Traffic } from './traffic.js'

/** An AWS error in the awsJson wire shape: {"__type": code, "message": message}, HTTP status 400 or 500. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra members some exceptions carry (ECS ConflictException.resourceIds, ...). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = code
  }
}

/** Simulated time. Epoch milliseconds; passes `timeScale` times faster than wall time (0 = only when advanced). */
export interface SimClock {
  now(): number
}

export type JsonObject = Record<string, unknown>

/** The emulated AWS services, as the call log, faults and world files name them. */
export type ServiceName = 'ecs' | 'ecr' | 'cloudwatch' | 'logs' | 'codedeploy'

/** One emulated AWS service, reached through `X-Amz-Target: <targetPrefix>.<Operation>`. */
export interface AwsService {
  /** e.g. `AmazonEC2ContainerServiceV20141113`. */
  readonly targetPrefix: string
  /** Operations that change state (for the call log's `mutating` flag). */
  readonly mutatingOperations: ReadonlySet<string>
  /** Handle one request. Throws AwsError; an unknown operation is the server's concern, not the service's. */
  handle(operation: string, input: JsonObject): JsonObject
  /** Has an operation of this name. */
  has(operation: string): boolean
  /** Move this service's state forward to simulated time `simMs` (called in steps of at most 1 s). */
  advanceTo?(simMs: number): void
  /** Drop all state (control API reset). */
  reset?(): void
}

/** What a task's container does when it runs a given image. */
export type Behavior = (
  | { kind: 'healthy'; logLines?: string[] }
  /** The container exits with `exitCode` `afterSeconds` after it starts RUNNING, having written `logLines`. */
  | { kind: 'crash'; exitCode?: number; afterSeconds?: number; logLines?: string[] }
  /** The container runs but fails its health check (container health check, or the target group's). */
  | { kind: 'unhealthy'; logLines?: string[] }
  /** The container takes `seconds` more to start (ACTIVATING → RUNNING). */
  | { kind: 'slow-start'; seconds: number; logLines?: string[] }
  /** The container runs to its end: exits with `exitCode` (default 0) `afterSeconds` (default 5) after it starts
   * RUNNING, having written `logLines` (a one-off task's command: a migration, a smoke test). */
  | { kind: 'exit'; exitCode?: number; afterSeconds?: number; logLines?: string[] }
) & {
  /** The requests its tasks serve behind a load balancer (sandbox/traffic.ts); a quiet default without it. */
  traffic?: Traffic
}

/** ECR as seen by ECS: can an image reference be pulled, and what digest is it. */
export interface ImageCatalog {
  /** True when the image's registry host is the sandbox's own ECR host (so it must exist there to be pulled). */
  isSandboxEcr(image: string): boolean
  /** For a sandbox-ECR image: its digest when it exists, undefined when a pull would fail. Others: a stable fake digest. */
  resolve(image: string): string | undefined
}

/** Per-image behaviours, keyed by `repo:tag`, `repo@digest`, a full image reference or a digest, optionally qualified
 * with a container name (`worker=web:v2`: only in containers named `worker`). Default healthy. */
export interface BehaviorBook {
  behaviorFor(image: string, digest: string | undefined, container?: string, command?: string[]): Behavior
  set(imageKey: string, behavior: Behavior): void
}

export interface AlarmView {
  name: string
  arn: string
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'
  stateReason: string
  /** Simulated epoch ms of the last state change. */
  stateUpdatedAt: number
  periodSeconds: number
  evaluationPeriods: number
}

/** CloudWatch as seen by ECS deployment alarms. */
export interface AlarmBook {
  get(name: string): AlarmView | undefined
}

/** CloudWatch Logs as seen by the awslogs driver. */
export interface LogSink {
  groupExists(group: string): boolean
  /** Creates the stream when missing; creates the group too when `createGroup`. */
  put(group: string, stream: string, events: { timestamp: number; message: string }[], createGroup?: boolean): void
}

/** Where the sandbox is: every ARN and host is built from these. */
export interface Account {
  region: string
  accountId: string
}

/** Where "sandbox ECR" lives and how to log in to it. A loopback registryHost is a real registry to mirror (registry-mirror.ts). */
export interface EcrSettings {
  /** Registry host (with port) whose images must exist in the sandbox ECR. Default `<account>.dkr.ecr.<region>.amazonaws.com`. */
  registryHost?: string
  /** GetAuthorizationToken's proxyEndpoint. Default `https://<registryHost>`. */
  proxyEndpoint?: string
  /** Docker login user. Default `AWS`. */
  username?: string
  /** Docker login password. Default `sandbox`. */
  password?: string
}

/** A state change worth telling tests and the benchmark about, stamped with both clocks. */
export interface Transition {
  /** e.g. `deployment`, `service-deployment`, `alarm`. */
  kind: string
  /** The resource it concerns (deployment id, service-deployment ARN, alarm name...). */
  id: string
  /** The new state (`COMPLETED`, `FAILED`, `ROLLBACK_SUCCESSFUL`, `ALARM`...). */
  state: string
  simMs: number
  wallMs: number
  detail?: JsonObject
}

export interface TransitionLog {
  record(t: Omit<Transition, 'simMs' | 'wallMs'>): void
}

/** What a lifecycle hook does when it runs: an ECS lifecycle hook's Lambda (or PAUSE hook) or a CodeDeploy hook Lambda. */
export interface HookRule {
  /** `succeed` / `fail` after `afterSeconds`; `in-progress` never finishes on its own (a PAUSE hook waiting for
   * approval, or a Lambda that keeps answering IN_PROGRESS) until the control API or ContinueServiceDeployment ends it. */
  outcome: 'succeed' | 'fail' | 'in-progress'
  /** Simulated seconds the hook takes (default 2). */
  afterSeconds?: number
  /** Why it failed, as the hook would report it. */
  message?: string
}

/** Hook rules keyed by hook target: a Lambda function name or ARN, or `PAUSE` for every PAUSE hook. Default: succeed. */
export interface HookBook {
  ruleFor(target: string): HookRule
  /** Whether `target` has a rule of its own (a PAUSE hook without one waits for approval). */
  has(target: string): boolean
  set(target: string, rule: HookRule): void
}
