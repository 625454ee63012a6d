// End to end: several services, one release. `service` names several services (web, worker, scheduler of the release
// world, all built from one image `app`); the bundled action deploys `image` to all of them concurrently within one
// call budget, and when one fails it rolls back the ones that succeeded, so the release lands everywhere or nowhere.
// A bad service is one whose container crashes on the new image while the others run it healthy: the sandbox's
// behaviour keyed by container name (`worker=app:v2`, see sandbox/README.md, "Behaviours").
import { afterEach, describe, expect, test } from '@jest/globals'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
} from '@aws-sdk/client-ecs'
import { errorAnnotations, runAction, type ActionRun } from '../scripts/action-runner.js'
import { advanced, RELEASE_SERVICES, releaseWorld } from '../scripts/worlds.js'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'
import { byService, credentials, ECR, ECS_DEPLOYMENT_ID, releaseResults, liveServices, RELEASE_IMAGE, RELEASE_NAMES, tdRevision } from './helpers/release.js'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

async function start(timeScale: number, world: WorldSpec = releaseWorld(3)): Promise<Sandbox> {
  sandbox = await startSandbox({ world, timeScale })
  return sandbox
}

/** The release world with `web` on ECS's own blue/green behind a load balancer: two engines in one release. */
function mixedWorld(bakeTimeInMinutes = 0): WorldSpec {
  const world = releaseWorld(3)
  const web = world.services!.find((s) => s.serviceName === 'web') as Record<string, unknown>
  web.deploymentConfiguration = { strategy: 'BLUE_GREEN', bakeTimeInMinutes, minimumHealthyPercent: 100, maximumPercent: 200 }
  web.loadBalancers = [
    {
      targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/0123456789abcdef',
      containerName: 'web',
      containerPort: 8080,
      advancedConfiguration: advanced,
    },
  ]
  const family = world.taskDefinitions!.find((t) => t.family === 'web') as { containerDefinitions: Record<string, unknown>[] }
  family.containerDefinitions[0].portMappings = [{ containerPort: 8080, protocol: 'tcp' }]
  return world
}

const ecs = (s: Sandbox) => new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })

/** Runs the action on a fresh call log, so the log holds only the action's calls. */
async function release(s: Sandbox, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<{ run: ActionRun; startedAt: number }> {
  s.control.reset()
  const startedAt = Date.now()
  const run = await runAction({ endpoint: s.url, env, inputs: { cluster: 'demo', service: RELEASE_NAMES.join(', '), image: RELEASE_IMAGE, timeout: '10m', ...inputs } })
  return { run, startedAt }
}

/** The summary's first table (HTML or Markdown), and where it ends. */
function firstTable(summary: string): { text: string; end: number } | undefined {
  const found = [/<table>[\s\S]*?<\/table>/.exec(summary), /^\|.*(?:\n\|.*)*/m.exec(summary)].filter((m) => m !== null)
  const first = found.sort((a, b) => a.index - b.index)[0]
  return first && { text: first[0], end: first.index + first[0].length }
}

/** The summary's headings (HTML or Markdown), with where each starts. */
function headings(summary: string): { text: string; at: number }[] {
  return [...summary.matchAll(/<h([1-6])[^>]*>([\s\S]*?)<\/h\1>|^#{1,6} (.*)$/gm)].map((m) => ({ text: m[2] ?? m[3], at: m.index }))
}

describe('several services, one release, through the bundled action', () => {
  // Time scale 5: the 2-task rollouts take tens of wall seconds, so the run is long enough for a per-minute rate.
  test('three services deploy as one: all succeed, each runs its new task definition, one call budget for the run', async () => {
    const s = await start(5)
    const { run } = await release(s, {})
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)

    const results = releaseResults(run)
    expect(results.map((r) => r.service)).toEqual(RELEASE_NAMES)
    const services = await liveServices(s.url)
    for (const [i, name] of RELEASE_NAMES.entries()) {
      const r = results[i]
      expect(r).toMatchObject({ service: name, outcome: 'succeeded' })
      expect(r.engine).toMatch(/rolling/i)
      expect(r.rolledBack).toBeUndefined()
      expect(r.taskDefinitionArn).toMatch(tdRevision(name, 2))
      expect(r.previousTaskDefinitionArn).toMatch(tdRevision(name, 1))
      expect(r.deploymentId).toMatch(ECS_DEPLOYMENT_ID)
      // The sandbox runs it: the service's task definition and its completed primary deployment are the ones reported.
      expect(services[name].taskDefinition).toBe(r.taskDefinitionArn)
      expect(services[name].deployments?.[0]).toMatchObject({ id: r.deploymentId, status: 'PRIMARY', rolloutState: 'COMPLETED' })
      // Rendered from the service's own live task definition: its container keeps its name and command, with the new image.
      const { taskDefinition } = await ecs(s).send(new DescribeTaskDefinitionCommand({ taskDefinition: r.taskDefinitionArn }))
      const container = taskDefinition?.containerDefinitions?.[0] as ContainerDefinition
      expect(container.name).toBe(name)
      expect(container.command).toEqual(['node', `${name}.js`])
      expect(container.image).toMatch(new RegExp(`^${ECR}/app(:v2|@sha256:[0-9a-f]{64})$`))
      expect(container.logConfiguration?.options?.['awslogs-group']).toBe(`/ecs/${name}`)
    }
    // Three deployments, one per service.
    expect(new Set(results.map((r) => r.deploymentId)).size).toBe(3)

    // One look sees every service: DescribeServices names several services per call, never more than 10.
    const describes = s.control.calls({ service: 'ecs', operation: 'DescribeServices' }).map((c) => (c.params as { services: string[] }).services)
    expect(describes.some((names) => names.length >= 2)).toBe(true)
    expect(describes.every((names) => names.length <= 10)).toBe(true)

    // One call budget (30 calls/min) for the whole run, not one per service. The run is too short for a rate over its
    // whole wall time to mean much (preflight's one-off reads dominate it), so the ECS and CloudWatch reads from the first
    // UpdateService to the end are counted: they stay within 1.5 × 30/min plus the budget's burst (5) and a slack for
    // the one-off reads as each service ends (10). Three budgets (about 90/min, three bursts) would not fit.
    const calls = s.control.calls().filter((c) => c.service === 'ecs' || c.service === 'cloudwatch')
    const firstUpdate = calls.find((c) => c.operation === 'UpdateService')
    expect(firstUpdate).toBeDefined()
    const windowMs = run.endedAt - firstUpdate!.wallMs
    const inWindow = calls.filter((c) => c.wallMs >= firstUpdate!.wallMs && !c.mutating).length
    const allowed = Math.ceil(((1.5 * 30) / 60_000) * windowMs) + 5 + 10
    expect(inWindow <= allowed ? 'within one budget' : `${inWindow} calls in ${Math.round(windowMs / 1000)} s (allowed ${allowed})`).toBe('within one budget')

    // The summary: a release table at the top naming every service, then one section per service, headed with its name.
    const table = firstTable(run.summary)
    expect(table).toBeDefined()
    for (const name of RELEASE_NAMES) {
      expect(table!.text).toMatch(new RegExp(`\\b${name}\\b`))
      expect(headings(run.summary).some((h) => h.at > table!.end && new RegExp(`\\b${name}\\b`).test(h.text))).toBe(true)
      // Each service's log lines carry its name (after the run's clock, `[00:07] [web] …`).
      expect(run.stdout).toMatch(new RegExp(`^(\\[[\\d:.]+\\] )?\\[${name}\\] `, 'm'))
    }
  }, 240_000)

  test('one bad service (its tasks crash) rolls all three back: the release lands nowhere', async () => {
    const s = await start(30)
    s.control.setBehavior('worker=app:v2', { kind: 'crash', exitCode: 1, afterSeconds: 5, logLines: ['Error: QUEUE_URL is not set'] })
    const { run } = await release(s, {})
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toMatch(/\bworker\b/)

    const byName = byService(run, RELEASE_NAMES)
    // The bad one was rolled back for its own failure (ECS's circuit breaker or fail fast), not as part of the release.
    expect(byName.worker.outcome).toBe('rolled-back')
    expect(byName.worker.rolledBack).toBeUndefined()
    expect(byName.worker.taskDefinitionArn).toMatch(tdRevision('worker', 2))
    expect(byName.worker.previousTaskDefinitionArn).toMatch(tdRevision('worker', 1))
    // The others succeeded on their own, then went back with the release.
    for (const name of ['web', 'scheduler']) {
      const r = byName[name]
      expect(r.outcome).toBe('succeeded')
      expect(r.taskDefinitionArn).toMatch(tdRevision(name, 2))
      expect(r.previousTaskDefinitionArn).toMatch(tdRevision(name, 1))
      expect(r.rolledBack).toBeDefined()
      expect(r.rolledBack!.outcome).toBe('succeeded')
      expect(r.rolledBack!.deploymentId).toMatch(ECS_DEPLOYMENT_ID)
      expect(r.rolledBack!.deploymentId).not.toBe(r.deploymentId)
    }

    // In the sandbox every service is back on its previous task definition, its rollback deployment completed.
    const services = await liveServices(s.url)
    for (const name of RELEASE_NAMES) {
      expect(services[name].taskDefinition).toMatch(tdRevision(name, 1))
      expect(services[name].deployments?.[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'COMPLETED' })
    }
    for (const name of ['web', 'scheduler']) {
      expect(services[name].deployments?.[0].id).toBe(byName[name].rolledBack!.deploymentId)
      // The action asked for it: a second UpdateService on the service, back to revision 1.
      const updates = s.control.calls({ operation: 'UpdateService' }).filter((c) => (c.params as { service: string }).service.endsWith(name))
      expect(updates).toHaveLength(2)
      expect((updates[1].params as { taskDefinition: string }).taskDefinition).toMatch(new RegExp(`${name}:1$`))
    }
    expect(run.summary).toContain('rolled-back')
    expect(run.summary).toMatch(/Essential container in task exited|QUEUE_URL is not set/)
  }, 240_000)

  test('the first service to fail stops the others while they bake: each rolls itself back at once', async () => {
    const s = await start(30)
    s.control.setBehavior('worker=app:v2', { kind: 'crash', exitCode: 1, afterSeconds: 5, logLines: ['Error: QUEUE_URL is not set'] })
    // A bake far longer than the worker takes to fail: web and scheduler are still baking when it does.
    const { run } = await release(s, { 'bake-time': '3m', timeout: '10m' })
    expect(run.outputs.outcome).toBe('rolled-back')
    const byName = byService(run)
    expect(byName.worker.outcome).toBe('rolled-back')
    for (const name of ['web', 'scheduler']) {
      const r = byName[name]
      // Stopped mid-bake and rolled back by its own engine: not a success undone afterwards.
      expect([name, r.outcome, r.rolledBack]).toEqual([name, 'rolled-back', undefined])
      expect(r.reason).toMatch(/^Stopped before its end: another service of the release, worker, rolled-back; rolled back to \S+:1\.$/)
    }
    const services = await liveServices(s.url)
    for (const name of RELEASE_NAMES) expect([name, services[name].taskDefinition]).toEqual([name, expect.stringMatching(tdRevision(name, 1))])
    expect(run.stdout).toMatch(/worker rolled-back: stopping the release/)
  }, 300_000)

  test('mixed engines: a bad rolling service rolls back an ECS blue/green service of the same release through its own engine', async () => {
    const s = await start(30, mixedWorld())
    s.control.setBehavior('worker=app:v2', { kind: 'crash', exitCode: 1, afterSeconds: 5, logLines: ['Error: QUEUE_URL is not set'] })
    const { run } = await release(s, {})
    expect(run.outputs.outcome).toBe('rolled-back')
    const byName = byService(run)
    expect(Object.fromEntries(Object.values(byName).map((r) => [r.service, r.engine]))).toEqual({ web: 'ecs-native', worker: 'rolling', scheduler: 'rolling' })
    expect(byName.worker.outcome).toBe('rolled-back')
    for (const name of ['web', 'scheduler']) expect([name, byName[name].outcome, byName[name].rolledBack?.outcome]).toEqual([name, 'succeeded', 'succeeded'])
    const services = await liveServices(s.url)
    for (const name of RELEASE_NAMES) expect([name, services[name].taskDefinition]).toEqual([name, expect.stringMatching(tdRevision(name, 1))])
    // web went back through its own engine, ECS's blue/green: a second UpdateService, to web:1 with the BLUE_GREEN
    // strategy, whose service deployment moved production traffic over as the first did.
    const webUpdates = s.control.calls({ operation: 'UpdateService' }).filter((c) => (c.params as { service: string }).service === 'web')
    expect(webUpdates.map((c) => c.params)).toEqual([
      expect.objectContaining({ taskDefinition: expect.stringMatching(tdRevision('web', 2)), deploymentConfiguration: expect.objectContaining({ strategy: 'BLUE_GREEN' }) }),
      expect.objectContaining({ taskDefinition: expect.stringMatching(tdRevision('web', 1)), deploymentConfiguration: expect.objectContaining({ strategy: 'BLUE_GREEN' }) }),
    ])
    const shifted = s.control.transitions({ kind: 'traffic', state: '100' }).map((t) => t.id)
    expect(new Set(shifted).size).toBe(2)
    expect(byName.web.rolledBack?.deploymentId).toMatch(ECS_DEPLOYMENT_ID)
    // And the ECS-native engine ran it: its deploy line and the production traffic it watched move back.
    const webRollback = run.stdout.slice(run.stdout.indexOf('[web] ── rollback: '))
    expect(webRollback).toMatch(/\[web\] ── deploy: \S+:task-definition\/web:1 — ECS BLUE_GREEN/)
    expect(webRollback).toContain('[web] production traffic: 0% → 100% on the new revision')
  }, 240_000)

  test('the first failure stops an ECS blue/green service in its bake: StopServiceDeployment(ROLLBACK)', async () => {
    // ECS's own bake of 30 sandbox minutes (a minute here): far longer than the worker takes to fail.
    const s = await start(30, mixedWorld(30))
    s.control.setBehavior('worker=app:v2', { kind: 'crash', exitCode: 1, afterSeconds: 5, logLines: ['Error: QUEUE_URL is not set'] })
    const { run } = await release(s, {})
    expect(run.outputs.outcome).toBe('rolled-back')
    const web = releaseResults(run).find((r) => r.service === 'web')!
    expect([web.engine, web.outcome, web.rolledBack]).toEqual(['ecs-native', 'rolled-back', undefined])
    expect(web.reason).toMatch(/^Stopped before its end: another service of the release, worker, rolled-back/)
    const stops = s.control.calls({ operation: 'StopServiceDeployment' })
    expect(stops.map((c) => (c.params as { stopType?: string }).stopType)).toEqual(['ROLLBACK'])
    expect((await liveServices(s.url)).web.taskDefinition).toMatch(tdRevision('web', 1))
  }, 300_000)

  test("one GitHub deployment record for the release, its payload naming every service, its status the release's", async () => {
    const s = await start(30)
    s.control.setBehavior('worker=app:v2', { kind: 'crash', exitCode: 1, afterSeconds: 5, logLines: ['Error: QUEUE_URL is not set'] })
    const { run } = await release(s, { 'github-token': 'ghs_test' }, { GITHUB_API_URL: s.githubUrl, GITHUB_REPOSITORY: 'org/app', GITHUB_SHA: '0'.repeat(40) })
    expect(run.outputs.outcome).toBe('rolled-back')
    const records = s.github.deployments() as ({
      id: number
      payload: { service: string; services: { service: string; deploymentId: string }[] }
      statuses: { state: string }[]
    } & Record<string, unknown>)[]
    expect(records).toHaveLength(1)
    const [record] = records
    expect(run.outputs['github-deployment-id']).toBe(String(record.id))
    expect(record.payload.service).toBe('web, worker, scheduler')
    // Every service's deployment had started when the record was created: the payload names each one's id.
    const ids = Object.fromEntries(releaseResults(run).map((r) => [r.service, r.deploymentId]))
    expect(record.payload.services.map((p) => [p.service, p.deploymentId])).toEqual(RELEASE_NAMES.map((name) => [name, ids[name]]))
    expect(record.statuses.at(0)?.state).toBe('in_progress')
    expect(record.statuses.at(-1)?.state).toBe('failure')
  }, 240_000)

  test('preflight refuses a release naming a missing service, before anything changes', async () => {
    const s = await start(60)
    const { run } = await release(s, { service: 'web, nope, worker' })
    expect(run.outputs.outcome).toBe('failed')
    expect(run.code).toBe(1)
    const message = errorAnnotations(run)
    expect(message).toMatch(/\bnope\b/)
    // The names are fine as input: preflight looked the services up and found one missing.
    expect(message).not.toContain('Input `service`')
    const looked = s.control.calls({ operation: 'DescribeServices' }).flatMap((c) => (c.params as { services: string[] }).services)
    expect(looked).toContain('nope')
    expect(s.control.calls({ mutating: true })).toEqual([])
    // Nothing moved: every service still runs revision 1 with its one deployment.
    const services = await liveServices(s.url)
    for (const name of RELEASE_NAMES) {
      expect(services[name].taskDefinition).toMatch(tdRevision(name, 1))
      expect(services[name].deployments).toHaveLength(1)
    }
  }, 120_000)

  test.each([
    ['a service named twice', { service: 'web, web' }, 'service', /\bweb\b.*(twice|duplicate|more than once|once)|(twice|duplicate|more than once|once).*\bweb\b/],
    ['11 services', { service: [...RELEASE_SERVICES, 'extra'].join('\n') }, 'service', /\b1[01]\b/],
    // Without `image`, as a rollback to a revision is asked for; it names one service's revision, so a release refuses it.
    ['rollback-to with several services', { 'rollback-to': 'web:1', image: '' }, 'rollback-to', /\bservices?\b/],
  ])(
    'an input error: %s is refused, naming the input, before any change',
    async (_, inputs, input, detail) => {
      const s = await start(60)
      const { run } = await release(s, inputs)
      expect(run.outputs.outcome).toBe('failed')
      expect(run.code).toBe(1)
      const message = errorAnnotations(run)
      expect(message).toContain(`Input \`${input}\``)
      expect(message).toMatch(detail)
      expect(s.control.calls({ mutating: true })).toEqual([])
    },
    120_000,
  )
})

// The sandbox side of a release, driven with the SDK: what the action relies on, checked on its own.
describe('the release world in the sandbox', () => {
  test('DescribeServices answers for several services at once, MISSING for an unknown one, and refuses more than 10', async () => {
    const s = (sandbox = await startSandbox({ world: releaseWorld(10), timeScale: 0 }))
    const client = ecs(s)
    const answer = await client.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web', 'nope', 'worker'] }))
    expect(answer.services?.map((x) => x.serviceName)).toEqual(['web', 'worker'])
    expect(answer.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/demo/nope', reason: 'MISSING' }])
    const ten = await client.send(new DescribeServicesCommand({ cluster: 'demo', services: [...RELEASE_SERVICES] }))
    expect(ten.services?.map((x) => x.serviceName)).toEqual([...RELEASE_SERVICES])
    expect(ten.failures).toEqual([])
    await expect(client.send(new DescribeServicesCommand({ cluster: 'demo', services: [...RELEASE_SERVICES, 'extra'] }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    })
  })

  test('a behaviour keyed by container name makes one service crash on the image the others run healthy', async () => {
    const s = (sandbox = await startSandbox({ world: releaseWorld(3), timeScale: 0 }))
    s.control.setBehavior('worker=app:v2', { kind: 'crash', exitCode: 1 })
    const client = ecs(s)
    for (const name of RELEASE_NAMES) {
      const { taskDefinition } = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${name}:1` }))
      const containerDefinitions = taskDefinition!.containerDefinitions!.map((c) => ({ ...c, image: RELEASE_IMAGE }))
      const { family, requiresCompatibilities, networkMode, cpu, memory, executionRoleArn } = taskDefinition!
      const registered = await client.send(new RegisterTaskDefinitionCommand({ family, requiresCompatibilities, networkMode, cpu, memory, executionRoleArn, containerDefinitions }))
      await client.send(new UpdateServiceCommand({ cluster: 'demo', service: name, taskDefinition: registered.taskDefinition!.taskDefinitionArn }))
    }
    s.control.advance(600)
    const services = await liveServices(s.url)
    for (const name of ['web', 'scheduler']) {
      expect(services[name].taskDefinition).toMatch(tdRevision(name, 2))
      expect(services[name].deployments).toHaveLength(1)
      expect(services[name].deployments?.[0].rolloutState).toBe('COMPLETED')
    }
    // The worker's circuit breaker tripped and ECS rolled it back to revision 1.
    expect(services.worker.taskDefinition).toMatch(tdRevision('worker', 1))
    const rolledBack = s.control.transitions({ kind: 'service-deployment', state: 'ROLLBACK_SUCCESSFUL' })
    expect(rolledBack.map((t) => t.id)).toEqual([expect.stringMatching(/:service-deployment\/demo\/worker\//)])
  })
})
