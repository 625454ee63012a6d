// The CodeDeploy engine (the CODE_DEPLOY deployment controller), as the contract (../contract.ts) names its parts.
import type { CodeDeployEngine } from '../../core/plan.js'
import type { CheckSubject, Checked, EngineDefinition } from '../contract.js'
import { codeDeployApproval } from './approval.js'
import { afterCancelCodeDeploy } from './cancel.js'
import { checkCodeDeploy, type CheckedCodeDeployEngine } from './check.js'
import { codeDeployHistory } from './history.js'
import { runCodeDeploy } from './run.js'

async function check(clients: Parameters<typeof checkCodeDeploy>[0], subject: CheckSubject<CodeDeployEngine>): Promise<Checked<CheckedCodeDeployEngine>> {
  const { inputs, service, engine, taskDefinition, inRegion } = subject
  const checked = await checkCodeDeploy(clients, inputs, service, engine, taskDefinition, inRegion)
  const problems = [...checked.problems]
  if (inputs.desiredCount !== undefined) {
    problems.push(
      `Input \`desired-count\` is \`${inputs.desiredCount}\`: service \`${inputs.service}\` is deployed by CodeDeploy, and this action does not change its desired count; set it with aws ecs update-service --desired-count, or leave desired-count empty.`,
    )
  }
  problems.push(...serviceTagProblems(inputs, inputs.service))
  return { problems, ...(checked.checked ? { engine: { ...engine, checked: { ...checked.checked, hooks: inputs.codeDeploy.hooks } } } : {}) }
}

/** `propagate-tags` and `enable-ecs-managed-tags` go with the deployment's UpdateService, which a CodeDeploy deployment does not send. */
function serviceTagProblems(inputs: CheckSubject<CodeDeployEngine>['inputs'], service: string): string[] {
  const given: [string, unknown][] = [
    ['propagate-tags', inputs.propagateTags],
    ['enable-ecs-managed-tags', inputs.enableEcsManagedTags],
  ]
  return given
    .filter(([, value]) => value !== undefined)
    .map(
      ([input, value]) =>
        `Input \`${input}\` is \`${String(value)}\`: service \`${service}\` is deployed by CodeDeploy: its deployment starts with CodeDeploy's CreateDeployment, which has no such setting, and this action sends no UpdateService for it, so ${input} would be ignored; set it once with aws ecs update-service, or leave ${input} empty.`,
    )
}

export const codeDeploy: EngineDefinition<CodeDeployEngine, CheckedCodeDeployEngine> = {
  kind: 'codedeploy',
  check,
  // CodeDeploy refuses a second deployment in the group itself; the engine waits for the group (its run's prepare).
  waitsForIdle: false,
  firingAlarms: (names) =>
    `${names}: CodeDeploy stops a deployment whose alarm is in ALARM, so this one will be stopped and rolled back unless the alarm recovers first. To ship a fix during the incident, leave the firing alarm out of \`alarms\`.`,
  history: (clients, { engine, name }) => codeDeployHistory(clients, engine.application, engine.deploymentGroup, name),
  historyCall: 'CodeDeploy ListDeployments/GetDeployment',
  run: (clients, plan, timeline, options) =>
    runCodeDeploy(
      clients,
      {
        ...plan,
        codeDeploy: { hooks: plan.engine.checked.hooks ?? {} },
        appSpec: plan.engine.checked.appSpec,
        blueGreen: plan.engine.checked.blueGreen,
        prodListenerArn: plan.engine.checked.prodListenerArn,
      },
      timeline,
      options,
    ),
  afterCancel: afterCancelCodeDeploy,
  guard: 'CodeDeploy and its alarms',
  approval: codeDeployApproval,
}
