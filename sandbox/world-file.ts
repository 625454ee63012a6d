import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { checkBehavior } from './behaviors.js'
import { checkState, type AlarmState } from './cloudwatch.js'
import { generatedManifest } from './ecr.js'
import { checkHookRule } from './hooks.js'
import { handleChecked } from './model/index.js'
import { AwsError, type Behavior, type EcrSettings, type HookRule, type JsonObject, type ServiceName } from './types.js'
import type { World } from './world.js'

/** A world to start from. Each list holds inputs of the named API operation, so a world file cannot drift from the API. */
export interface WorldSpec {
  region?: string
  accountId?: string
  /** Where "sandbox ECR" is and its docker login (see EcrSettings). */
  ecr?: EcrSettings
  /** CreateCluster inputs. */
  clusters?: JsonObject[]
  /** RegisterTaskDefinition inputs. */
  taskDefinitions?: JsonObject[]
  /** CreateService inputs (including `cluster`). */
  services?: JsonObject[]
  /** CreateRepository inputs. */
  repositories?: JsonObject[]
  /** Pushed with PutImage and a generated manifest; `imageDigest` pins the digest. */
  images?: { repositoryName: string; imageTag?: string; imageDigest?: string }[]
  /** PutMetricAlarm inputs, plus the state to set. */
  alarms?: (JsonObject & { state?: AlarmState; stateReason?: string })[]
  /** Log group names. */
  logGroups?: string[]
  /** Image key (`repo:tag`, `repo@digest`, full reference or digest, optionally `<container name>=` before it) → behaviour. */
  behaviors?: Record<string, Behavior>
  /** Hook target (Lambda function name or ARN, or `PAUSE`) → what the hook does. */
  hooks?: Record<string, HookRule>
  /** CodeDeploy CreateApplication, CreateDeploymentGroup and CreateDeploymentConfig inputs. */
  codeDeploy?: { applications?: JsonObject[]; deploymentGroups?: JsonObject[]; deploymentConfigs?: JsonObject[] }
}

const TOP_LEVEL = new Set([
  'region',
  'accountId',
  'ecr',
  'clusters',
  'taskDefinitions',
  'services',
  'repositories',
  'images',
  'alarms',
  'logGroups',
  'behaviors',
  'hooks',
  'codeDeploy',
])
const CODE_DEPLOY_KEYS = new Set(['applications', 'deploymentGroups', 'deploymentConfigs'])

/** Reads a JSON or YAML world file (YAML is a superset of JSON, so one parser reads both). */
export function readWorldFile(path: string): WorldSpec {
  const text = readFileSync(path, 'utf8')
  let spec: unknown
  try {
    spec = parseYaml(text)
  } catch (e) {
    throw new Error(`world file ${path}: not valid JSON or YAML: ${(e as Error).message}`)
  }
  return checkWorldSpec(spec ?? {}, path)
}

export function checkWorldSpec(spec: unknown, where = 'world'): WorldSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new Error(`${where}: must be an object`)
  for (const key of Object.keys(spec)) {
    if (!TOP_LEVEL.has(key)) throw new Error(`${where}: unknown key '${key}' (known: ${[...TOP_LEVEL].join(', ')})`)
  }
  const s = spec as Record<string, unknown>
  for (const key of ['clusters', 'taskDefinitions', 'services', 'repositories', 'images', 'alarms', 'logGroups']) {
    if (s[key] !== undefined && !Array.isArray(s[key])) throw new Error(`${where}: '${key}' must be a list`)
  }
  for (const key of ['behaviors', 'hooks']) {
    if (s[key] !== undefined && (typeof s[key] !== 'object' || s[key] === null || Array.isArray(s[key]))) throw new Error(`${where}: '${key}' must be a map`)
  }
  if (s.codeDeploy !== undefined) {
    const cd = s.codeDeploy as Record<string, unknown>
    if (typeof cd !== 'object' || cd === null || Array.isArray(cd)) throw new Error(`${where}: 'codeDeploy' must be an object`)
    for (const key of Object.keys(cd)) {
      if (!CODE_DEPLOY_KEYS.has(key)) throw new Error(`${where}: unknown key 'codeDeploy.${key}' (known: ${[...CODE_DEPLOY_KEYS].join(', ')})`)
      if (!Array.isArray(cd[key])) throw new Error(`${where}: 'codeDeploy.${key}' must be a list`)
    }
  }
  return spec as WorldSpec
}

/** Seeds the world's (empty) services through their own operations, then lets 10 simulated minutes pass. */
export function seedWorld(world: World, spec: WorldSpec): void {
  const call = (service: ServiceName, operation: string, input: JsonObject, what: string) => {
    try {
      return handleChecked(world.services.byName(service), operation, input)
    } catch (e) {
      const code = e instanceof AwsError ? `${e.code}: ` : ''
      throw new Error(`world: ${what}: ${operation} failed: ${code}${(e as Error).message}`)
    }
  }
  spec.logGroups?.forEach((name, i) => call('logs', 'CreateLogGroup', { logGroupName: name }, `logGroups[${i}]`))
  spec.repositories?.forEach((r, i) => call('ecr', 'CreateRepository', r, `repositories[${i}]`))
  spec.images?.forEach((img, i) => {
    const seed = `${img.repositoryName}:${img.imageTag ?? ''}@${img.imageDigest ?? ''}#${i}`
    call('ecr', 'PutImage', { ...img, imageManifest: generatedManifest(seed) }, `images[${i}]`)
  })
  spec.alarms?.forEach((a, i) => {
    const { state, stateReason, ...input } = a
    call('cloudwatch', 'PutMetricAlarm', input, `alarms[${i}]`)
    if (state !== undefined) {
      checkState(state)
      call('cloudwatch', 'SetAlarmState', { AlarmName: input.AlarmName, StateValue: state, StateReason: stateReason ?? 'Set by the sandbox world file' }, `alarms[${i}]`)
    }
  })
  for (const [key, behavior] of Object.entries(spec.behaviors ?? {})) {
    try {
      world.services.behaviors.set(key, checkBehavior(behavior))
    } catch (e) {
      throw new Error(`world: behaviors['${key}']: ${(e as Error).message}`)
    }
  }
  spec.clusters?.forEach((c, i) => call('ecs', 'CreateCluster', c, `clusters[${i}]`))
  spec.taskDefinitions?.forEach((t, i) => call('ecs', 'RegisterTaskDefinition', t, `taskDefinitions[${i}]`))
  spec.services?.forEach((s, i) => call('ecs', 'CreateService', s, `services[${i}]`))
  for (const [target, rule] of Object.entries(spec.hooks ?? {})) {
    try {
      world.services.hooks.set(target, checkHookRule(rule))
    } catch (e) {
      throw new Error(`world: hooks['${target}']: ${(e as Error).message}`)
    }
  }
  const cd = spec.codeDeploy
  cd?.deploymentConfigs?.forEach((c, i) => call('codedeploy', 'CreateDeploymentConfig', c, `codeDeploy.deploymentConfigs[${i}]`))
  cd?.applications?.forEach((a, i) => call('codedeploy', 'CreateApplication', a, `codeDeploy.applications[${i}]`))
  cd?.deploymentGroups?.forEach((g, i) => call('codedeploy', 'CreateDeploymentGroup', g, `codeDeploy.deploymentGroups[${i}]`))
  world.advance(600)
}
