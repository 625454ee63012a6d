// The emulated Amazon ECS service: operations over the ECS model, and its rolling-deployment dynamics
// stepped by the world (see /sandbox/world.ts).
import type { AwsService, JsonObject } from '../types.js'
import { createCluster, describeClusters } from './clusters.js'
import { continueServiceDeployment } from './continue-service-deployment.js'
import { Arns } from './ids.js'
import { advanceEcs } from './scheduler.js'
import { describeServiceDeployments, describeServiceRevisions, listServiceDeployments } from './service-deployments.js'
import { createService, deleteService, describeServices, updateService } from './services.js'
import { type Ctx, type EcsDeps, EcsState } from './state.js'
import { runTask } from './run-task.js'
import { stopServiceDeployment } from './stop-service-deployment.js'
import { listTagsForResource, tagResource } from './tags.js'
import { type EcsTaskSets, taskSetPort } from './task-sets.js'
import { deregisterTaskDefinition, describeTaskDefinition, listTaskDefinitions, registerTaskDefinition } from './task-definitions.js'
import { describeTasks, listTasks, stopTaskOp } from './tasks.js'
import { targetGroupShares, type RouteOf } from './traffic-shares.js'
import type { TargetGroupShare } from '../elb-metrics.js'
import { operationTable } from '../operation-table.js'

export type { EcsDeps } from './state.js'

type Operation = (ctx: Ctx, input: JsonObject) => JsonObject

const OPERATIONS: Record<string, Operation> = {
  CreateCluster: createCluster,
  DescribeClusters: describeClusters,
  RegisterTaskDefinition: registerTaskDefinition,
  DescribeTaskDefinition: describeTaskDefinition,
  DeregisterTaskDefinition: deregisterTaskDefinition,
  ListTaskDefinitions: listTaskDefinitions,
  CreateService: createService,
  UpdateService: updateService,
  DeleteService: deleteService,
  DescribeServices: describeServices,
  ListTasks: listTasks,
  DescribeTasks: describeTasks,
  RunTask: runTask,
  StopTask: stopTaskOp,
  ListServiceDeployments: listServiceDeployments,
  DescribeServiceDeployments: describeServiceDeployments,
  DescribeServiceRevisions: describeServiceRevisions,
  StopServiceDeployment: stopServiceDeployment,
  ContinueServiceDeployment: continueServiceDeployment,
  TagResource: tagResource,
  ListTagsForResource: listTagsForResource,
}

const MUTATING = new Set([
  'CreateCluster',
  'RegisterTaskDefinition',
  'DeregisterTaskDefinition',
  'CreateService',
  'UpdateService',
  'DeleteService',
  'RunTask',
  'StopTask',
  'StopServiceDeployment',
  'ContinueServiceDeployment',
  'TagResource',
])

/** ECS over the wire, plus the task-set port CodeDeploy drives CODE_DEPLOY services through. */
export type EcsService = AwsService & { taskSets: EcsTaskSets; targetGroupShares(routeOf?: RouteOf): TargetGroupShare[] }

export function createEcsService(deps: EcsDeps): EcsService {
  const ctx: Ctx = { deps, state: new EcsState(), arns: new Arns(deps.account) }
  return {
    taskSets: taskSetPort(ctx),
    targetGroupShares: (routeOf) => targetGroupShares(ctx, routeOf),
    targetPrefix: 'AmazonEC2ContainerServiceV20141113',
    mutatingOperations: MUTATING,
    ...operationTable('ECS', OPERATIONS, ctx),
    advanceTo: (simMs) => advanceEcs(ctx, simMs),
    reset() {
      ctx.state = new EcsState()
    },
  }
}
