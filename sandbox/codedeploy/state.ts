// The CodeDeploy model (ECS compute platform only): applications, deployment groups, deployment configs and
// deployments with their lifecycle events. Plain data; behaviour lives in the other files.
import type { EcsTaskSets } from '../ecs/task-sets.js'
import type { Account, AlarmBook, HookBook, HookRule, JsonObject, SimClock, TransitionLog } from '../types.js'

export interface CodeDeployDeps {
  clock: SimClock
  account: Account
  /** The ECS services CodeDeploy deploys to (CODE_DEPLOY controller). */
  ecs: EcsTaskSets
  alarms: AlarmBook
  /** What the AppSpec's hook Lambdas do. */
  hooks: HookBook
  transitions: TransitionLog
}

export interface Application {
  id: string
  name: string
  computePlatform: 'ECS'
  createTime: number
}

export interface TargetGroupPair {
  targetGroups: { name: string }[]
  prodTrafficRoute?: { listenerArns: string[] }
  testTrafficRoute?: { listenerArns: string[] }
}

export interface AutoRollback {
  enabled: boolean
  events: string[]
}

export interface AlarmConfiguration {
  enabled: boolean
  ignorePollAlarmFailure: boolean
  alarms: { name: string }[]
}

export interface DeploymentGroup {
  id: string
  applicationName: string
  name: string
  serviceRoleArn: string
  deploymentConfigName: string
  ecsService: { serviceName: string; clusterName: string }
  targetGroupPair: TargetGroupPair
  blueGreen: JsonObject
  autoRollback: AutoRollback
  alarms: AlarmConfiguration
  lastAttempted?: string
  lastSuccessful?: string
}

export type TrafficRouting =
  | { type: 'AllAtOnce' }
  | { type: 'TimeBasedCanary'; timeBasedCanary: { canaryPercentage: number; canaryInterval: number } }
  | { type: 'TimeBasedLinear'; timeBasedLinear: { linearPercentage: number; linearInterval: number } }

export interface DeploymentConfig {
  id: string
  name: string
  computePlatform: 'ECS' | 'Server' | 'Lambda'
  trafficRoutingConfig: TrafficRouting
  createTime: number
}

/** What an ECS AppSpec asks for. */
export interface AppSpec {
  taskDefinition: string
  containerName: string
  containerPort: number
  platformVersion?: string
  networkConfiguration?: JsonObject
  capacityProviderStrategy?: JsonObject[]
  /** Lifecycle event → Lambda function name or ARN. */
  hooks: Partial<Record<LifecycleEventName, string>>
}

export const LIFECYCLE_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const
export type LifecycleEventName = (typeof LIFECYCLE_EVENTS)[number]
/** The events an AppSpec may hook (Install, AllowTestTraffic and AllowTraffic are CodeDeploy's own). */
export const HOOKABLE: readonly LifecycleEventName[] = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic']

export type EventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped'

export interface HookExecution {
  functionName: string
  executionId: string
  /** Set when the Lambda has answered (on its own per the hook rule, or via PutLifecycleEventHookExecutionStatus). */
  result?: 'Succeeded' | 'Failed'
  message?: string
  /** What the Lambda does, and when a `succeed`/`fail` rule answers. */
  rule: HookRule
  dueAt?: number
  /** CodeDeploy gives up on a hook after an hour. */
  timeoutAt: number
}

export interface LifecycleEvent {
  name: LifecycleEventName
  status: EventStatus
  startTime?: number
  endTime?: number
  diagnostics?: { errorCode: string; scriptName: string; message: string; logTail: string }
  hook?: HookExecution
}

export type DeploymentStatus = 'Created' | 'InProgress' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped'

export interface TargetGroupRef {
  name: string
  arn: string
}

export interface Deployment {
  id: string
  applicationName: string
  groupName: string
  configName: string
  routing: TrafficRouting
  creator: 'user' | 'codeDeployRollback'
  description?: string
  status: DeploymentStatus
  createTime: number
  startTime?: number
  completeTime?: number
  errorInformation?: { code: string; message: string }
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage: string }
  revision: JsonObject
  appSpec: AppSpec
  autoRollback: AutoRollback
  alarms: AlarmConfiguration
  blueGreen: JsonObject
  targetGroupPair: TargetGroupPair
  cluster: string
  serviceName: string
  blueTaskSetId: string
  greenTaskSetId?: string
  blue: TargetGroupRef
  green: TargetGroupRef
  /** Percent of production traffic on the green task set. */
  trafficWeight: number
  events: LifecycleEvent[]
  /** Index of the lifecycle event being worked on (events.length once they are all done). */
  current: number
  /** Green weights still to apply, with the simulated time of each. */
  shifts: { at: number; weight: number }[]
  /** Waiting (status Ready) for ContinueDeployment READY_WAIT before production traffic moves. */
  readyWait?: { until: number; released: boolean }
  terminationWaitUntil?: number
  /** Simulated ms of the last alarm poll (alarm-poll.ts). */
  alarmsPolledAt?: number
  statusMessages: string[]
  targetUpdatedAt: number
}

export class CodeDeployState {
  applications = new Map<string, Application>()
  /** `${application}/${group}` → group. */
  groups = new Map<string, DeploymentGroup>()
  configs = new Map<string, DeploymentConfig>()
  deployments = new Map<string, Deployment>()
}

export interface Ctx {
  deps: CodeDeployDeps
  state: CodeDeployState
}
