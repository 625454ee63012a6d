// Which engine deploys: the service's deployment controller decides (CODE_DEPLOY → CodeDeploy, ECS → ECS's own
// strategies), and `strategy` says how traffic moves. Preflight resolves this once; main hands the result on.
import type { Service } from '@aws-sdk/client-ecs'
import type { CodeDeployConfig, Engine, NativeEngine } from '../core/plan.js'
import type { CodeDeployInputs } from '../inputs/context.js'
import { describeStrategy, type Strategy } from '../inputs/strategy.js'

const NATIVE = { 'blue-green': 'BLUE_GREEN', canary: 'CANARY', linear: 'LINEAR' } as const

/** A stable name per setting, so the same custom configuration is created once and reused by every later run. */
function customConfigName(type: 'canary' | 'linear', percent: number, intervalMinutes: number): string {
  const pct = String(percent).replace('.', '_')
  return type === 'canary' ? `EcsSafeDeploy.Canary${pct}Percent${intervalMinutes}Minutes` : `EcsSafeDeploy.Linear${pct}PercentEvery${intervalMinutes}Minutes`
}

/**
 * The engine for `strategy` on `service`, or a problem sentence (for preflight) when they do not fit.
 * Engine-specific requirements (CodeDeploy application and group, load balancer advanced configuration) are checked
 * by the engine's own preflight.
 */
export function chooseEngine(strategy: Strategy, service: Service, codeDeploy: CodeDeployInputs, cluster: string): { engine: Engine } | { problem: string } {
  const name = service.serviceName ?? '?'
  const controller = service.deploymentController?.type ?? 'ECS'
  if (controller === 'CODE_DEPLOY') {
    if (strategy.kind === 'rolling') {
      return {
        problem: `Service \`${name}\` uses the CODE_DEPLOY deployment controller, so it deploys through CodeDeploy, never as a rolling update: use strategy auto, blue-green, canary or linear, or deployment-config.`,
      }
    }
    const config: CodeDeployConfig = codeDeploy.deploymentConfig
      ? { kind: 'named', name: codeDeploy.deploymentConfig }
      : strategy.kind === 'blue-green'
        ? { kind: 'named', name: 'CodeDeployDefault.ECSAllAtOnce' }
        : strategy.kind === 'canary' || strategy.kind === 'linear'
          ? {
              kind: 'custom',
              name: customConfigName(strategy.kind, strategy.percent, strategy.intervalMs / 60_000),
              type: strategy.kind === 'canary' ? 'TimeBasedCanary' : 'TimeBasedLinear',
              percent: strategy.percent,
              intervalMinutes: strategy.intervalMs / 60_000,
            }
          : { kind: 'group-default' }
    return {
      engine: {
        kind: 'codedeploy',
        label: `CodeDeploy ${config.kind === 'group-default' ? "(the deployment group's configuration)" : config.kind === 'named' ? config.name : describeStrategy(strategy)}`,
        application: codeDeploy.application ?? `AppECS-${cluster}-${name}`,
        deploymentGroup: codeDeploy.deploymentGroup ?? `DgpECS-${cluster}-${name}`,
        config,
      },
    }
  }
  if (controller !== 'ECS') {
    return {
      problem: `Service \`${name}\` uses the ${controller} deployment controller: ecs-safe-deploy deploys services whose controller is ECS (rolling, or ECS blue/green, canary and linear) or CODE_DEPLOY.`,
    }
  }
  if (codeDeploy.deploymentConfig) {
    return {
      problem: `Input \`deployment-config\` is \`${codeDeploy.deploymentConfig}\`, but service \`${name}\` uses the ECS deployment controller, not CODE_DEPLOY: use strategy (blue-green, canary or linear) for ECS's own traffic shifting.`,
    }
  }
  const serviceStrategy = service.deploymentConfiguration?.strategy ?? 'ROLLING'
  if (strategy.kind === 'rolling' || (strategy.kind === 'auto' && serviceStrategy === 'ROLLING')) {
    return { engine: { kind: 'rolling', label: 'rolling update' } }
  }
  if (strategy.kind === 'auto') {
    const native = serviceStrategy as 'BLUE_GREEN' | 'CANARY' | 'LINEAR'
    return { engine: { kind: 'ecs-native', label: `ECS ${native} (the service's configuration)`, strategy: native, configuration: { strategy: native } } }
  }
  const native = NATIVE[strategy.kind]
  const configuration: NativeEngine['configuration'] = { strategy: native }
  if (strategy.kind === 'canary') configuration.canaryConfiguration = { canaryPercent: strategy.percent, canaryBakeTimeInMinutes: strategy.intervalMs / 60_000 }
  if (strategy.kind === 'linear') configuration.linearConfiguration = { stepPercent: strategy.percent, stepBakeTimeInMinutes: strategy.intervalMs / 60_000 }
  return { engine: { kind: 'ecs-native', label: `ECS ${describeStrategy(strategy)}`, strategy: native, configuration } }
}
