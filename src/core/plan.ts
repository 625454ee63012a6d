// What a deployment is asked to do, before any engine runs it: the plan every engine shares and the engine that
// preflight chose for it.
import type { DeploymentConfiguration, RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs'
import type { AnalysisSettings, AnalysisTargets } from './analysis.js'

export type RollbackPolicy = 'on-failure' | 'never'

/** The CodeDeploy deployment configuration to use. */
export type CodeDeployConfig =
  /** `strategy: auto`: the deployment group's own configuration. */
  | { kind: 'group-default' }
  /** `deployment-config`, or a predefined one (`blue-green` → CodeDeployDefault.ECSAllAtOnce). */
  | { kind: 'named'; name: string }
  /** `canary`/`linear` settings: a custom configuration with a stable name, created once and then reused. */
  | { kind: 'custom'; name: string; type: 'TimeBasedCanary' | 'TimeBasedLinear'; percent: number; intervalMinutes: number }

export interface RollingEngine {
  kind: 'rolling'
  label: string
}

export interface NativeEngine {
  kind: 'ecs-native'
  label: string
  strategy: 'BLUE_GREEN' | 'CANARY' | 'LINEAR'
  /** Settings this run puts into deploymentConfiguration; the service's own are kept for what is not set. */
  configuration: Pick<DeploymentConfiguration, 'strategy' | 'canaryConfiguration' | 'linearConfiguration'>
}

export interface CodeDeployEngine {
  kind: 'codedeploy'
  label: string
  application: string
  deploymentGroup: string
  config: CodeDeployConfig
}

export type Engine = RollingEngine | NativeEngine | CodeDeployEngine

/** What every engine is given. */
export interface DeployPlan {
  cluster: string
  service: string
  /** Already rendered. */
  taskDefinition: RegisterTaskDefinitionCommandInput
  /** A registered revision deployed as it is (`rollback-to`, `task-definition: web:5`, a redeploy): nothing is
   * registered, `taskDefinition` is only its description. */
  existingTaskDefinition?: TaskDefinition
  /** UpdateService's desiredCount with the deployment (rolling and ECS-native engines). */
  desiredCount?: number
  /** UpdateService's forceNewDeployment with the deployment (rolling and ECS-native engines). */
  forceNewDeployment?: boolean
  /** UpdateService's propagateTags and enableECSManagedTags with the deployment (rolling and ECS-native engines). */
  propagateTags?: 'TASK_DEFINITION' | 'SERVICE' | 'NONE'
  enableEcsManagedTags?: boolean
  previousTaskDefinitionArn: string
  alarms: string[]
  /** Fail fast after this many of our tasks failed the same way (0: leave it to the circuit breaker). */
  maxTaskFailures?: number
  /** Alarms already in ALARM when preflight looked (see src/watch/bake.ts). */
  alarmsFiringAtStart?: string[]
  rollback: RollbackPolicy
  bakeTimeMs: number
  /** Epoch ms; watching and baking stop here. */
  deadline: number
  wait: boolean
  /** The service's deploymentConfiguration as described, so its other fields are kept. */
  currentDeploymentConfiguration?: DeploymentConfiguration
  /** The image deployed (input `image`); defaults to the first essential container's image. */
  image?: string
  /** How long the action's own rollback may take (it starts at or after the deadline). Default 10 min, and never past
   * the run's hard stop. */
  rollbackTimeoutMs?: number
  /** Epoch ms of the run's hard stop (src/aws/deadline.ts): every AWS call is aborted then, so no watch goes past it. */
  hardStop?: number
  /** `approval: test-traffic`: pause after test traffic moved, before production traffic; unanswered for
   * `timeoutMinutes`, the deployment rolls back by itself. */
  approval?: { timeoutMinutes: number }
  /** The canary analysis (input `analysis`) and the target groups it compares, when the service has a pair. */
  analysis?: AnalysisSettings & { targets?: AnalysisTargets; bakeTargetGroup?: string }
}

export const DEFAULT_ROLLBACK_TIMEOUT_MS = 10 * 60_000
