// The data of ECS-native blue/green, linear and canary deployments: their configuration and the state of a
// service deployment walking the lifecycle stages. Plain data; native-strategies.ts and native-hooks.ts act on it.

export type NativeStrategy = 'BLUE_GREEN' | 'LINEAR' | 'CANARY'

/** The stages a lifecycle hook can run at (DeploymentLifecycleHookStage). */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const
export type HookStage = (typeof HOOK_STAGES)[number]

/** The stages a rollout walks: the hook stages and those without hooks. */
export type LifecycleStage = HookStage | 'SCALE_UP' | 'BAKE_TIME' | 'CLEAN_UP'

/** What DescribeServiceDeployments reports as lifecycleStage. */
export type ServiceDeploymentLifecycleStage = Exclude<LifecycleStage, 'PRE_PRODUCTION_TRAFFIC_SHIFT'>

export type HookAction = 'ROLLBACK' | 'CONTINUE'
export type HookTargetType = 'AWS_LAMBDA' | 'PAUSE'

export interface LifecycleHookConfig {
  targetType: HookTargetType
  hookTargetArn?: string
  roleArn?: string
  lifecycleStages: HookStage[]
  hookDetails?: unknown
  timeoutConfiguration: { timeoutInMinutes: number; action: HookAction }
  /** The hook as the request gave it (what deploymentConfiguration echoes). */
  wire: Record<string, unknown>
}

export type HookStatus = 'AWAITING_ACTION' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT'

/** One run of a lifecycle hook at one stage (a hook runs again at every traffic step it is configured for). */
export interface HookRun {
  hookId: string
  targetType: HookTargetType
  targetArn?: string
  stage: HookStage
  status: HookStatus
  startedAt: number
  expiresAt: number
  timeoutAction: HookAction
  /** Simulated ms when the hook rule's outcome happens; undefined: it waits for ContinueServiceDeployment or its timeout. */
  settlesAt?: number
  outcome: 'succeed' | 'fail'
  /** The rule's message, for a failing hook. */
  message?: string
}

export interface NativeRollout {
  strategy: NativeStrategy
  /** Undefined until the scheduler's first step of the service deployment. */
  stage?: LifecycleStage
  stageStartedAt: number
  hooks: HookRun[]
  /** The green revision's share of production and test traffic (%); the blue revision has the rest. */
  productionWeight: number
  testWeight: number
  hasTestListener: boolean
  /** The deployment (ecs-svc/…) that serves production before the shift: what a rollback returns to. */
  blueDeploymentId: string
  blueRevisionArn: string
  /** The target group the green tasks register in (the one the blue tasks are not in). */
  greenTargetGroupArn?: string
}
