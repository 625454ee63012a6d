// ContinueServiceDeployment: the answer to a lifecycle hook that waits (a PAUSE hook awaiting action, or a
// Lambda hook that keeps answering IN_PROGRESS): CONTINUE lets the stage go on, ROLLBACK rolls back to blue.
import type { JsonObject } from '../types.js'
import { isWaiting, setHookStatus } from './native-hooks.js'
import { failNativeDeployment } from './native-strategies.js'
import { getServiceDeployment, serviceOfDeployment } from './service-deployments.js'
import type { Ctx } from './state.js'
import { invalidParameter, optionalEnum, requireString } from './validate.js'

export function continueServiceDeployment(ctx: Ctx, input: JsonObject): JsonObject {
  const sd = getServiceDeployment(ctx, requireString(input, 'serviceDeploymentArn'))
  const hookId = requireString(input, 'hookId')
  const action = optionalEnum(input, 'action', ['CONTINUE', 'ROLLBACK'] as const) ?? 'CONTINUE'
  const run = sd.native?.hooks.find((h) => h.hookId === hookId)
  if (!run) throw invalidParameter(`The lifecycle hook ${hookId} was not found in service deployment ${sd.arn}.`)
  if (sd.status !== 'IN_PROGRESS' || !isWaiting(run)) {
    throw invalidParameter(`The lifecycle hook ${hookId} is not waiting for an action (hook status ${run.status}, service deployment status ${sd.status}).`)
  }
  if (action === 'CONTINUE') {
    setHookStatus(ctx, sd, run, 'SUCCEEDED')
  } else {
    setHookStatus(ctx, sd, run, 'FAILED')
    failNativeDeployment(ctx, serviceOfDeployment(ctx, sd), sd, { kind: 'continue', run }, ctx.deps.clock.now())
  }
  return { serviceDeploymentArn: sd.arn }
}
