// The rolling engine, as the contract (../contract.ts) names its parts.
import type { RollingEngine } from '../../core/plan.js'
import type { EngineDefinition } from '../contract.js'
import { ecsHistory } from '../ecs-history.js'
import { ECS_GUARD, ecsFiringAlarms } from '../service-config.js'
import { afterCancelRolling } from './cancel.js'
import { checkRolling } from './check.js'
import { runRolling } from './run.js'

export const rolling: EngineDefinition<RollingEngine> = {
  kind: 'rolling',
  check: async (_clients, { service, engine }) => ({ engine, problems: checkRolling(service) }),
  waitsForIdle: true,
  firingAlarms: ecsFiringAlarms,
  history: (clients, { service }) => ecsHistory(clients, service),
  historyCall: 'ECS ListServiceDeployments',
  run: runRolling,
  afterCancel: afterCancelRolling,
  guard: ECS_GUARD,
  noApproval: 'a rolling update has no test traffic to verify: tasks of the new revision take production traffic as soon as they are healthy',
}
