// What the main step leaves for the post step (`runs.post` runs the same dist/index.js). The runner hands state
// saved with core.saveState to the post step as STATE_<name>; the main step never sees its own saved state, so a
// flag saved at the start of main tells index.ts which half it is (docker/build-push-action does the same).
import * as core from '@actions/core'
import { saveState } from './report/guard.js'

const POST_FLAG = 'isPost'
const ECR_LOGIN = 'ecrLogin'

/** What the post step needs to log out and remove the temporary docker config. Holds no secret. */
export interface EcrLoginState {
  /** Registry hosts logged in to. */
  registries: string[]
  /** The temporary DOCKER_CONFIG directory (holds the login until the post step removes it). */
  dockerConfigDir: string
}

/** True in the post step. */
export function isPostStep(): boolean {
  return core.getState(POST_FLAG) === 'true'
}

/** Called first thing in the main step, so that the post step knows it is the post step. */
export function markMainStep(): void {
  saveState(POST_FLAG, 'true')
}

export function saveEcrLogin(state: EcrLoginState): void {
  saveState(ECR_LOGIN, JSON.stringify(state))
}

/** A JSON state the main step saved, when it is there and `check` accepts it; undefined otherwise. */
function savedJson<T>(name: string, check: (value: Partial<T>) => T | undefined): T | undefined {
  const raw = core.getState(name)
  if (!raw) return undefined
  try {
    return check(JSON.parse(raw) as Partial<T>)
  } catch {
    return undefined
  }
}

/** The login the main step saved; undefined when it did not log in (or its state is unreadable). */
export function savedEcrLogin(): EcrLoginState | undefined {
  return savedJson<EcrLoginState>(ECR_LOGIN, (value) =>
    typeof value.dockerConfigDir !== 'string' || !Array.isArray(value.registries)
      ? undefined
      : { dockerConfigDir: value.dockerConfigDir, registries: value.registries.filter((r): r is string => typeof r === 'string') },
  )
}

const IN_FLIGHT = 'inFlight'

/** What was in flight when the job was cancelled: the post step looks at it once and reports (or rolls it back). */
export interface InFlight {
  engine: 'rolling' | 'ecs-native' | 'codedeploy'
  cluster: string
  service: string
  /** ECS's `ecs-svc/…` or CodeDeploy's `d-…`; absent when the deployment had not started. */
  deploymentId?: string
  serviceDeploymentArn?: string
  taskDefinitionArn?: string
  previousTaskDefinitionArn: string
  /** The phase the run was in (`watch`, `bake`, …). */
  phase: string
  onCancel: 'leave' | 'rollback'
  /** A one-off task (`pre-deploy-command`, `post-deploy-command`) still running: the post step stops it. */
  oneOffTaskArn?: string
  /** ISO time of the cancel. */
  cancelledAt: string
  /** The alarms the run watched (its bake's): the post step reads them once. */
  alarms?: string[]
}

/** One service, or each service of a release. */
export function saveInFlight(state: InFlight | InFlight[]): void {
  saveState(IN_FLIGHT, JSON.stringify(state))
}

const isInFlight = (value: Partial<InFlight>): value is InFlight =>
  typeof value === 'object' && value !== null && typeof value.cluster === 'string' && typeof value.service === 'string' && typeof value.phase === 'string'

/** What the main step saved: one service, or each service of a release; empty when nothing was in flight. */
export function savedInFlight(): InFlight[] {
  return (
    savedJson<InFlight[]>(IN_FLIGHT, (value) =>
      Array.isArray(value) ? (value as Partial<InFlight>[]).filter(isInFlight) : isInFlight(value as Partial<InFlight>) ? [value as InFlight] : undefined,
    ) ?? []
  )
}
