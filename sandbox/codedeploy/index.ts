// The emulated AWS CodeDeploy service for the ECS compute platform: applications, deployment groups and configs,
// and blue/green deployments of CODE_DEPLOY services stepped by the world (see /sandbox/world.ts).
import type { AwsService, JsonObject } from '../types.js'
import { createApplication, createDeploymentGroup, getApplicationOp, getDeploymentGroup, listApplications, listDeploymentGroups, updateDeploymentGroup } from './applications.js'
import { createDeploymentConfig, getDeploymentConfig, predefinedConfigs } from './configs.js'
import {
  batchGetDeployments,
  batchGetDeploymentTargets,
  continueDeployment,
  createDeployment,
  getDeploymentOp,
  type HookExecutionView,
  listDeployments,
  listDeploymentTargets,
  pendingHookExecutions,
  putLifecycleEventHookExecutionStatus,
  stopDeployment,
} from './deployments.js'
import { advanceCodeDeploy } from './lifecycle.js'
import { type CodeDeployDeps, CodeDeployState, type Ctx } from './state.js'
import { operationTable } from '../operation-table.js'
import { trafficRoute } from './traffic-route.js'
import type { TrafficRoute } from '../elb-metrics.js'

export type { CodeDeployDeps } from './state.js'
export type { HookExecutionView } from './deployments.js'

type Operation = (ctx: Ctx, input: JsonObject) => JsonObject

const OPERATIONS: Record<string, Operation> = {
  CreateApplication: createApplication,
  GetApplication: getApplicationOp,
  ListApplications: listApplications,
  CreateDeploymentGroup: createDeploymentGroup,
  GetDeploymentGroup: getDeploymentGroup,
  ListDeploymentGroups: listDeploymentGroups,
  UpdateDeploymentGroup: updateDeploymentGroup,
  CreateDeploymentConfig: createDeploymentConfig,
  GetDeploymentConfig: getDeploymentConfig,
  CreateDeployment: createDeployment,
  GetDeployment: getDeploymentOp,
  BatchGetDeployments: batchGetDeployments,
  ListDeployments: listDeployments,
  ListDeploymentTargets: listDeploymentTargets,
  BatchGetDeploymentTargets: batchGetDeploymentTargets,
  StopDeployment: stopDeployment,
  ContinueDeployment: continueDeployment,
  PutLifecycleEventHookExecutionStatus: putLifecycleEventHookExecutionStatus,
}

const MUTATING = new Set([
  'CreateApplication',
  'CreateDeploymentGroup',
  'UpdateDeploymentGroup',
  'CreateDeploymentConfig',
  'CreateDeployment',
  'StopDeployment',
  'ContinueDeployment',
  'PutLifecycleEventHookExecutionStatus',
])

export type CodeDeployService = AwsService & { pendingHookExecutions(): HookExecutionView[]; trafficRoute(clusterName: string, serviceName: string): TrafficRoute | undefined }

function freshState(deps: CodeDeployDeps): CodeDeployState {
  const state = new CodeDeployState()
  state.configs = predefinedConfigs(deps.clock.now())
  return state
}

export function createCodeDeployService(deps: CodeDeployDeps): CodeDeployService {
  const ctx: Ctx = { deps, state: freshState(deps) }
  return {
    targetPrefix: 'CodeDeploy_20141006',
    mutatingOperations: MUTATING,
    ...operationTable('CodeDeploy', OPERATIONS, ctx),
    advanceTo: (simMs) => advanceCodeDeploy(ctx, simMs),
    reset() {
      ctx.state = freshState(deps)
    },
    pendingHookExecutions: () => pendingHookExecutions(ctx),
    trafficRoute: (clusterName, serviceName) => trafficRoute(ctx, clusterName, serviceName),
  }
}
