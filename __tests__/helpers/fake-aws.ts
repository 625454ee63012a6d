import type { RollingPlan } from '../../src/deploy-rolling.js'
// A fake of the SDK clients: every command goes to a handler named after the operation, and every call is
// recorded. Plus a virtual clock, so pacing can be asserted without real waiting.
import type { Deployment, Service, ServiceEvent } from '@aws-sdk/client-ecs'
import type { Clients } from '../../src/aws-clients.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (input: any) => unknown

export interface Call {
  op: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  input: any
  at: number
}

export function fakeClock(start = Date.UTC(2026, 0, 1)) {
  const clock = {
    t: start,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms)
      clock.t += ms
    },
  }
  return clock
}

export function fakeAws(handlers: Record<string, Handler>, clock?: { now: () => number }) {
  const calls: Call[] = []
  const send = async (command: { constructor: { name: string }; input: unknown }) => {
    const op = command.constructor.name.replace(/Command$/, '')
    calls.push({ op, input: command.input, at: clock?.now() ?? 0 })
    const handler = handlers[op]
    if (!handler) throw new Error(`fake AWS: unexpected ${op}`)
    return handler(command.input)
  }
  const client = { send }
  const clients = { ecs: client, ecr: client, cloudwatch: client, logs: client, codedeploy: client } as unknown as Clients
  return { clients, calls, count: (op: string) => calls.filter((c) => c.op === op).length }
}

export function throttling(): Error {
  const error = new Error('Rate exceeded')
  error.name = 'ThrottlingException'
  Object.assign(error, { $metadata: { httpStatusCode: 400 } })
  return error
}

export const TD = (rev: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${rev}`

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
export const SD_ARN = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/abcdefghijklmnopqrstu'

export function dep(
  id: string,
  status: string,
  rev: number,
  rolloutState: string,
  [running, desired, pending = 0, failed = 0]: number[],
  reason?: string,
): Deployment {
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

export function svc(deployments: Deployment[], events: ServiceEvent[] = []): Service {
  return { serviceName: 'web', status: 'ACTIVE', deployments, events: [...events].reverse() }
}

/** DescribeServices answers from a script, one entry per call, the last repeated. */
export function script(states: (Service | Error)[]): Handler {
  let i = 0
  return () => {
    const state = states[Math.min(i++, states.length - 1)]
    if (state instanceof Error) throw state
    return { services: [state], failures: [] }
  }
}
