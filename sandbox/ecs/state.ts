// The ECS model the operations and the dynamics share: clusters, task definitions, services with their
// deployments, tasks, service deployments and revisions. Plain data; behaviour lives in the other files.
import type { AlarmBook, Behavior, ImageCatalog, BehaviorBook, HookBook, JsonObject, LogSink, SimClock, TransitionLog, Account } from '../types.js'
import type { Arns } from './ids.js'
import type { LifecycleHookConfig, NativeRollout, NativeStrategy } from './native-model.js'
import type { Tag } from './validate.js'

export interface EcsDeps {
  clock: SimClock
  account: Account
  images: ImageCatalog
  behaviors: BehaviorBook
  /** What lifecycle hooks do (native blue/green, linear and canary). */
  hooks: HookBook
  alarms: AlarmBook
  logs: LogSink
  transitions: TransitionLog
}

export interface Cluster {
  name: string
  arn: string
  tags: Tag[]
  settings: JsonObject[]
}

export interface TaskDefinition {
  arn: string
  family: string
  revision: number
  status: 'ACTIVE' | 'INACTIVE'
  /** The wire object as DescribeTaskDefinition returns it (status/deregisteredAt kept in sync). */
  body: JsonObject
  tags: Tag[]
}

export interface ContainerDef {
  name: string
  image: string
  essential: boolean
  healthCheck?: { interval: number; retries: number; startPeriod: number }
  awslogs?: { group: string; streamPrefix?: string; createGroup: boolean }
  portMappings: { containerPort?: number }[]
}

export interface CircuitBreakerConfig {
  enable: boolean
  rollback: boolean
  resetOnHealthyTask?: boolean
  thresholdConfiguration?: { type: 'COUNT' | 'BOUNDED_PERCENT' | 'UNBOUNDED_PERCENT'; value: number }
}

export interface DeploymentConfiguration {
  deploymentCircuitBreaker: CircuitBreakerConfig
  maximumPercent: number
  minimumHealthyPercent: number
  alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean }
  strategy: 'ROLLING' | NativeStrategy
  /** ECS-native strategies (see native-config.ts). */
  bakeTimeInMinutes?: number
  linearConfiguration?: { stepPercent: number; stepBakeTimeInMinutes: number }
  canaryConfiguration?: { canaryPercent: number; canaryBakeTimeInMinutes: number }
  lifecycleHooks?: LifecycleHookConfig[]
}

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED'

export interface Deployment {
  id: string
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE'
  taskDefinitionArn: string
  desiredCount: number
  failedTasks: number
  createdAt: number
  updatedAt: number
  rolloutState: RolloutState
  rolloutStateReason: string
  launchType?: string
  capacityProviderStrategy?: JsonObject[]
  platformVersion?: string
  networkConfiguration?: JsonObject
  config: DeploymentConfiguration
  serviceRevisionArn: string
  serviceDeploymentArn: string
  /** True for the deployment a rollback started (it does not watch alarms: they are what failed the last one). */
  isRollback: boolean
  /** An alarm was in ALARM when it started: ECS ignores its alarm configuration (deployment-alarms.ts). */
  alarmsIgnored: boolean
  /** Simulated ms when the service first reached steady state for this deployment (alarm bake start). */
  steadyAt?: number
}

export type ServiceDeploymentStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCESSFUL' | 'STOPPED' | 'ROLLBACK_IN_PROGRESS' | 'ROLLBACK_SUCCESSFUL' | 'ROLLBACK_FAILED'

export type MonitorStatus = 'TRIGGERED' | 'MONITORING' | 'MONITORING_COMPLETE' | 'DISABLED'

export interface RevisionCounts {
  arn: string
  requestedTaskCount: number
  runningTaskCount: number
  pendingTaskCount: number
}

export interface ServiceDeployment {
  arn: string
  serviceArn: string
  clusterArn: string
  createdAt: number
  startedAt?: number
  finishedAt?: number
  stoppedAt?: number
  updatedAt: number
  status: ServiceDeploymentStatus
  statusReason?: string
  sourceRevisionArns: string[]
  targetRevisionArn: string
  /** Counts frozen when the service deployment finished (live ones are computed until then). */
  frozenCounts?: { source: RevisionCounts[]; target: RevisionCounts }
  config: DeploymentConfiguration
  /** The deployment it rolled out, and the rollback deployment when one started. */
  deploymentId: string
  rollbackDeploymentId?: string
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string }
  breaker: { status: MonitorStatus; failureCount: number; threshold: number }
  alarms: { status: MonitorStatus; alarmNames: string[]; triggeredAlarmNames: string[] }
  /** Set for a blue/green, linear or canary rollout (native-strategies.ts). */
  native?: NativeRollout
}

export interface ServiceRevision {
  arn: string
  serviceArn: string
  clusterArn: string
  taskDefinitionArn: string
  launchType?: string
  capacityProviderStrategy?: JsonObject[]
  platformVersion?: string
  networkConfiguration?: JsonObject
  loadBalancers: JsonObject[]
  containerImages: { containerName: string; image: string; imageDigest?: string }[]
  createdAt: number
}

export interface ServiceEvent {
  id: string
  createdAt: number
  message: string
}

export interface Service {
  name: string
  arn: string
  clusterName: string
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE'
  desiredCount: number
  taskDefinitionArn: string
  launchType?: string
  capacityProviderStrategy?: JsonObject[]
  platformVersion?: string
  networkConfiguration?: JsonObject
  loadBalancers: JsonObject[]
  serviceRegistries: JsonObject[]
  config: DeploymentConfiguration
  healthCheckGracePeriodSeconds?: number
  deployments: Deployment[]
  events: ServiceEvent[]
  createdAt: number
  tags: Tag[]
  propagateTags: string
  enableECSManagedTags: boolean
  enableExecuteCommand: boolean
  currentServiceDeploymentArn: string
  /** The most recent deployment that reached COMPLETED: what a rollback returns to. */
  lastCompleted?: { id: string; taskDefinitionArn: string; serviceRevisionArn: string }
  /** Whether the last steady-state event still holds (so it is not repeated every step). */
  steady: boolean
  /** Set for a CODE_DEPLOY service: its tasks run in task sets, not deployments (see task-sets.ts). */
  deploymentController?: 'CODE_DEPLOY'
  taskSets?: TaskSet[]
}

/** A task set of a CODE_DEPLOY service (see task-sets.ts). */
export interface TaskSet {
  id: string
  arn: string
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING'
  taskDefinitionArn: string
  /** `CODE_DEPLOY` for the task sets CodeDeploy creates. */
  startedBy?: string
  /** The CodeDeploy deployment id that created it. */
  externalId?: string
  /** Percent of the service's desired count. */
  scale: number
  launchType?: string
  capacityProviderStrategy?: JsonObject[]
  platformVersion?: string
  networkConfiguration?: JsonObject
  loadBalancers: JsonObject[]
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING'
  stabilityStatusAt: number
  createdAt: number
  updatedAt: number
}

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'ACTIVATING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'DEPROVISIONING' | 'STOPPED'

export interface Container {
  def: ContainerDef
  arn: string
  runtimeId: string
  behavior: Behavior
  digest?: string
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED'
  healthStatus: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY'
  exitCode?: number
  reason?: string
  /** The command RunTask overrode (a one-off task): its behaviour is the command's (see behaviors.ts). */
  command?: string[]
  /** Simulated ms when this container exits on its own (crash behaviour). */
  exitAt?: number
  /** Simulated ms when its health check turns HEALTHY / UNHEALTHY. */
  healthyAt?: number
  unhealthyAt?: number
}

export interface Task {
  id: string
  arn: string
  clusterName: string
  serviceName?: string
  deploymentId?: string
  taskDefinition: TaskDefinition
  launchType: string
  platformVersion?: string
  cpu?: string
  memory?: string
  lastStatus: TaskStatus
  desiredStatus: 'RUNNING' | 'STOPPED'
  healthStatus: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY'
  containers: Container[]
  createdAt: number
  pullStartedAt?: number
  pullStoppedAt?: number
  startedAt?: number
  stoppingAt?: number
  executionStoppedAt?: number
  stoppedAt?: number
  stopCode?: string
  stoppedReason?: string
  /** Simulated ms of the next lifecycle transition. */
  nextAt: number
  /** Simulated ms from which the task counts as healthy for the scheduler. */
  healthySince?: number
  /** The breaker's "healthy for 30 s" reset has been applied for this task. */
  resetApplied: boolean
  version: number
  tags: Tag[]
  startedBy?: string
  group?: string
  privateIp: string
  subnetId?: string
  /** The service's target group the task registers in (the ELB health check is emulated as pass/fail). */
  loadBalancer?: { targetGroupArn: string; containerName?: string; containerPort?: number }
  /** Simulated ms when the target group reports the task healthy, or unhealthy (an `unhealthy` behaviour). */
  elbHealthyAt?: number
  elbUnhealthyAt?: number
  /** Stopped on its own (failed to start, essential container exited): counted by the breaker. */
  failed: boolean
}

export class EcsState {
  clusters = new Map<string, Cluster>()
  /** family → revisions (index = revision - 1). */
  taskDefinitions = new Map<string, TaskDefinition[]>()
  /** `${cluster}/${service}` → service; INACTIVE services stay until a new one takes the name. */
  services = new Map<string, Service>()
  tasks = new Map<string, Task>()
  serviceDeployments = new Map<string, ServiceDeployment>()
  serviceRevisions = new Map<string, ServiceRevision>()
  /** RunTask's clientToken → the task ids it started, so a retry starts none again. */
  runTaskTokens = new Map<string, string[]>()
}

export interface Ctx {
  deps: EcsDeps
  state: EcsState
  arns: Arns
}
