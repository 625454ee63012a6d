// StopServiceDeployment: a ROLLBACK stop rolls the deployment back the way the circuit breaker does,
// whether or not rollback was configured.
import { AwsError, type JsonObject } from '../types.js'
import { failDeployment } from './deployments.js'
import { failNativeDeployment } from './native-strategies.js'
import { getServiceDeployment, isFinished, serviceOfDeployment } from './service-deployments.js'
import type { Ctx } from './state.js'
import { optionalEnum, requireString } from './validate.js'

export function stopServiceDeployment(ctx: Ctx, input: JsonObject): JsonObject {
  const sd = getServiceDeployment(ctx, requireString(input, 'serviceDeploymentArn'))
  const stopType = optionalEnum(input, 'stopType', ['ABORT', 'ROLLBACK'] as const) ?? 'ROLLBACK'
  if (stopType === 'ABORT') {
    throw new AwsError('UnsupportedFeatureException', 'StopServiceDeployment with stopType ABORT is not emulated by the sandbox: use ROLLBACK.')
  }
  const service = serviceOfDeployment(ctx, sd)
  const d = service.deployments.find((x) => x.id === sd.deploymentId)
  if (isFinished(sd) || sd.status === 'ROLLBACK_IN_PROGRESS' || !d || d.rolloutState !== 'IN_PROGRESS') {
    throw new AwsError('ConflictException', `The service deployment ${sd.arn} is not in progress (status ${sd.status}).`, 400, {
      resourceIds: [sd.arn],
    })
  }
  if (sd.native) failNativeDeployment(ctx, service, sd, { kind: 'stop' }, ctx.deps.clock.now())
  else failDeployment(ctx, service, d, { kind: 'stop' }, ctx.deps.clock.now())
  return { serviceDeploymentArn: sd.arn }
}
