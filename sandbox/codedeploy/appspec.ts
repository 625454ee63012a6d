// The ECS AppSpec of a CreateDeployment revision (YAML or JSON): what CodeDeploy checks before it accepts it.
import { createHash } from 'node:crypto'
import { parse as parseYaml } from 'yaml'
import type { JsonObject } from '../types.js'
import { type AppSpec, HOOKABLE, type LifecycleEventName, type Ctx } from './state.js'
import { cdError } from './validate.js'

const invalid = (message: string) => cdError('InvalidRevisionException', message)

/** revision {revisionType: AppSpecContent, appSpecContent {content, sha256?}} → the AppSpec and the revision as GetDeployment shows it. */
export function parseRevision(ctx: Ctx, revision: JsonObject | undefined): { appSpec: AppSpec; revision: JsonObject } {
  if (!revision) throw cdError('RevisionRequiredException', 'A revision is required for an ECS deployment.')
  if (revision.revisionType !== 'AppSpecContent') {
    throw invalid(`The sandbox takes ECS revisions as revisionType AppSpecContent (got ${String(revision.revisionType)}).`)
  }
  const content = (revision.appSpecContent as JsonObject | undefined)?.content
  if (typeof content !== 'string' || content.trim() === '') throw invalid('appSpecContent.content is required.')
  const sha256 = createHash('sha256').update(content).digest('hex')
  const given = (revision.appSpecContent as JsonObject).sha256
  if (given !== undefined && given !== sha256) throw invalid('The sha256 of appSpecContent does not match its content.')
  return { appSpec: checkAppSpec(ctx, content), revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256 } } }
}

function checkAppSpec(ctx: Ctx, content: string): AppSpec {
  let doc: unknown
  try {
    doc = parseYaml(content)
  } catch (e) {
    throw invalid(`The AppSpec file is not valid YAML or JSON: ${(e as Error).message}`)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('The AppSpec file must be a YAML or JSON object.')
  const spec = doc as JsonObject
  const resources = spec.Resources
  if (!Array.isArray(resources) || resources.length !== 1) throw invalid('The AppSpec file must have exactly one resource in Resources for an ECS deployment.')
  const entry = resources[0] as JsonObject
  const target = (entry?.TargetService ?? Object.values(entry ?? {})[0]) as JsonObject | undefined
  if (!target || target.Type !== 'AWS::ECS::Service') throw invalid('The AppSpec resource must be of Type AWS::ECS::Service.')
  const props = (target.Properties ?? {}) as JsonObject
  const tdRef = props.TaskDefinition
  if (typeof tdRef !== 'string' || tdRef === '') throw invalid('The AppSpec resource needs Properties.TaskDefinition.')
  const td = ctx.deps.ecs.taskDefinition(tdRef)
  if (!td) throw invalid(`The task definition ${tdRef} in the AppSpec file does not exist.`)
  if (!td.active) throw invalid(`The task definition ${td.arn} in the AppSpec file is INACTIVE.`)
  const lb = (props.LoadBalancerInfo ?? {}) as JsonObject
  const containerName = lb.ContainerName
  const containerPort = typeof lb.ContainerPort === 'string' ? Number(lb.ContainerPort) : lb.ContainerPort
  if (typeof containerName !== 'string' || typeof containerPort !== 'number' || !Number.isInteger(containerPort)) {
    throw invalid('The AppSpec resource needs Properties.LoadBalancerInfo with ContainerName and ContainerPort.')
  }
  const container = td.containers.find((c) => c.name === containerName)
  if (!container) throw invalid(`The container name ${containerName} in the AppSpec file does not match a container in the task definition ${td.arn}.`)
  if (!container.ports.includes(containerPort)) {
    throw invalid(`The container port ${containerPort} in the AppSpec file does not match a port mapping of container ${containerName} in the task definition ${td.arn}.`)
  }
  return {
    taskDefinition: td.arn,
    containerName,
    containerPort,
    ...(typeof props.PlatformVersion === 'string' ? { platformVersion: props.PlatformVersion } : {}),
    ...(props.NetworkConfiguration ? { networkConfiguration: networkConfiguration(props.NetworkConfiguration as JsonObject) } : {}),
    ...(Array.isArray(props.CapacityProviderStrategy) ? { capacityProviderStrategy: (props.CapacityProviderStrategy as JsonObject[]).map(capacityProvider) } : {}),
    hooks: parseHooks(spec.Hooks),
  }
}

/** AppSpec members are PascalCase; ECS's are camelCase. */
function networkConfiguration(nc: JsonObject): JsonObject {
  const vpc = (nc.AwsvpcConfiguration ?? nc.awsvpcConfiguration) as JsonObject | undefined
  if (!vpc) throw invalid('NetworkConfiguration needs AwsvpcConfiguration.')
  return {
    awsvpcConfiguration: {
      subnets: vpc.Subnets ?? vpc.subnets ?? [],
      securityGroups: vpc.SecurityGroups ?? vpc.securityGroups ?? [],
      assignPublicIp: vpc.AssignPublicIp ?? vpc.assignPublicIp ?? 'DISABLED',
    },
  }
}

function capacityProvider(p: JsonObject): JsonObject {
  return { capacityProvider: p.CapacityProvider, weight: p.Weight ?? 0, base: p.Base ?? 0 }
}

function parseHooks(raw: unknown): AppSpec['hooks'] {
  if (raw === undefined || raw === null) return {}
  if (!Array.isArray(raw)) throw invalid('Hooks in the AppSpec file must be a list of {<LifecycleEvent>: <Lambda function>}.')
  const hooks: AppSpec['hooks'] = {}
  for (const entry of raw as JsonObject[]) {
    for (const [event, fn] of Object.entries(entry ?? {})) {
      if (!HOOKABLE.includes(event as LifecycleEventName)) {
        throw invalid(`The lifecycle event ${event} in the AppSpec file cannot have a hook; ECS hooks are ${HOOKABLE.join(', ')}.`)
      }
      if (typeof fn !== 'string' || fn === '') throw invalid(`The hook for ${event} must name a Lambda function.`)
      hooks[event as LifecycleEventName] = fn
    }
  }
  return hooks
}
