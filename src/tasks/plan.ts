// Which one-off tasks a run starts and where, as the orchestrator hands them to each engine's lifecycle: the
// pre-deploy task once per run (a release's first service's revision, in its network, before any service moves; the
// other services wait for it), the post-deploy task once, on the first service once its traffic is live. And their
// preflight: the container exists, an awsvpc task has the service's network configuration (the log group is the task
// definition's, which preflight checks already).
import type { Clients } from '../aws/clients.js'
import type { OneOffTask, OneOffWhen } from '../core/one-off.js'
import type { EngineOptions } from '../engines/contract.js'
import type { Inputs } from '../inputs/context.js'
import type { Preflight } from '../preflight/preflight.js'
import { runOneOff, type OneOffSpec } from './run.js'

type Steps = Pick<EngineOptions, 'beforeStart' | 'afterLive'>

export interface OneOffPlan {
  /** The steps the engine run of the release's `index`th service is given. */
  forMember(index: number): Steps
  /** The first service's engine run ended: services still waiting for a pre-deploy task it never ran stop waiting. */
  firstEnded(): void
}

/** `ecs-safe-deploy/<run id>-<attempt>`: which run started the task (RunTask's startedBy allows [A-Za-z0-9/_-]). */
function startedByOf(env: NodeJS.ProcessEnv): string {
  const id = `${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`.replace(/[^A-Za-z0-9_-]/g, '_')
  return `ecs-safe-deploy/${id}`.slice(0, 128)
}

function specOf(inputs: Inputs, first: Preflight, when: OneOffWhen, env: NodeJS.ProcessEnv): OneOffSpec | undefined {
  const oneOff = inputs.oneOff
  const given = when === 'pre-deploy' ? oneOff?.preDeploy : oneOff?.postDeploy
  if (!oneOff || !given) return undefined
  return {
    when,
    cluster: inputs.cluster,
    service: first.service,
    container: oneOff.container ?? first.containerName,
    command: given.command,
    commandText: given.text,
    environment: oneOff.environment,
    startedBy: startedByOf(env),
  }
}

export function planOneOffs(clients: Clients, inputs: Inputs, first: { name: string; checked: Preflight }, env: NodeJS.ProcessEnv = process.env): OneOffPlan {
  const pre = specOf(inputs, first.checked, 'pre-deploy', env)
  const post = specOf(inputs, first.checked, 'post-deploy', env)
  let settle: (task: OneOffTask) => void = () => undefined
  const shared = new Promise<OneOffTask>((resolve) => (settle = resolve))
  return {
    forMember(index) {
      const steps: Steps = {}
      if (pre && index === 0) {
        steps.beforeStart = async (step) => {
          const task = await runOneOff(clients, pre, step)
          settle(task)
          return task
        }
      } else if (pre) steps.beforeStart = () => shared
      if (post && index === 0) steps.afterLive = (step) => runOneOff(clients, post, step)
      return steps
    },
    firstEnded() {
      if (!pre) return
      const now = new Date()
      settle({
        when: 'pre-deploy',
        command: pre.commandText,
        container: pre.container,
        startedAt: now,
        finishedAt: now,
        end: 'not-started',
        problem: `service ${first.name} ended before its pre-deploy task ran`,
      })
    },
  }
}

/** Preflight's part of the one-off tasks (no AWS call: it reads what preflight found). */
export function checkOneOffs(inputs: Inputs, first: Preflight): string[] {
  const oneOff = inputs.oneOff
  if (!oneOff?.preDeploy && !oneOff?.postDeploy) return []
  const problems: string[] = []
  const names = (first.taskDefinition.containerDefinitions ?? []).map((c) => c.name ?? '')
  const container = oneOff.container ?? first.containerName
  if (!names.includes(container)) {
    problems.push(`Input \`pre-deploy-container\` is \`${container}\`: the task definition has no such container (it has ${names.join(', ')}).`)
  }
  if (first.taskDefinition.networkMode === 'awsvpc' && !first.service.networkConfiguration?.awsvpcConfiguration) {
    problems.push(
      `Service \`${first.service.serviceName}\` has no network configuration, and its task definition uses the awsvpc network mode: the one-off task would have no subnets to run in.`,
    )
  }
  return problems
}
