// Every engine by its kind: the one place that maps a kind to its implementation. Adding an engine is a folder with
// an `EngineDefinition`, a line here, and a `decide…` in src/core/outcome.ts.
import type { Engine, RollingEngine } from '../core/plan.js'
import type { CheckedCodeDeployEngine } from './codedeploy/check.js'
import { codeDeploy } from './codedeploy/engine.js'
import type { EngineDefinition } from './contract.js'
import { ecsNative } from './ecs-native/engine.js'
import { rolling } from './rolling/engine.js'

/** An engine as preflight's checks left it: what its run needs is there, by type. */
export type CheckedEngine = Exclude<Engine, { kind: 'codedeploy' }> | CheckedCodeDeployEngine

const ENGINES: { [K in Engine['kind']]: EngineDefinition<Extract<Engine, { kind: K }>, Extract<CheckedEngine, { kind: K }>> } = {
  rolling,
  'ecs-native': ecsNative,
  codedeploy: codeDeploy,
}

/** The implementation of `engine`'s kind (each takes only engines of its own kind, which the kind guarantees). */
export function engineFor(engine: Engine | Engine['kind']): EngineDefinition<Engine, CheckedEngine> {
  return ENGINES[typeof engine === 'string' ? engine : engine.kind] as EngineDefinition<Engine, CheckedEngine>
}

/** The rolling engine as chosen when none could be (its history is ECS's). */
export const ROLLING: RollingEngine = { kind: 'rolling', label: 'rolling update' }
