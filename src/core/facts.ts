// What a deployment run observed, with no judgement attached. The engines fill it through the watch spine;
// src/core/outcome.ts alone turns it into an outcome, so every rule about success and failure lives in one place.
import type { TaskDefinition } from '@aws-sdk/client-ecs'
import type { AnalysisFacts } from './analysis.js'
import type { OneOffTask } from './one-off.js'
import type { DeploymentCounts, StoppedTask } from './timeline.js'

/** One look at an ECS deployment (an entry of DescribeServices `deployments[]`). */
export interface DeploymentObservation {
  id: string
  /** PRIMARY | ACTIVE | INACTIVE. */
  status: string
  taskDefinition?: string
  rolloutState?: string
  rolloutStateReason?: string
  counts: DeploymentCounts
  createdAt?: Date
  updatedAt?: Date
}

/** One look at the service deployment (DescribeServiceDeployments), which says how a rollback went. */
export interface ServiceDeploymentObservation {
  arn: string
  /** PENDING | IN_PROGRESS | SUCCESSFUL | STOPPED | ROLLBACK_IN_PROGRESS | ROLLBACK_SUCCESSFUL | ROLLBACK_FAILED … */
  status?: string
  statusReason?: string
  rollback?: { reason?: string; startedAt?: Date; serviceRevisionArn?: string }
  circuitBreaker?: { status?: string; failureCount?: number; threshold?: number }
  alarms?: { status?: string; alarmNames: string[]; triggeredAlarmNames: string[] }
  /** ECS-native: the lifecycle stage it was at. */
  lifecycleStage?: string
  /** The target revision's tasks (ECS-native), with the circuit breaker's failure count as `failed`. */
  counts?: DeploymentCounts
}

/** ECS replaced our deployment with one that goes back to the last completed one. */
export interface EcsRollback {
  /** The new PRIMARY deployment ECS started to roll back. */
  deploymentId: string
  taskDefinition?: string
  /** Why ECS rolled back (our deployment's rolloutStateReason, else the service deployment's statusReason). */
  reason: string
  /** The rollback deployment reached COMPLETED with running == desired. */
  completed: boolean
  /** The rollback deployment itself FAILED (or the service deployment says ROLLBACK_FAILED). */
  failed: boolean
  final?: DeploymentObservation
}

/** A rollback the action started itself (after a bake alarm or a timeout). */
export interface ActionRollback {
  /** An alarm fired during the bake, the bake could not read the alarms, new tasks crash-looped, or the deadline came. */
  trigger: 'bake-alarm' | 'bake-unverified' | 'fail-fast' | 'timeout' | 'release' | 'post-deploy' | 'analysis'
  toTaskDefinitionArn: string
  deploymentId?: string
  completed: boolean
  /** Why it did not complete: an API error, a FAILED rollout, or its own deadline. */
  problem?: string
  final?: DeploymentObservation
}

export interface BakeResult {
  durationMs: number
  alarms: string[]
  /** Baked for the whole duration with no alarm in ALARM. */
  passed: boolean
  /** The alarm that ended the bake. */
  fired?: { name: string; reason?: string }
  /** The deadline came before the bake time was over. */
  cutShortByDeadline: boolean
  /** The alarms could not be read (why): access denied, no read for longer than the bake allows, or none at its end.
   * Nothing verified the release, so the bake did not pass. */
  unreadable?: string
  /** The last time the alarms were read (the bake's start when never). */
  unreadableSince?: Date
  /** Several services, one release: another service failed and the release stopped the bake (why). */
  stopped?: string
  /** Alarms in ALARM since before the deployment and throughout the bake: the bake could not judge the release by them. */
  unjudged?: string[]
}

/** A lifecycle hook (ECS lifecycle hook or CodeDeploy AppSpec hook) that failed, timed out or is waiting. */
export interface HookObservation {
  /** The hook's name or id as the platform gives it (`AfterAllowTestTraffic`, `ecs-lambda-…`). */
  name: string
  /** The Lambda (or `PAUSE`). */
  target?: string
  /** The lifecycle stage or event it ran at. */
  stage?: string
  status: string
  reason?: string
}

/** One look at a CodeDeploy deployment (GetDeployment + its ECS target). */
export interface CodeDeployObservation {
  deploymentId: string
  /** Created | Queued | InProgress | Baking | Succeeded | Failed | Stopped | Ready. */
  status?: string
  errorInformation?: { code?: string; message?: string }
  /** The deployment CodeDeploy started to roll this one back, and how it ended. */
  rollbackDeploymentId?: string
  rollbackStatus?: string
  rollbackMessage?: string
  /** The lifecycle event that failed, with CodeDeploy's diagnostics. */
  failedEvent?: { name: string; errorCode?: string; message?: string; logTail?: string }
}

/** What every engine's run records. */
export interface CommonFacts {
  cluster: string
  service: string
  /** How it ran, in words (`rolling update`, `ECS canary 10% then the rest after 5m`, `CodeDeploy …`). */
  engine: string
  /** Alarms the deployment was guarded by (input `alarms`). */
  alarms: string[]
  rollbackPolicy: 'on-failure' | 'never'
  taskDefinitionArn?: string
  previousTaskDefinitionArn?: string
  /** The registered task definition (container definitions are needed to find log streams). */
  taskDefinition?: TaskDefinition
  /** The image that was deployed: the plan's image, else the first essential container's. */
  image?: string
  /** ECS's `ecs-svc/…` or CodeDeploy's `d-…`. */
  deploymentId?: string
  startedAt: Date
  finishedAt?: Date
  /** false when `wait: false`: the deployment was started and not watched. */
  waited: boolean
  timedOut: boolean
  bake?: BakeResult
  actionRollback?: ActionRollback
  /** Production traffic on the new revision, each time it moved (canary, linear, blue/green). */
  trafficShifts?: { percent: number; at: Date }[]
  /** The hook that failed, timed out or was still waiting when the run ended. */
  hook?: HookObservation
  /** Stopped tasks of our deployment seen while watching (log tails for the first of each kind). */
  stoppedTasks: StoppedTask[]
  /** ThrottlingException responses that survived the SDK's retries. */
  throttled: number
  /** An API error that ended the run early (message as AWS gave it, with the operation). */
  error?: string
  /** The watch failed fast (input max-task-failures): the crash loop, in words. */
  failFast?: string
  /** The canary analysis (input `analysis`): the new revision's target group against the old one's. */
  analysis?: AnalysisFacts
  /** Several services, one release: another service failed and this deployment was stopped before its end (why). */
  stopped?: string
  /** The call that did not answer when the run's time ran out (`DescribeServices did not answer within 10 s`). */
  unanswered?: string
  /** The one-off tasks the run started (`pre-deploy-command`, `post-deploy-command`), the running one last. */
  oneOffTasks?: OneOffTask[]
  /** `approval`: the deployment paused, waiting for this run's pause to be approved or rejected. */
  awaitingApproval?: AwaitingApproval
  /** `reject`: who rejected the deployment, in words (`rejected in GitHub by the workflow run …`). */
  rejected?: string
}

/** A deployment paused by the action (`approval`), with test traffic and no production traffic on the new revision. */
export interface AwaitingApproval {
  /** What `approve` and `reject` take: the service deployment ARN, or CodeDeploy's deployment id. */
  id: string
  /** Where it waits (`POST_TEST_TRAFFIC_SHIFT`). */
  at: string
  /** When the pause times out and the deployment rolls back by itself. */
  expiresAt?: Date
}

/** What ECS itself says of a deployment through the service (rolling and ECS-native). */
interface EcsFacts {
  /** The last DescribeServices look at OUR deployment. */
  final?: DeploymentObservation
  serviceDeploymentArn?: string
  serviceDeployment?: ServiceDeploymentObservation
  ecsRollback?: EcsRollback
  /** A deployment the action did not start took over the service. */
  supersededBy?: { deploymentId: string; taskDefinition?: string; rolloutStateReason?: string }
  /** The service was being deleted (its status, DRAINING or INACTIVE) while the deployment ran. */
  serviceGone?: string
}

export interface RollingFacts extends CommonFacts, EcsFacts {
  kind: 'rolling'
}

export interface NativeFacts extends CommonFacts, EcsFacts {
  kind: 'ecs-native'
  /** The lifecycle stage the service deployment was at when it began to roll back. */
  stageAtRollback?: string
}

export interface CodeDeployFacts extends CommonFacts {
  kind: 'codedeploy'
  codeDeploy?: CodeDeployObservation
}

/** Facts tagged by the engine that produced them: src/core/outcome.ts judges each kind by its own rules. */
export type DeploymentFacts = RollingFacts | NativeFacts | CodeDeployFacts
