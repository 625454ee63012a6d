// End to end: a release of several services where one of them, `web`, is on the CODE_DEPLOY deployment controller
// (application AppECS-demo-web, deployment group DgpECS-demo-web: the defaults for cluster demo, service web) and
// `worker` and `scheduler` are rolling. Each deploys through its own engine; when the worker fails, web — which had
// succeeded — is rolled back by a new CodeDeploy deployment of its previous task definition, watched to its end.
import { afterEach, describe, expect, test } from '@jest/globals'
import { BatchGetDeploymentsCommand, CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy'
import { errorAnnotations, runAction, type ActionRun } from '../scripts/action-runner.js'
import { releaseWorld } from '../scripts/worlds.js'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'
import { byService, credentials, ECS_DEPLOYMENT_ID, liveServices, RELEASE_IMAGE, RELEASE_NAMES, tdRevision } from './helpers/release.js'

const APPLICATION = 'AppECS-demo-web'
const GROUP = 'DgpECS-demo-web'
const ELB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

/** The release world with `web` on CODE_DEPLOY behind the target group `web-blue`, and its CodeDeploy application
 * and deployment group (all at once, the old task set removed as soon as traffic has moved). */
function codeDeployReleaseWorld(): WorldSpec {
  const world = releaseWorld(3)
  const web = world.services!.find((s) => s.serviceName === 'web') as Record<string, unknown>
  web.deploymentController = { type: 'CODE_DEPLOY' }
  // A CODE_DEPLOY service has no circuit breaker: CodeDeploy decides.
  delete web.deploymentConfiguration
  web.loadBalancers = [{ targetGroupArn: `${ELB}:targetgroup/web-blue/0123456789abcdef`, containerName: 'web', containerPort: 8080 }]
  const family = world.taskDefinitions!.find((t) => t.family === 'web') as { containerDefinitions: Record<string, unknown>[] }
  family.containerDefinitions[0].portMappings = [{ containerPort: 8080, protocol: 'tcp' }]
  return {
    ...world,
    codeDeploy: {
      applications: [{ applicationName: APPLICATION, computePlatform: 'ECS' }],
      deploymentGroups: [
        {
          applicationName: APPLICATION,
          deploymentGroupName: GROUP,
          serviceRoleArn: 'arn:aws:iam::123456789012:role/ecsCodeDeployRole',
          deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
          deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
          ecsServices: [{ serviceName: 'web', clusterName: 'demo' }],
          loadBalancerInfo: {
            targetGroupPairInfoList: [
              {
                targetGroups: [{ name: 'web-blue' }, { name: 'web-green' }],
                prodTrafficRoute: { listenerArns: [`${ELB}:listener/app/web/0123456789abcdef/1111111111111111`] },
                testTrafficRoute: { listenerArns: [`${ELB}:listener/app/web/0123456789abcdef/2222222222222222`] },
              },
            ],
          },
          blueGreenDeploymentConfiguration: {
            terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
            deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
          },
          autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
        },
      ],
    },
  }
}

async function start(timeScale: number): Promise<Sandbox> {
  sandbox = await startSandbox({ world: codeDeployReleaseWorld(), timeScale })
  return sandbox
}

/** Runs the action on a fresh call log, so the log holds only the action's calls. */
function release(s: Sandbox, inputs: Record<string, string> = {}): Promise<ActionRun> {
  s.control.reset()
  return runAction({ endpoint: s.url, inputs: { cluster: 'demo', service: RELEASE_NAMES.join(', '), image: RELEASE_IMAGE, timeout: '10m', ...inputs } })
}

const codeDeploy = (s: Sandbox) => new CodeDeployClient({ endpoint: s.url, region: 'us-east-1', credentials })

/** The CreateDeployment calls the action made, with the task definition each one's AppSpec names. */
function createDeployments(s: Sandbox): { params: Record<string, unknown>; taskDefinition: string }[] {
  return s.control.calls({ service: 'codedeploy', operation: 'CreateDeployment' }).map((c) => {
    const params = c.params as { revision: { appSpecContent: { content: string } } }
    const appSpec = JSON.parse(params.revision.appSpecContent.content) as { Resources: { TargetService: { Properties: { TaskDefinition: string } } }[] }
    return { params: c.params as Record<string, unknown>, taskDefinition: appSpec.Resources[0].TargetService.Properties.TaskDefinition }
  })
}

const CODEDEPLOY_ID = /^d-[A-Z0-9]{9}$/

describe('a release with a CodeDeploy service, through the bundled action', () => {
  test('all three succeed: web through CodeDeploy (a d-… deployment that succeeded), worker and scheduler rolling', async () => {
    const s = await start(30)
    const run = await release(s)
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)

    const results = byService(run, RELEASE_NAMES)
    expect(Object.fromEntries(RELEASE_NAMES.map((n) => [n, results[n].engine]))).toEqual({ web: 'codedeploy', worker: 'rolling', scheduler: 'rolling' })
    for (const name of RELEASE_NAMES) {
      expect([name, results[name].outcome, results[name].rolledBack]).toEqual([name, 'succeeded', undefined])
      expect(results[name].taskDefinitionArn).toMatch(tdRevision(name, 2))
      expect(results[name].previousTaskDefinitionArn).toMatch(tdRevision(name, 1))
    }
    expect(results.web.deploymentId).toMatch(CODEDEPLOY_ID)
    for (const name of ['worker', 'scheduler']) expect(results[name].deploymentId).toMatch(ECS_DEPLOYMENT_ID)

    // One CodeDeploy deployment, to the default application and group, of web's new revision; CodeDeploy says it succeeded.
    const creates = createDeployments(s)
    expect(creates).toHaveLength(1)
    expect(creates[0].params).toMatchObject({ applicationName: APPLICATION, deploymentGroupName: GROUP })
    expect(creates[0].taskDefinition).toBe(results.web.taskDefinitionArn)
    const { deploymentInfo } = await codeDeploy(s).send(new GetDeploymentCommand({ deploymentId: results.web.deploymentId }))
    expect(deploymentInfo).toMatchObject({ status: 'Succeeded', applicationName: APPLICATION, deploymentGroupName: GROUP })
    // Web never goes through UpdateService (CodeDeploy owns it); the rolling services do, once each.
    const updated = s.control.calls({ operation: 'UpdateService' }).map((c) => (c.params as { service: string }).service.split('/').at(-1))
    expect(updated.sort()).toEqual(['scheduler', 'worker'])

    const services = await liveServices(s.url)
    for (const name of RELEASE_NAMES) expect([name, services[name].taskDefinition]).toEqual([name, results[name].taskDefinitionArn])
    // Web serves from one task set, the new one: PRIMARY with web:2.
    expect(services.web.taskSets?.map((ts) => [ts.status, ts.taskDefinition])).toEqual([['PRIMARY', results.web.taskDefinitionArn]])
  }, 120_000)

  test('a crashing worker rolls web back through a second CodeDeploy deployment of web:1, and scheduler through UpdateService', async () => {
    const s = await start(30)
    s.control.setBehavior('worker=app:v2', { kind: 'crash', exitCode: 1, afterSeconds: 5, logLines: ['Error: QUEUE_URL is not set'] })
    const run = await release(s)
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toMatch(/\bworker\b/)

    const results = byService(run, RELEASE_NAMES)
    expect(Object.fromEntries(RELEASE_NAMES.map((n) => [n, results[n].engine]))).toEqual({ web: 'codedeploy', worker: 'rolling', scheduler: 'rolling' })
    expect(results.worker.outcome).toBe('rolled-back')
    expect(results.worker.rolledBack).toBeUndefined()
    for (const name of ['web', 'scheduler']) {
      const r = results[name]
      expect([name, r.outcome, r.rolledBack?.outcome]).toEqual([name, 'succeeded', 'succeeded'])
      expect(r.taskDefinitionArn).toMatch(tdRevision(name, 2))
      expect(r.previousTaskDefinitionArn).toMatch(tdRevision(name, 1))
      expect(r.rolledBack!.deploymentId).not.toBe(r.deploymentId)
    }
    expect(results.web.deploymentId).toMatch(CODEDEPLOY_ID)
    expect(results.web.rolledBack!.deploymentId).toMatch(CODEDEPLOY_ID)
    expect(results.scheduler.rolledBack!.deploymentId).toMatch(ECS_DEPLOYMENT_ID)

    // Two CreateDeployment calls on web's group: the release (web:2), then the rollback, whose AppSpec names web:1 as it is.
    const creates = createDeployments(s)
    expect(creates.map((c) => c.params.deploymentGroupName)).toEqual([GROUP, GROUP])
    expect(creates[0].taskDefinition).toBe(results.web.taskDefinitionArn)
    expect(creates[1].taskDefinition).toMatch(tdRevision('web', 1))
    expect(creates[1].taskDefinition).toBe(results.web.previousTaskDefinitionArn)
    // web:1 deployed as it is: no task definition registered for the rollback (one RegisterTaskDefinition per service).
    const registered = s.control.calls({ operation: 'RegisterTaskDefinition' }).map((c) => (c.params as { family: string }).family)
    expect(registered.sort()).toEqual(['scheduler', 'web', 'worker'])
    // CodeDeploy reports both deployments Succeeded: the release's, then the rollback's (a user deployment, not CodeDeploy's own rollback).
    const { deploymentsInfo } = await codeDeploy(s).send(new BatchGetDeploymentsCommand({ deploymentIds: [results.web.deploymentId, results.web.rolledBack!.deploymentId] }))
    const info = Object.fromEntries((deploymentsInfo ?? []).map((d) => [d.deploymentId!, d]))
    expect(info[results.web.deploymentId]?.status).toBe('Succeeded')
    expect(info[results.web.rolledBack!.deploymentId]).toMatchObject({ status: 'Succeeded', creator: 'user' })

    // In the sandbox every service is back on revision 1; web serves from one task set of web:1.
    const services = await liveServices(s.url)
    for (const name of RELEASE_NAMES) expect([name, services[name].taskDefinition]).toEqual([name, expect.stringMatching(tdRevision(name, 1))])
    expect(services.web.taskSets?.map((ts) => [ts.status, ts.taskDefinition])).toEqual([['PRIMARY', expect.stringMatching(tdRevision('web', 1))]])
    // Scheduler went back its own way: a second UpdateService, to scheduler:1.
    const schedulerUpdates = s.control.calls({ operation: 'UpdateService' }).filter((c) => (c.params as { service: string }).service.endsWith('scheduler'))
    expect(schedulerUpdates.map((c) => (c.params as { taskDefinition: string }).taskDefinition)).toEqual([
      expect.stringMatching(/scheduler:2$/),
      expect.stringMatching(/scheduler:1$/),
    ])
    expect(run.summary).toContain('rolled-back')
  }, 120_000)
})
