import { Hooks } from '../../sandbox/hooks.js'
// In-test stand-ins for the sandbox parts ECS depends on (ECR, behaviours, CloudWatch alarms, Logs,
// transitions) and a manual clock, so the ECS service can be driven step by step without a server.
import { createEcsService } from '../../sandbox/ecs/index.js'
import { handleChecked } from '../../sandbox/model/index.js'
import type { AlarmView, AwsService, Behavior, JsonObject, Transition } from '../../sandbox/types.js'
import { AwsError } from '../../sandbox/types.js'

export const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

export function fakeImages() {
  const images = new Map<string, string>()
  return {
    images,
    /** Make `repo:tag` exist in the fake sandbox ECR. */
    push(repoTag: string): string {
      const digest = `sha256:${Buffer.from(repoTag).toString('hex').padEnd(64, '0').slice(0, 64)}`
      images.set(`${ECR_HOST}/${repoTag}`, digest)
      return digest
    },
    isSandboxEcr: (image: string) => image.startsWith(`${ECR_HOST}/`),
    resolve(image: string): string | undefined {
      if (image.startsWith(`${ECR_HOST}/`)) return images.get(image)
      return `sha256:${Buffer.from(image).toString('hex').padEnd(64, 'f').slice(0, 64)}`
    },
  }
}

export function fakeBehaviors() {
  const byImage = new Map<string, Behavior>()
  return {
    byImage,
    set: (image: string, b: Behavior) => void byImage.set(image, b),
    behaviorFor: (image: string): Behavior => byImage.get(image) ?? { kind: 'healthy' },
  }
}

export function fakeAlarms(clock: { now(): number }) {
  const alarms = new Map<string, AlarmView>()
  return {
    alarms,
    define(name: string, periodSeconds = 60, evaluationPeriods = 1): void {
      alarms.set(name, {
        name,
        arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
        state: 'OK',
        stateReason: 'Threshold Crossed',
        stateUpdatedAt: clock.now(),
        periodSeconds,
        evaluationPeriods,
      })
    },
    setState(name: string, state: AlarmView['state']): void {
      const a = alarms.get(name)!
      alarms.set(name, { ...a, state, stateUpdatedAt: clock.now() })
    },
    get: (name: string) => alarms.get(name),
  }
}

export function fakeLogs() {
  const groups = new Map<string, Map<string, { timestamp: number; message: string }[]>>()
  return {
    groups,
    createGroup: (g: string) => void groups.set(g, new Map()),
    groupExists: (g: string) => groups.has(g),
    put(group: string, stream: string, events: { timestamp: number; message: string }[], createGroup?: boolean): void {
      if (!groups.has(group)) {
        if (!createGroup) throw new Error(`log group ${group} does not exist`)
        groups.set(group, new Map())
      }
      const g = groups.get(group)!
      g.set(stream, [...(g.get(stream) ?? []), ...events])
    },
  }
}

export const T0 = Date.UTC(2026, 0, 1)

/** The ECS service over the fakes, a manual clock, and helpers to call it and step time. */
export function ecsHarness() {
  const clock = { t: T0, now: () => clock.t }
  const images = fakeImages()
  const behaviors = fakeBehaviors()
  const hooks = new Hooks()
  const alarms = fakeAlarms(clock)
  const logs = fakeLogs()
  const transitions: Omit<Transition, 'wallMs'>[] = []
  const ecs: AwsService = createEcsService({
    clock,
    account: { region: 'us-east-1', accountId: '123456789012' },
    images,
    behaviors,
    hooks,
    alarms,
    logs,
    transitions: { record: (t) => void transitions.push({ ...t, simMs: clock.t }) },
  })
  // Through the model checks the server applies: requests validated, answers checked against the output shapes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = (op: string, input: JsonObject = {}): any => handleChecked(ecs, op, input, true)
  /** The AwsError a call throws (fails the test when it succeeds or throws something else). */
  const callError = (op: string, input: JsonObject): AwsError => {
    try {
      handleChecked(ecs, op, input, true)
    } catch (e) {
      if (e instanceof AwsError) return e
      throw e
    }
    throw new Error(`${op} succeeded; an error was expected`)
  }
  /** Step simulated time by `seconds`, 1 s at a time; `each` runs after every step. */
  const advance = (seconds: number, each?: () => void): void => {
    for (let i = 0; i < seconds; i++) {
      clock.t += 1000
      ecs.advanceTo!(clock.t)
      each?.()
    }
  }
  /** Step until `done()` holds (at most `limit` s); returns the simulated seconds it took. */
  const advanceUntil = (done: () => boolean, limit = 600, each?: () => void): number => {
    for (let i = 1; i <= limit; i++) {
      advance(1, each)
      if (done()) return i
    }
    throw new Error(`condition not reached within ${limit} simulated seconds`)
  }
  return { ecs, clock, images, behaviors, hooks, alarms, logs, transitions, call, callError, advance, advanceUntil }
}

export type EcsHarness = ReturnType<typeof ecsHarness>

/** A cluster `prod` and a Fargate task definition family `web` whose image is `web:<tag>` in the sandbox ECR. */
export function registerWeb(h: EcsHarness, tag: string, extra: JsonObject = {}, container: JsonObject = {}): string {
  const res = h.call('RegisterTaskDefinition', {
    family: 'web',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
    containerDefinitions: [{ name: 'app', image: `${ECR_HOST}/web:${tag}`, portMappings: [{ containerPort: 8080 }], ...container }],
    ...extra,
  })
  return res.taskDefinition.taskDefinitionArn
}

export const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } }

/** `prod/web` running `web:v1` at `desired` tasks, its first deployment COMPLETED. */
export function steadyService(h: EcsHarness, desired: number, deploymentConfiguration: JsonObject = {}, serviceExtra: JsonObject = {}) {
  h.images.push('web:v1')
  h.call('CreateCluster', { clusterName: 'prod' })
  const td = registerWeb(h, 'v1')
  h.call('CreateService', {
    cluster: 'prod',
    serviceName: 'web',
    taskDefinition: td,
    desiredCount: desired,
    launchType: 'FARGATE',
    networkConfiguration: NETWORK,
    deploymentConfiguration,
    ...serviceExtra,
  })
  h.advanceUntil(() => service(h).deployments[0].rolloutState === 'COMPLETED')
  return td
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function service(h: EcsHarness, name = 'web'): any {
  return h.call('DescribeServices', { cluster: 'prod', services: [name] }).services[0]
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function tasksOf(h: EcsHarness, desiredStatus: 'RUNNING' | 'STOPPED' = 'RUNNING'): any[] {
  const arns = h.call('ListTasks', { cluster: 'prod', serviceName: 'web', desiredStatus }).taskArns as string[]
  return arns.length === 0 ? [] : h.call('DescribeTasks', { cluster: 'prod', tasks: arns }).tasks
}

export function messages(h: EcsHarness): string[] {
  return (service(h).events as { message: string }[]).map((e) => e.message)
}
