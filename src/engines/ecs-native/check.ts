// What ECS's own blue/green, canary and linear deployments need from the service, checked before anything changes
// (no AWS calls: DescribeServices already returned all of it): load balancers whose advancedConfiguration names
// the alternate target group, the production listener rule and the role ECS shifts traffic with, and settings
// inside ECS's limits. Each problem says what is missing and where.
import type { Service } from '@aws-sdk/client-ecs'
import type { NativeEngine } from '../../core/plan.js'
import { bakeMinutes } from './settings.js'

/** ECS's limits (DeploymentConfiguration): LINEAR steps 3–100 %, CANARY 0.1–100 %, bake times up to a day. */
const MIN_LINEAR_STEP = 3
const MIN_CANARY_PERCENT = 0.1
const MAX_BAKE_MINUTES = 1440

const REQUIRED = ['alternateTargetGroupArn', 'productionListenerRule', 'roleArn'] as const

export function checkNative(service: Service, engine: NativeEngine, bakeTimeMs: number): string[] {
  const problems: string[] = []
  const name = `Service \`${service.serviceName ?? '?'}\``
  const how = `ECS ${engine.strategy} deployments shift traffic between two target groups behind a listener rule`
  const loadBalancers = service.loadBalancers ?? []
  if (loadBalancers.length === 0) {
    problems.push(
      `${name} has no load balancer: ${how}, so the service needs a load balancer with advancedConfiguration (alternateTargetGroupArn, productionListenerRule, roleArn). Use strategy rolling, or recreate the service with a load balancer.`,
    )
  }
  for (const lb of loadBalancers) {
    const where = lb.targetGroupArn ? `target group \`${lb.targetGroupArn.split(':').pop()}\`` : `load balancer \`${lb.loadBalancerName ?? lb.containerName ?? '?'}\``
    const advanced = lb.advancedConfiguration
    const missing = REQUIRED.filter((key) => !advanced?.[key])
    if (missing.length === 0) continue
    problems.push(
      `${name}: the load balancer of ${where} ${advanced ? `has advancedConfiguration without ${missing.join(', ')}` : 'has no advancedConfiguration'}: ${how}, ` +
        `so each load balancer needs alternateTargetGroupArn (the second target group), productionListenerRule (the listener rule, or an NLB listener, that carries production traffic) and roleArn (a role ECS uses to change them). ` +
        `Add them with \`aws ecs update-service --load-balancers\`.`,
    )
  }
  const linear = engine.configuration.linearConfiguration?.stepPercent
  if (linear !== undefined && linear < MIN_LINEAR_STEP) {
    problems.push(`Input \`strategy\`: ECS LINEAR deployments move at least ${MIN_LINEAR_STEP}% of production traffic per step, not ${linear}%.`)
  }
  const canary = engine.configuration.canaryConfiguration?.canaryPercent
  if (canary !== undefined && canary < MIN_CANARY_PERCENT) {
    problems.push(`Input \`strategy\`: ECS CANARY deployments start with at least ${MIN_CANARY_PERCENT}% of production traffic, not ${canary}%.`)
  }
  const minutes = bakeMinutes(bakeTimeMs, service.deploymentConfiguration)
  if (minutes > MAX_BAKE_MINUTES) {
    problems.push(`Input \`bake-time\`: ECS ${engine.strategy} deployments bake at most ${MAX_BAKE_MINUTES} minutes (24h), not ${minutes}.`)
  }
  return problems
}
