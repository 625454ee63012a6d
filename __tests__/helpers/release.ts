// The end-to-end tests of a release (several services, one run of the action) look at the same things: the release
// world's services and image, the action's `services` output, the services as the sandbox has them. Written once here.
import { expect } from '@jest/globals'
import { DescribeServicesCommand, ECSClient, type Service } from '@aws-sdk/client-ecs'
import type { ActionRun } from '../../scripts/action-runner.js'

export const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
/** The image every service of the release world is built from, at its new tag. */
export const RELEASE_IMAGE = `${ECR}/app:v2`
/** The services of releaseWorld(3), in input order. */
export const RELEASE_NAMES = ['web', 'worker', 'scheduler']
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

/** One entry of the `services` output. */
export interface ServiceResult {
  service: string
  engine: string
  outcome: string
  reason: string
  taskDefinitionArn: string
  previousTaskDefinitionArn: string
  deploymentId: string
  rolledBack?: { outcome: string; deploymentId: string; reason: string }
}

/** The `services` output, one entry per service. */
export function releaseResults(run: ActionRun): ServiceResult[] {
  expect(run.outputs.services).toBeDefined()
  return JSON.parse(run.outputs.services) as ServiceResult[]
}

/** The `services` output by service; with `order`, it must list exactly those services, in that order. */
export function byService(run: ActionRun, order?: string[]): Record<string, ServiceResult> {
  const results = releaseResults(run)
  if (order) expect(results.map((r) => r.service)).toEqual(order)
  return Object.fromEntries(results.map((r) => [r.service, r]))
}

/** The services as the sandbox at `url` has them now, by name. */
export async function liveServices(url: string, names = RELEASE_NAMES): Promise<Record<string, Service>> {
  const client = new ECSClient({ endpoint: url, region: 'us-east-1', credentials })
  const { services } = await client.send(new DescribeServicesCommand({ cluster: 'demo', services: names }))
  return Object.fromEntries((services ?? []).map((service) => [service.serviceName!, service]))
}

export const tdRevision = (name: string, revision: number) => new RegExp(`:task-definition/${name}:${revision}$`)
export const ECS_DEPLOYMENT_ID = /^ecs-svc\/\d{19}$/

/** `what()` again every half second until `ok` says yes; that value. Throws, with the value it last saw, when `ms`
 * pass first: a wait that gives up must fail the test, not hand its caller a value that was never `ok`. */
export async function until<T>(what: () => Promise<T>, ok: (value: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await what()
    if (ok(value)) return value
    if (Date.now() > end) throw new Error(`until: not there after ${ms} ms; last saw ${JSON.stringify(value).slice(0, 4000)}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}
