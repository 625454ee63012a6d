// What the handler table (fake-aws.ts) answers from: the world every unit test deploys into (service prod/web,
// task definition web:41 → web:42, alarm api-5xx), builders of SDK-shaped answers, and the scripted models of an ECS
// service under each deployment controller. A test file writes its script (what AWS says, look by look); how a
// script becomes answers lives here, once. See the rule at the top of fake-aws.ts.
import type { Deployment, Service, ServiceDeployment, ServiceEvent, Task } from '@aws-sdk/client-ecs'
import type { RollingFacts } from '../../src/core/facts.js'
import type { RollingPlan } from '../../src/engines/rolling/run.js'
import { awsError, type Handler } from './fake-aws.js'

// ── The world ────────────────────────────────────────────────────────────────────────────────────────────────────

export const TD = (rev: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${rev}`
export const SD_ARN = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/abcdefghijklmnopqrstu'
const TASK_ARN = (id: string) => `arn:aws:ecs:us-east-1:123456789012:task/prod/${id}`

/** The plan every engine's tests start from: service prod/web going from web:41 to a new revision of `repo/web:v2`. */
export function basePlan(clock: { now: () => number }, over: Partial<RollingPlan> = {}): RollingPlan {
  return {
    cluster: 'prod',
    service: 'web',
    taskDefinition: { family: 'web', containerDefinitions: [{ name: 'app', image: 'repo/web:v2', essential: true }] },
    previousTaskDefinitionArn: TD(41),
    alarms: ['api-5xx'],
    rollback: 'on-failure',
    bakeTimeMs: 0,
    deadline: clock.now() + 30 * 60_000,
    wait: true,
    ...over,
  }
}

// ── Builders: one SDK-shaped object each ─────────────────────────────────────────────────────────────────────────

/** A deployment of web:`rev`; counts are [running, desired, pending, failed]. */
export function dep(id: string, status: string, rev: number, rolloutState: string, [running, desired, pending = 0, failed = 0]: number[], reason?: string): Deployment {
  return {
    id,
    status,
    taskDefinition: TD(rev),
    rolloutState: rolloutState as Deployment['rolloutState'],
    rolloutStateReason: reason ?? `ECS deployment ${id} in progress.`,
    runningCount: running,
    desiredCount: desired,
    pendingCount: pending,
    failedTasks: failed,
    createdAt: new Date(Date.UTC(2026, 0, 1)),
  }
}

export function ev(id: string, secondsAfterStart: number, message: string): ServiceEvent {
  return { id, createdAt: new Date(Date.UTC(2026, 0, 1) + secondsAfterStart * 1000), message }
}

/** Service web with these deployments and events (given oldest first; ECS lists them newest first). */
export function svc(deployments: Deployment[], events: ServiceEvent[] = [], over: Partial<Service> = {}): Service {
  return { serviceName: 'web', status: 'ACTIVE', deployments, events: [...events].reverse(), ...over }
}

/** A STOPPED task of prod. */
export function stoppedTask(id: string, stopCode: string, stoppedReason: string, containers: { name: string; exitCode?: number }[]): Task {
  return { taskArn: TASK_ARN(id), lastStatus: 'STOPPED', stopCode: stopCode as Task['stopCode'], stoppedReason, containers }
}

/** A CloudWatch metric alarm as DescribeAlarms lists it. */
export const metricAlarm = (name: string, state: string, reason = `state ${state}`) => ({ AlarmName: name, StateValue: state, StateReason: reason })

// ── Handlers: one operation each ─────────────────────────────────────────────────────────────────────────────────

/** DescribeServices answers from a script, one entry per call, the last repeated. */
export function script(states: (Service | Error)[]): Handler {
  let i = 0
  return () => {
    const state = states[Math.min(i++, states.length - 1)]
    if (state instanceof Error) throw state
    return { services: [state], failures: [] }
  }
}

/** DescribeServiceDeployments: the asked-for service deployment, in `status` (read at each call when a function). */
export function serviceDeployments(status: string | (() => string), statusReason?: string): Handler {
  return (input: { serviceDeploymentArns: string[] }) => ({
    serviceDeployments: [{ serviceDeploymentArn: input.serviceDeploymentArns[0], status: typeof status === 'function' ? status() : status, statusReason }],
  })
}

/** ListTasks and DescribeTasks of these tasks (DescribeTasks answers the ones asked for). */
export function tasks(all: Task[]): Record<string, Handler> {
  return {
    ListTasks: () => ({ taskArns: all.map((t) => t.taskArn) }),
    DescribeTasks: (input: { tasks: string[] }) => ({ tasks: all.filter((t) => input.tasks.includes(t.taskArn!)) }),
  }
}

/** ListTasks: none. */
export const noTasks: Handler = () => ({ taskArns: [] })

/** RegisterTaskDefinition: the input registered as web:42. */
const registerTaskDefinition: Handler = (input: { family: string; containerDefinitions: unknown[] }) => ({
  taskDefinition: { taskDefinitionArn: TD(42), family: input.family, revision: 42, containerDefinitions: input.containerDefinitions },
})

// ── Models: an ECS service under each deployment controller ──────────────────────────────────────────────────────

/**
 * Rolling (controller ECS): each DescribeServices moves the PRIMARY deployment one task forward (of 2), unless its
 * revision is `stuck`; at 2/2 it is COMPLETED and the only one. UpdateService starts deployment ecs-svc/<n> (service
 * deployment SD_ARN<n>). DescribeAlarms says `alarm(n)` of api-5xx at its n-th call.
 */
export function rollingEcs(opts: { stuck?: number[]; alarm?: (n: number) => string } = {}): Record<string, Handler> {
  let seq = 0
  let deployments: Deployment[] = [dep('ecs-svc/0', 'PRIMARY', 41, 'COMPLETED', [2, 2])]
  const service = () => svc(structuredClone(deployments), [], { currentServiceDeployment: `${SD_ARN}${seq}` })
  let alarmLooks = 0
  return {
    RegisterTaskDefinition: registerTaskDefinition,
    UpdateService: (input: { taskDefinition: string }) => {
      const rev = Number(input.taskDefinition.split(':').pop())
      deployments = deployments.map((d) => ({ ...d, status: 'ACTIVE' }))
      deployments.unshift(dep(`ecs-svc/${++seq}`, 'PRIMARY', rev, 'IN_PROGRESS', [0, 2, 2]))
      return { service: service() }
    },
    DescribeServices: () => {
      const primary = deployments[0]
      const rev = Number(primary.taskDefinition?.split(':').pop())
      if (primary.rolloutState === 'IN_PROGRESS' && !opts.stuck?.includes(rev)) {
        primary.runningCount = Math.min(2, (primary.runningCount ?? 0) + 1)
        primary.pendingCount = 2 - primary.runningCount
        if (primary.runningCount === 2) {
          primary.rolloutState = 'COMPLETED'
          deployments = [primary]
        }
      }
      return { services: [service()], failures: [] }
    },
    DescribeServiceDeployments: serviceDeployments(() => (deployments[0].rolloutState === 'COMPLETED' ? 'SUCCESSFUL' : 'IN_PROGRESS')),
    ListTasks: noTasks,
    DescribeAlarms: () => ({ MetricAlarms: [metricAlarm('api-5xx', opts.alarm?.(++alarmLooks) ?? 'OK', 'Threshold Crossed: 5xx > 5')] }),
  }
}

/** One look at an ECS-native service deployment; `weight` and `test` are the traffic on the new revision. */
export type Look = Partial<ServiceDeployment> & { weight?: number; test?: number }

/**
 * ECS-native (blue/green, canary, linear on the ECS controller): each DescribeServiceDeployments answers the next look
 * of `looks` (the last repeated); StopServiceDeployment switches to `onStop`. DescribeServices shows green ecs-svc/2
 * (web:42), COMPLETED once the service deployment is SUCCESSFUL, and blue ecs-svc/1 (web:41) PRIMARY again after a
 * rollback.
 */
export function nativeEcs(looks: Look[], onStop: Look[] = [{ status: 'ROLLBACK_IN_PROGRESS' }, { status: 'ROLLBACK_SUCCESSFUL' }]) {
  let script = looks
  let i = 0
  let current: Look = {}
  const sd = (look: Look): ServiceDeployment => {
    const { weight, test, ...rest } = look
    return {
      serviceDeploymentArn: SD_ARN,
      status: 'IN_PROGRESS',
      targetServiceRevision: {
        arn: 'rev-2',
        requestedTaskCount: 2,
        runningTaskCount: 2,
        pendingTaskCount: 0,
        requestedProductionTrafficWeight: weight,
        requestedTestTrafficWeight: test,
      },
      ...rest,
    }
  }
  const service = (): Service => {
    const done = current.status === 'SUCCESSFUL'
    const rolledBack = /^ROLLBACK_/.test(current.status ?? '')
    const green = dep('ecs-svc/2', rolledBack ? 'ACTIVE' : 'PRIMARY', 42, done ? 'COMPLETED' : rolledBack ? 'FAILED' : 'IN_PROGRESS', [2, 2])
    const blue = dep('ecs-svc/1', rolledBack ? 'PRIMARY' : 'ACTIVE', 41, 'COMPLETED', [2, 2])
    return svc(rolledBack ? [blue, green] : done ? [green] : [green, blue], [], { currentServiceDeployment: SD_ARN })
  }
  return {
    RegisterTaskDefinition: registerTaskDefinition,
    UpdateService: () => ({ service: service() }),
    DescribeServiceDeployments: () => {
      current = script[Math.min(i++, script.length - 1)]
      return { serviceDeployments: [sd(current)], failures: [] }
    },
    DescribeServices: () => ({ services: [service()], failures: [] }),
    StopServiceDeployment: () => {
      script = onStop
      i = 0
      return { serviceDeploymentArn: SD_ARN }
    },
  }
}

export const CD_DEPLOYMENT = 'd-AAAAAAAAA'
export const CD_ROLLBACK = 'd-RRRRRRRRR'
const CD_EVENTS = ['BeforeInstall', 'Install', 'AfterInstall', 'AllowTestTraffic', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic']

/** One look at a CodeDeploy deployment: its status, lifecycle events up to `at` done, the one at `at` in `eventStatus`. */
export interface Snap {
  status: string
  at?: string
  eventStatus?: string
  weight?: number
  running?: number
  diagnostics?: { errorCode: string; message: string; logTail?: string }
  error?: { code: string; message: string }
  rollback?: string
}

/** The ECS target of deployment CD_DEPLOYMENT at `s`: blue and green task sets, traffic `weight` on green. */
function cdTarget(s: Snap) {
  const upTo = s.at ? CD_EVENTS.indexOf(s.at) : CD_EVENTS.length
  return {
    deploymentId: CD_DEPLOYMENT,
    targetId: 'prod:web',
    status: s.status === 'Stopped' ? 'Failed' : s.status,
    lifecycleEvents: CD_EVENTS.map((name, i) => ({
      lifecycleEventName: name,
      status: i < upTo ? 'Succeeded' : i === upTo ? (s.eventStatus ?? 'InProgress') : s.status === 'InProgress' ? 'Pending' : 'Skipped',
      ...(i === upTo && s.diagnostics ? { diagnostics: { scriptName: 'x', ...s.diagnostics } } : {}),
    })),
    taskSetsInfo: [
      { identifer: 'ecs-svc/blue', taskSetLabel: 'Blue', trafficWeight: 100 - (s.weight ?? 0), desiredCount: 2, runningCount: 2, pendingCount: 0 },
      { identifer: 'ecs-svc/green', taskSetLabel: 'Green', trafficWeight: s.weight ?? 0, desiredCount: 2, runningCount: s.running ?? 2, pendingCount: 2 - (s.running ?? 2) },
    ],
  }
}

/**
 * CODE_DEPLOY controller: deployment CD_DEPLOYMENT moves one snap forward per BatchGetDeploymentTargets (the last
 * repeated); its rollback CD_ROLLBACK goes through `rollback` states. `configExists`: GetDeploymentConfig finds the
 * configuration; `createConfigRace`: CreateDeploymentConfig finds it created meanwhile; `stop`: api-5xx is in ALARM
 * and StopDeployment succeeds (ok) or finds the deployment already ended (completed) in `stopTo`.
 */
export function codeDeployEcs(snaps: Snap[], opts: { configExists?: boolean; createConfigRace?: boolean; rollback?: string[]; stop?: 'ok' | 'completed'; stopTo?: Snap } = {}) {
  let i = -1
  let stopped: Snap | undefined
  let rollbackLooks = 0
  let started = false
  const snap = (): Snap => stopped ?? snaps[Math.max(0, Math.min(i, snaps.length - 1))]
  const info = (s: Snap) => ({
    deploymentId: CD_DEPLOYMENT,
    status: s.status,
    ...(s.error ? { errorInformation: s.error } : {}),
    ...(s.rollback ? { rollbackInfo: { rollbackDeploymentId: s.rollback, rollbackMessage: `automatic rollback deployment ${s.rollback} was started.` } } : {}),
  })
  const rollbackStates = opts.rollback ?? ['InProgress', 'Succeeded']
  return {
    RegisterTaskDefinition: registerTaskDefinition,
    GetDeploymentConfig: () => {
      if (opts.configExists) return { deploymentConfigInfo: { deploymentConfigName: 'x', computePlatform: 'ECS' } }
      throw awsError('DeploymentConfigDoesNotExistException')
    },
    CreateDeploymentConfig: () => {
      if (opts.createConfigRace) throw awsError('DeploymentConfigAlreadyExistsException')
      return { deploymentConfigId: 'cfg' }
    },
    ListDeployments: () => ({ deployments: [] }),
    CreateDeployment: () => ({ deploymentId: CD_DEPLOYMENT }),
    GetDeployment: (input: { deploymentId: string }) => {
      if (input.deploymentId === CD_DEPLOYMENT) return { deploymentInfo: info(snap()) }
      const status = rollbackStates[Math.min(rollbackLooks++, rollbackStates.length - 1)]
      return { deploymentInfo: { deploymentId: input.deploymentId, status } }
    },
    ListDeploymentTargets: () => {
      if (!started) {
        started = true
        throw awsError('DeploymentNotStartedException')
      }
      return { targetIds: ['prod:web'] }
    },
    BatchGetDeploymentTargets: (input: { deploymentId: string }) => {
      if (input.deploymentId !== CD_DEPLOYMENT) {
        const status = rollbackStates[Math.min(rollbackLooks, rollbackStates.length - 1)]
        return {
          deploymentTargets: [
            {
              deploymentTargetType: 'ECSTarget',
              ecsTarget: {
                ...cdTarget({ status, at: status === 'Succeeded' ? undefined : 'AllowTraffic', weight: status === 'Succeeded' ? 0 : 100 }),
                deploymentId: input.deploymentId,
              },
            },
          ],
        }
      }
      if (!stopped) i++
      return { deploymentTargets: [{ deploymentTargetType: 'ECSTarget', ecsTarget: cdTarget(snap()) }] }
    },
    StopDeployment: () => {
      if (opts.stop === 'completed') {
        stopped = opts.stopTo
        throw awsError('DeploymentAlreadyCompletedException')
      }
      stopped = opts.stopTo ?? {
        status: 'Stopped',
        weight: 100,
        error: { code: 'MANUAL_STOP', message: 'The deployment was stopped by a StopDeployment request.' },
        rollback: CD_ROLLBACK,
      }
      return { status: 'Succeeded' }
    },
    DescribeAlarms: () => ({ MetricAlarms: [metricAlarm('api-5xx', opts.stop ? 'ALARM' : 'OK', 'Threshold Crossed')] }),
  }
}

/** A rolling run's facts as a unit test starts them: `prod/web`, waited for, nothing observed yet; `over` adds the rest. */
export function rollingFacts(over: Partial<RollingFacts> = {}): RollingFacts {
  return {
    kind: 'rolling',
    engine: 'rolling update',
    cluster: 'prod',
    service: 'web',
    alarms: [],
    rollbackPolicy: 'on-failure',
    startedAt: new Date(0),
    waited: true,
    timedOut: false,
    stoppedTasks: [],
    throttled: 0,
    ...over,
  }
}
