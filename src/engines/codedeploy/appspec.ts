// The AppSpec CodeDeploy deploys an ECS service with: built from the service (container and port from its load
// balancer, network configuration, capacity provider strategy, platform version) or read from the user's file, then
// the new task definition and the `codedeploy-hooks` Lambdas are put in. Sent as JSON (`AppSpecContent`).
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { RegisterTaskDefinitionCommandInput, Service } from '@aws-sdk/client-ecs'
import { parse } from 'yaml'
import { locate } from '../../core/problem-location.js'
import { APPSPEC_HOOKS } from '../../inputs/context.js'

export type AppSpecHook = (typeof APPSPEC_HOOKS)[number]

export interface AppSpecProperties {
  TaskDefinition: string
  LoadBalancerInfo: { ContainerName: string; ContainerPort: number }
  PlatformVersion?: string
  NetworkConfiguration?: { AwsvpcConfiguration: { Subnets: string[]; SecurityGroups?: string[]; AssignPublicIp?: string } }
  CapacityProviderStrategy?: { CapacityProvider: string; Weight?: number; Base?: number }[]
}

export interface AppSpec {
  version: string | number
  Resources: { TargetService: { Type: 'AWS::ECS::Service'; Properties: AppSpecProperties } }[]
  Hooks?: Partial<Record<AppSpecHook, string>>[]
}

/** Every problem of an AppSpec (file unreadable, not YAML/JSON, members missing or of the wrong type). */
export class AppSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
    this.name = 'AppSpecError'
  }
}

/** Stands in for the task definition until it is registered. */
const TASK_DEFINITION_PLACEHOLDER = '<TASK_DEFINITION>'

/** The AppSpec for `service` as it runs now; a problem sentence when it has no load balancer to shift traffic on. */
export function appSpecFromService(service: Service): AppSpec | { problem: string } {
  const name = service.serviceName ?? '?'
  const lb = (service.loadBalancers ?? []).find((l) => l.containerName && l.containerPort !== undefined)
  if (!lb?.containerName || lb.containerPort === undefined) {
    return {
      problem: `Service \`${name}\` has no load balancer with a container name and port, which CodeDeploy needs to shift traffic: give an AppSpec file (input \`appspec\`) or recreate the service with a load balancer.`,
    }
  }
  const properties: AppSpecProperties = {
    TaskDefinition: TASK_DEFINITION_PLACEHOLDER,
    LoadBalancerInfo: { ContainerName: lb.containerName, ContainerPort: lb.containerPort },
  }
  if (service.platformVersion) properties.PlatformVersion = service.platformVersion
  const vpc = service.networkConfiguration?.awsvpcConfiguration
  if (vpc?.subnets) {
    properties.NetworkConfiguration = {
      AwsvpcConfiguration: {
        Subnets: vpc.subnets,
        ...(vpc.securityGroups?.length ? { SecurityGroups: vpc.securityGroups } : {}),
        ...(vpc.assignPublicIp ? { AssignPublicIp: vpc.assignPublicIp } : {}),
      },
    }
  }
  if (service.capacityProviderStrategy?.length) {
    properties.CapacityProviderStrategy = service.capacityProviderStrategy.map((s) => ({
      CapacityProvider: s.capacityProvider ?? '',
      ...(s.weight !== undefined ? { Weight: s.weight } : {}),
      ...(s.base !== undefined ? { Base: s.base } : {}),
    }))
  }
  return { version: 0.0, Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: properties } }] }
}

/** Parses and checks an AppSpec (YAML or JSON); `where` names it in problems. */
export function parseAppSpec(text: string, where: string): AppSpec {
  let doc: unknown
  try {
    doc = parse(text)
  } catch (error) {
    throw new AppSpecError([`${where} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`])
  }
  const problems: string[] = []
  const bad = (what: string) => problems.push(`${where}: ${what}.`)
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!obj(doc)) throw new AppSpecError([`${where}: expected an AppSpec (version, Resources, Hooks), got ${doc === null ? 'an empty file' : typeof doc}.`])
  if (doc.version === undefined) bad('`version` is missing (use 0.0)')
  const resources = doc.Resources
  if (!Array.isArray(resources) || resources.length !== 1 || !obj(resources[0]) || !obj(resources[0].TargetService)) {
    bad('`Resources` must hold exactly one `TargetService` (Type AWS::ECS::Service)')
  } else {
    const target = resources[0].TargetService as Record<string, unknown>
    if (target.Type !== 'AWS::ECS::Service') bad(`TargetService.Type is \`${String(target.Type)}\`: expected AWS::ECS::Service`)
    const props = target.Properties
    if (!obj(props)) bad('TargetService.Properties is missing')
    else {
      const lb = props.LoadBalancerInfo
      if (!obj(lb) || typeof lb.ContainerName !== 'string' || lb.ContainerName === '') bad('TargetService.Properties.LoadBalancerInfo.ContainerName is missing')
      if (!obj(lb) || typeof lb.ContainerPort !== 'number' || !Number.isInteger(lb.ContainerPort))
        bad('TargetService.Properties.LoadBalancerInfo.ContainerPort must be a port number')
    }
  }
  if (doc.Hooks !== undefined && doc.Hooks !== null) {
    if (!Array.isArray(doc.Hooks)) bad('`Hooks` must be a list of `HOOK: FUNCTION` entries')
    else {
      for (const entry of doc.Hooks) {
        const pairs = obj(entry) ? Object.entries(entry) : []
        if (pairs.length === 0) bad(`hook entry ${JSON.stringify(entry)} must be \`HOOK: FUNCTION\``)
        for (const [hook, fn] of pairs) {
          if (!(APPSPEC_HOOKS as readonly string[]).includes(hook)) bad(`hook \`${hook}\` is not one of ${APPSPEC_HOOKS.join(', ')}`)
          else if (typeof fn !== 'string' || fn === '') bad(`hook \`${hook}\` must name a Lambda function`)
        }
      }
    }
  }
  if (problems.length > 0) throw new AppSpecError(problems)
  return doc as unknown as AppSpec
}

export async function readAppSpecFile(path: string): Promise<AppSpec> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new AppSpecError([locate(`AppSpec file \`${path}\` cannot be read: ${(error as Error).message}.`, { file: path })])
  }
  try {
    return parseAppSpec(text, `AppSpec file \`${path}\``)
  } catch (error) {
    // Annotated on the file (and, for a syntax error, the line the parser stopped at).
    if (!(error instanceof AppSpecError)) throw error
    const line = error.problems.length === 1 ? /line (\d+)/.exec(error.problems[0])?.[1] : undefined
    throw new AppSpecError(error.problems.map((p) => locate(p, { file: path, ...(line ? { line: Number(line) } : {}) })))
  }
}

/** Problems with the AppSpec against the task definition to deploy: its container and port must be there. */
export function checkAgainstTaskDefinition(spec: AppSpec, taskDefinition: RegisterTaskDefinitionCommandInput): string[] {
  const { ContainerName: name, ContainerPort: port } = spec.Resources[0].TargetService.Properties.LoadBalancerInfo
  const container = taskDefinition.containerDefinitions?.find((c) => c.name === name)
  const family = taskDefinition.family ?? 'the task definition'
  if (!container)
    return [
      `The AppSpec routes traffic to container \`${name}\`, which task definition ${family} does not have (it has ${(taskDefinition.containerDefinitions ?? []).map((c) => `\`${c.name}\``).join(', ') || 'no containers'}).`,
    ]
  if (!(container.portMappings ?? []).some((p) => p.containerPort === port)) {
    return [`The AppSpec routes traffic to port ${port} of container \`${name}\`, which has no port mapping for it in task definition ${family}.`]
  }
  return []
}

/** The hooks of `spec` with `hooks` (input `codedeploy-hooks`) over them, in the order CodeDeploy runs them. */
export function hooksOf(spec: AppSpec, hooks: Record<string, string> = {}): Partial<Record<AppSpecHook, string>> {
  const merged: Partial<Record<AppSpecHook, string>> = {}
  for (const entry of spec.Hooks ?? []) Object.assign(merged, entry)
  Object.assign(merged, hooks)
  return Object.fromEntries(APPSPEC_HOOKS.flatMap((h) => (merged[h] ? [[h, merged[h]]] : [])))
}

/** The AppSpec to send: `spec` with the registered task definition and the hooks. */
export function renderAppSpec(spec: AppSpec, taskDefinitionArn: string, hooks: Record<string, string> = {}): AppSpec {
  const target = spec.Resources[0].TargetService
  const merged = hooksOf(spec, hooks)
  const rendered: AppSpec = {
    ...spec,
    Resources: [{ TargetService: { ...target, Properties: { ...target.Properties, TaskDefinition: taskDefinitionArn } } }],
  }
  if (Object.keys(merged).length > 0) rendered.Hooks = Object.entries(merged).map(([h, fn]) => ({ [h]: fn }))
  else delete rendered.Hooks
  return rendered
}

/** CreateDeployment's `revision.appSpecContent`. */
export function appSpecContent(spec: AppSpec): { content: string; sha256: string } {
  // AWS's examples write `"version": 0.0`; JSON.stringify would shorten it to 0.
  const content = JSON.stringify(spec).replace(/^\{"version":0,/, '{"version":0.0,')
  return { content, sha256: createHash('sha256').update(content).digest('hex') }
}
