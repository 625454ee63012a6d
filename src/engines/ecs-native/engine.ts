// ECS's own blue/green, canary and linear deployments, as the contract (../contract.ts) names their parts.
import type { NativeEngine } from '../../core/plan.js'
import type { EngineDefinition } from '../contract.js'
import { ecsHistory } from '../ecs-history.js'
import { ECS_GUARD, ecsFiringAlarms } from '../service-config.js'
import { nativeApproval } from './approval.js'
import { afterCancelNative } from './cancel.js'
import { checkNative } from './check.js'
import { runNative } from './run.js'

export const ecsNative: EngineDefinition<NativeEngine> = {
  kind: 'ecs-native',
  check: async (_clients, { service, engine, inputs }) => ({ engine, problems: checkNative(service, engine, inputs.bakeTimeMs) }),
  waitsForIdle: true,
  firingAlarms: ecsFiringAlarms,
  history: (clients, { service }) => ecsHistory(clients, service),
  historyCall: 'ECS ListServiceDeployments',
  run: runNative,
  afterCancel: afterCancelNative,
  guard: ECS_GUARD,
  approval: nativeApproval,
}
