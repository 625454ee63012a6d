// End to end: a job cancelled mid-deployment on the ECS-native and CodeDeploy engines (e2e-cancel.test.ts has the
// rolling engine). The main step is signalled as the runner does during a canary's first traffic step, the post step
// runs with the state it saved: with `on-cancel: leave` it only looks and reports, and the deployment goes on to
// succeed; with `on-cancel: rollback` it stops the deployment with a rollback (StopServiceDeployment ROLLBACK,
// StopDeployment with automatic rollback) and the service goes back to its previous revision. Simulated time is moved
// on after the post step rather than waited for.
import { afterEach, describe, expect, test } from '@jest/globals'
import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy'
import { DescribeServiceDeploymentsCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs'
import { nativeWorld, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { cancelWhen, postMutations, warnings, type Cancelled } from './helpers/cancel.js'
import { credentials, ECR, tdRevision } from './helpers/release.js'
import { pushImage } from './sandbox-helpers.js'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

/** A canary's first step holds 5 simulated minutes (30 wall seconds here): the deployment is still under way when the
 * post step looks, however slow the machine. */
const SCALE = 10
const client = { region: 'us-east-1', credentials }

const runningNow = async (s: Sandbox, service: string) =>
  (await new ECSClient({ endpoint: s.url, ...client }).send(new DescribeServicesCommand({ cluster: 'demo', services: [service] }))).services![0].taskDefinition

/** What the main step saved, checked for what every cancel here has in common. */
function expectCancelledMain({ main, signalledAt }: Cancelled, engine: string, onCancel: string): Record<string, string> {
  expect(signalledAt).toBeGreaterThan(0)
  expect(main.outputs.outcome).toBe('cancelled')
  expect(main.endedAt - signalledAt).toBeLessThan(7_500)
  const saved = JSON.parse(main.state.inFlight) as Record<string, string>
  expect(saved).toMatchObject({ engine, phase: 'watch', deploymentId: main.outputs['deployment-id'], onCancel })
  return saved
}

describe('a job cancelled mid-deployment, ECS-native canary', () => {
  async function cancelCanary(onCancel: string): Promise<{ s: Sandbox; cancelled: Cancelled; saved: Record<string, string> }> {
    const s = (sandbox = await startSandbox({ world: nativeWorld({}), timeScale: SCALE }))
    const image = await pushImage(s.url, 'v2')
    s.control.reset()
    const inputs = { cluster: 'demo', service: 'web', image, strategy: 'canary 20% 5m', 'on-cancel': onCancel, timeout: '10m' }
    const cancelled = await cancelWhen(s, inputs, (line) => /production traffic: 0% → 20%/.test(line))
    const saved = expectCancelledMain(cancelled, 'ecs-native', onCancel)
    expect(saved.serviceDeploymentArn).toMatch(/:service-deployment\/demo\/web\//)
    return { s, cancelled, saved }
  }

  const serviceDeployment = async (s: Sandbox, arn: string) =>
    (await new ECSClient({ endpoint: s.url, ...client }).send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0]

  test('on-cancel leave: the post step only looks, reports the deployment left to ECS, and it goes on to succeed', async () => {
    const { s, cancelled, saved } = await cancelCanary('leave')
    expect(warnings(cancelled.post)).toEqual([
      `The job was cancelled at ${saved.cancelledAt} during the watch phase; deployment ${saved.deploymentId} is still IN_PROGRESS at PRODUCTION_TRAFFIC_SHIFT, left to ECS's circuit breaker and the deployment alarms (on-cancel: leave).`,
    ])
    expect(cancelled.post.summary).toContain('ECS deployment cancelled: web')
    expect(postMutations(s, cancelled)).toEqual([])
    s.control.advance(600)
    expect((await serviceDeployment(s, saved.serviceDeploymentArn)).status).toBe('SUCCESSFUL')
    expect(await runningNow(s, 'web')).toMatch(tdRevision('web', 2))
  }, 60_000)

  test('on-cancel rollback: the post step asks StopServiceDeployment(ROLLBACK) and the service goes back to web:1', async () => {
    const { s, cancelled, saved } = await cancelCanary('rollback')
    expect(warnings(cancelled.post)).toEqual([
      `The job was cancelled at ${saved.cancelledAt} during the watch phase; deployment ${saved.deploymentId} (IN_PROGRESS at PRODUCTION_TRAFFIC_SHIFT) was rolled back because on-cancel is rollback: StopServiceDeployment(ROLLBACK).`,
    ])
    expect(postMutations(s, cancelled)).toEqual(['StopServiceDeployment'])
    expect(s.control.calls({ operation: 'StopServiceDeployment' })[0].params).toEqual({ serviceDeploymentArn: saved.serviceDeploymentArn, stopType: 'ROLLBACK' })
    s.control.advance(600)
    const sd = await serviceDeployment(s, saved.serviceDeploymentArn)
    expect(sd.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(sd.rollback?.reason).toBe('Service deployment rolled back because of a stop request.')
    expect(await runningNow(s, 'web')).toMatch(tdRevision('web', 1))
  }, 60_000)
})

describe('a job cancelled mid-deployment, CodeDeploy canary', () => {
  async function cancelCanary(onCancel: string): Promise<{ s: Sandbox; cancelled: Cancelled; saved: Record<string, string> }> {
    const s = (sandbox = await startSandbox({ world: world('progressive.yaml'), timeScale: SCALE }))
    const inputs = { cluster: 'demo', service: 'web-cd', image: `${ECR}/web:v1.1`, strategy: 'canary 10% 5m', 'on-cancel': onCancel, timeout: '10m' }
    const cancelled = await cancelWhen(s, inputs, (line) => /production traffic: 0% → 10%/.test(line))
    const saved = expectCancelledMain(cancelled, 'codedeploy', onCancel)
    expect(saved.deploymentId).toMatch(/^d-[A-Z0-9]{9}$/)
    return { s, cancelled, saved }
  }

  const deploymentStatus = async (s: Sandbox, deploymentId: string) =>
    (await new CodeDeployClient({ endpoint: s.url, ...client }).send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo?.status

  test('on-cancel leave: the post step only looks, reports the deployment left to CodeDeploy, and it goes on to succeed', async () => {
    const { s, cancelled, saved } = await cancelCanary('leave')
    expect(warnings(cancelled.post)).toEqual([
      `The job was cancelled at ${saved.cancelledAt} during the watch phase; deployment ${saved.deploymentId} is still InProgress, left to CodeDeploy and its alarms (on-cancel: leave).`,
    ])
    expect(cancelled.post.summary).toContain('ECS deployment cancelled: web-cd')
    expect(postMutations(s, cancelled)).toEqual([])
    s.control.advance(600)
    expect(await deploymentStatus(s, saved.deploymentId)).toBe('Succeeded')
    expect(await runningNow(s, 'web-cd')).toMatch(tdRevision('web-cd', 2))
  }, 60_000)

  test('on-cancel rollback: the post step asks StopDeployment with automatic rollback and the service goes back to web-cd:1', async () => {
    const { s, cancelled, saved } = await cancelCanary('rollback')
    expect(warnings(cancelled.post)).toEqual([
      `The job was cancelled at ${saved.cancelledAt} during the watch phase; deployment ${saved.deploymentId} (InProgress) was rolled back because on-cancel is rollback: StopDeployment with automatic rollback.`,
    ])
    expect(postMutations(s, cancelled)).toEqual(['StopDeployment'])
    expect(s.control.calls({ operation: 'StopDeployment' })[0].params).toEqual({ deploymentId: saved.deploymentId, autoRollbackEnabled: true })
    s.control.advance(600)
    expect(await deploymentStatus(s, saved.deploymentId)).toBe('Stopped')
    expect(await runningNow(s, 'web-cd')).toMatch(tdRevision('web-cd', 1))
  }, 60_000)
})
