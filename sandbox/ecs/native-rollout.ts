// Whether a new deployment walks the blue/green lifecycle, and the rollout state it starts with: the blue
// deployment it shifts traffic from and the target group its green tasks register in.
import type { JsonObject } from '../types.js'
import { isNativeStrategy } from './native-config.js'
import type { Ctx, Deployment, Service, ServiceDeployment } from './state.js'

/**
 * Called as a deployment starts. A BLUE_GREEN, LINEAR or CANARY deployment with a COMPLETED deployment still in
 * the service (the blue one) walks the lifecycle stages; a service's first deployment has nothing to shift
 * traffic from and scales up like a rolling one.
 */
export function beginNativeRollout(ctx: Ctx, service: Service, sd: ServiceDeployment, green: Deployment, atMs: number): void {
  const strategy = green.config.strategy
  if (!isNativeStrategy(strategy)) return
  const lastId = service.lastCompleted?.id
  const blue = service.deployments.find((d) => d.id === lastId && d !== green)
  if (!blue) return
  const lb = service.loadBalancers.find((l) => typeof l.targetGroupArn === 'string')
  const adv = (lb?.advancedConfiguration ?? {}) as JsonObject
  const blueTask = [...ctx.state.tasks.values()].find((t) => t.deploymentId === blue.id && t.loadBalancer)
  const blueTargetGroup = blueTask?.loadBalancer?.targetGroupArn ?? (lb?.targetGroupArn as string | undefined)
  const greenTargetGroupArn = (blueTargetGroup === lb?.targetGroupArn ? adv.alternateTargetGroupArn : lb?.targetGroupArn) as string | undefined
  sd.native = {
    strategy,
    stageStartedAt: atMs,
    hooks: [],
    productionWeight: 0,
    testWeight: 0,
    hasTestListener: typeof adv.testListenerRule === 'string' && adv.testListenerRule !== '',
    blueDeploymentId: blue.id,
    blueRevisionArn: blue.serviceRevisionArn,
    ...(greenTargetGroupArn ? { greenTargetGroupArn } : {}),
  }
}
