// Inputs only a CodeDeploy deployment uses, given for a service on the ECS deployment controller: they would be
// silently ignored (a smoke-test hook that never runs), so preflight refuses them, as chooseEngine does
// `deployment-config`.
import type { Service } from '@aws-sdk/client-ecs'
import type { CodeDeployInputs } from '../inputs/context.js'

export function codeDeployOnlyInputProblems(codeDeploy: CodeDeployInputs, service: Service): string[] {
  const controller = service.deploymentController?.type ?? 'ECS'
  if (controller !== 'ECS') return []
  const name = `service \`${service.serviceName ?? '?'}\` uses the ECS deployment controller, not CODE_DEPLOY`
  const problems: string[] = []
  if (codeDeploy.appspecFile !== undefined) {
    problems.push(
      `Input \`appspec\` is \`${codeDeploy.appspecFile}\`, but ${name}: only a CodeDeploy deployment reads an AppSpec, so it would be ignored; remove appspec ` +
        `(ECS blue/green, canary and linear deployments take lifecycle hooks in the service's deploymentConfiguration.lifecycleHooks).`,
    )
  }
  const hooks = Object.entries(codeDeploy.hooks)
  if (hooks.length > 0) {
    problems.push(
      `Input \`codedeploy-hooks\` is \`${hooks.map(([hook, fn]) => `${hook}=${fn}`).join(', ')}\`, but ${name}: CodeDeploy hooks run only in a CodeDeploy deployment, so ` +
        `${hooks.length === 1 ? 'this hook' : 'these hooks'} would never run; remove codedeploy-hooks (ECS blue/green, canary and linear deployments take lifecycle hooks in the service's deploymentConfiguration.lifecycleHooks).`,
    )
  }
  return problems
}
