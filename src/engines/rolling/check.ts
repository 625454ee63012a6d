// What a rolling update needs from the service, checked before anything changes (no AWS calls: DescribeServices
// already returned it): room to replace tasks.
import type { Service } from '@aws-sdk/client-ecs'

export function checkRolling(service: Service): string[] {
  const config = service.deploymentConfiguration
  const desired = service.desiredCount ?? 0
  const min = config?.minimumHealthyPercent ?? 100
  const max = config?.maximumPercent ?? 200
  // With neither headroom above desired nor room to stop a task below it, ECS cannot start a single new task.
  if (desired > 0 && Math.floor((desired * max) / 100) <= desired && Math.ceil((desired * min) / 100) >= desired) {
    return [
      `Service \`${service.serviceName ?? '?'}\` has minimumHealthyPercent ${min} and maximumPercent ${max} with ${desired} desired tasks: a rolling update can neither start a new task nor stop an old one, so it would never progress. Lower minimumHealthyPercent or raise maximumPercent (\`aws ecs update-service --deployment-configuration\`).`,
    ]
  }
  return []
}
