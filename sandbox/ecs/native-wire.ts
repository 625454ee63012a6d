// What DescribeServiceDeployments adds for a blue/green, linear or canary rollout: each revision's requested
// production and test traffic weights, the lifecycle stage and the lifecycle hooks' details.
import type { JsonObject } from '../types.js'
import { toEpochSeconds } from './ids.js'
import type { LifecycleStage, ServiceDeploymentLifecycleStage } from './native-model.js'
import type { RevisionCounts, ServiceDeployment } from './state.js'

const rest = (weight: number): number => Math.round((100 - weight) * 10) / 10

export function revisionSummariesWire(sd: ServiceDeployment, source: RevisionCounts[], target: RevisionCounts): JsonObject {
  const r = sd.native
  if (!r) return { sourceServiceRevisions: source, targetServiceRevision: target }
  return {
    sourceServiceRevisions: source.map((s) => ({
      ...s,
      requestedTestTrafficWeight: s.arn === r.blueRevisionArn ? rest(r.testWeight) : 0,
      requestedProductionTrafficWeight: s.arn === r.blueRevisionArn ? rest(r.productionWeight) : 0,
    })),
    targetServiceRevision: { ...target, requestedTestTrafficWeight: r.testWeight, requestedProductionTrafficWeight: r.productionWeight },
  }
}

/**
 * PRE_PRODUCTION_TRAFFIC_SHIFT is a stage hooks attach to (DeploymentLifecycleHookStage), not one a service
 * deployment reports (ServiceDeploymentLifecycleStage): its hooks run as part of the production traffic shift.
 */
function wireStage(stage: LifecycleStage): ServiceDeploymentLifecycleStage {
  return stage === 'PRE_PRODUCTION_TRAFFIC_SHIFT' ? 'PRODUCTION_TRAFFIC_SHIFT' : stage
}

export function lifecycleWire(sd: ServiceDeployment): JsonObject {
  const r = sd.native
  if (!r) return {}
  return {
    ...(r.stage ? { lifecycleStage: wireStage(r.stage) } : {}),
    lifecycleHookDetails: r.hooks.map((h) => ({
      hookId: h.hookId,
      targetType: h.targetType,
      ...(h.targetArn ? { targetArn: h.targetArn } : {}),
      status: h.status,
      expiresAt: toEpochSeconds(h.expiresAt),
      timeoutAction: h.timeoutAction,
    })),
  }
}
