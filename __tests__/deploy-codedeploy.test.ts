import { describe, expect, it } from '@jest/globals'
import type { Service } from '@aws-sdk/client-ecs'
import type { AppSpec } from '../src/engines/codedeploy/appspec.js'
import { appSpecFromService } from '../src/engines/codedeploy/appspec.js'
import type { ServiceInputs } from '../src/inputs/context.js'
import { runCodeDeploy, type CodeDeployPlan } from '../src/engines/codedeploy/run.js'
import type { CodeDeployConfig, CodeDeployEngine } from '../src/core/plan.js'
import { decideOutcome } from '../src/core/outcome.js'
import { checkCodeDeploy } from '../src/engines/codedeploy/check.js'
import { describeEvent } from '../src/report/log.js'
import { Timeline } from '../src/core/timeline.js'
import { awsError, fakeAws, fakeClock } from './helpers/fake-aws.js'
import { CD_DEPLOYMENT as ID, CD_ROLLBACK as RB, TD, basePlan, codeDeployEcs, type Snap } from './helpers/ecs-model.js'

const CANARY: CodeDeployConfig = { kind: 'custom', name: 'EcsSafeDeploy.Canary10Percent5Minutes', type: 'TimeBasedCanary', percent: 10, intervalMinutes: 5 }

function plan(clock: { now: () => number }, over: Partial<CodeDeployPlan> = {}, config: CodeDeployConfig = CANARY): CodeDeployPlan {
  const engine: CodeDeployEngine = {
    kind: 'codedeploy',
    label: 'CodeDeploy canary 10% then the rest after 5m',
    application: 'AppECS-prod-web',
    deploymentGroup: 'DgpECS-prod-web',
    config,
  }
  return {
    ...basePlan(clock),
    engine,
    codeDeploy: { hooks: { AfterAllowTestTraffic: 'smoke' } },
    appSpec: appSpecFromService({ serviceName: 'web', loadBalancers: [{ containerName: 'app', containerPort: 80 }] }) as AppSpec,
    ...over,
  }
}

const CANARY_RUN: Snap[] = [
  { status: 'InProgress', at: 'Install', running: 0 },
  { status: 'InProgress', at: 'Install', running: 2 },
  { status: 'InProgress', at: 'AfterAllowTestTraffic' },
  { status: 'InProgress', at: 'AllowTraffic', weight: 10 },
  { status: 'InProgress', at: 'AllowTraffic', weight: 10 },
  { status: 'InProgress', at: 'AllowTraffic', weight: 100 },
  { status: 'InProgress', weight: 100 },
]

const lines = (timeline: Timeline) => timeline.events.map(describeEvent)

describe('runCodeDeploy', () => {
  it('creates the custom configuration, deploys the AppSpec with the new task definition, logs each shift: succeeded', async () => {
    const clock = fakeClock()
    const aws = fakeAws(codeDeployEcs(CANARY_RUN), clock)
    const timeline = new Timeline()
    const facts = await runCodeDeploy(aws.clients, plan(clock), timeline, { watch: clock })

    expect(aws.calls.find((c) => c.op === 'CreateDeploymentConfig')?.input).toEqual({
      deploymentConfigName: 'EcsSafeDeploy.Canary10Percent5Minutes',
      computePlatform: 'ECS',
      trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } },
    })
    const create = aws.calls.find((c) => c.op === 'CreateDeployment')?.input
    expect(create).toMatchObject({
      applicationName: 'AppECS-prod-web',
      deploymentGroupName: 'DgpECS-prod-web',
      deploymentConfigName: 'EcsSafeDeploy.Canary10Percent5Minutes',
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      overrideAlarmConfiguration: { enabled: true, alarms: [{ name: 'api-5xx' }] },
      revision: { revisionType: 'AppSpecContent' },
    })
    const appSpec = JSON.parse(create.revision.appSpecContent.content)
    expect(appSpec.Resources[0].TargetService.Properties.TaskDefinition).toBe(TD(42))
    expect(appSpec.Hooks).toEqual([{ AfterAllowTestTraffic: 'smoke' }])

    expect(lines(timeline)).toEqual(
      expect.arrayContaining([
        'production traffic: 0% → 10% on the new revision',
        'production traffic: 10% → 100% on the new revision',
        `deployment ${ID}: running 0/2, pending 2, failed 0 (Install, InProgress)`,
        `deployment ${ID}: running 2/2, pending 0, failed 0 (traffic moved, InProgress)`,
      ]),
    )
    expect(facts.trafficShifts?.map((t) => t.percent)).toEqual([10, 100])
    expect(facts.engine).toBe('CodeDeploy canary 10% then the rest after 5m')
    expect(decideOutcome(facts)).toEqual({ outcome: 'succeeded', reason: `CodeDeploy deployment ${ID} moved all production traffic to web:42.` })
    // While the target is moving, one BatchGetDeploymentTargets per look is enough.
    expect(aws.count('GetDeployment')).toBeLessThan(aws.count('BatchGetDeploymentTargets'))
    expect(aws.count('StopDeployment')).toBe(0)
  })

  it('a configuration a parallel run created first is used as it is', async () => {
    const clock = fakeClock()
    const aws = fakeAws(codeDeployEcs(CANARY_RUN, { createConfigRace: true }), clock)
    const facts = await runCodeDeploy(aws.clients, plan(clock), new Timeline(), { watch: clock })
    expect(aws.count('CreateDeploymentConfig')).toBe(1)
    expect(decideOutcome(facts).outcome).toBe('succeeded')
  })

  it('an existing configuration is not created again; the group default sends no configuration name; rollback never disables auto-rollback', async () => {
    const clock = fakeClock()
    const aws = fakeAws(codeDeployEcs(CANARY_RUN, { configExists: true }), clock)
    await runCodeDeploy(aws.clients, plan(clock), new Timeline(), { watch: clock })
    expect(aws.count('CreateDeploymentConfig')).toBe(0)

    const aws2 = fakeAws(codeDeployEcs(CANARY_RUN), clock)
    await runCodeDeploy(aws2.clients, plan(clock, { rollback: 'never', alarms: [] }, { kind: 'group-default' }), new Timeline(), { watch: clock })
    expect(aws2.count('GetDeploymentConfig')).toBe(0)
    const create = aws2.calls.find((c) => c.op === 'CreateDeployment')?.input
    expect(create.deploymentConfigName).toBeUndefined()
    expect(create.overrideAlarmConfiguration).toBeUndefined()
    expect(create.autoRollbackConfiguration.enabled).toBe(false)
  })

  it('a failing hook: the hook and its Lambda are named, CodeDeploy rolls back, outcome rolled-back', async () => {
    const clock = fakeClock()
    const failed: Snap = {
      status: 'Failed',
      at: 'AfterAllowTestTraffic',
      eventStatus: 'Failed',
      diagnostics: { errorCode: 'ScriptFailed', message: 'smoke test: 500 on /health', logTail: 'GET /health 500' },
      error: { code: 'HOOK_EXECUTION_FAILURE', message: 'The deployment failed because a hook failed.' },
      rollback: RB,
    }
    const aws = fakeAws(codeDeployEcs([CANARY_RUN[0], { status: 'InProgress', at: 'AfterAllowTestTraffic' }, failed]), clock)
    const timeline = new Timeline()
    const facts = await runCodeDeploy(aws.clients, plan(clock), timeline, { watch: clock })
    expect(lines(timeline)).toContain('waiting for AfterAllowTestTraffic: Lambda smoke')
    expect(lines(timeline)).toContain(`── rollback: CodeDeploy rolls back to web:41 (deployment ${RB}): AfterAllowTestTraffic failed`)
    expect(facts.hook).toEqual({ name: 'AfterAllowTestTraffic', target: 'smoke', stage: 'AfterAllowTestTraffic', status: 'Failed', reason: 'smoke test: 500 on /health' })
    expect(facts.codeDeploy).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'HOOK_EXECUTION_FAILURE' },
      failedEvent: { name: 'AfterAllowTestTraffic', errorCode: 'ScriptFailed', message: 'smoke test: 500 on /health', logTail: 'GET /health 500' },
      rollbackDeploymentId: RB,
      rollbackStatus: 'Succeeded',
    })
    expect(decideOutcome(facts)).toEqual({
      outcome: 'rolled-back',
      reason: `CodeDeploy deployment ${ID} failed (HOOK_EXECUTION_FAILURE): hook AfterAllowTestTraffic (Lambda smoke) failed: smoke test: 500 on /health. CodeDeploy rolled back to web:41 (deployment ${RB}).`,
    })
  })

  it('a rollback that fails is a failed outcome', async () => {
    const clock = fakeClock()
    const stopped: Snap = {
      status: 'Stopped',
      at: 'AllowTraffic',
      eventStatus: 'Failed',
      weight: 10,
      error: { code: 'ALARM_ACTIVE', message: 'Activated alarms: <api-5xx>' },
      rollback: RB,
    }
    const aws = fakeAws(codeDeployEcs([CANARY_RUN[3], stopped], { rollback: ['InProgress', 'Failed'] }), clock)
    const facts = await runCodeDeploy(aws.clients, plan(clock), new Timeline(), { watch: clock })
    expect(decideOutcome(facts)).toEqual({
      outcome: 'failed',
      reason: `CodeDeploy deployment ${ID} was stopped (ALARM_ACTIVE): lifecycle event AllowTraffic failed: Activated alarms: <api-5xx>. CodeDeploy's rollback deployment ${RB} ended Failed.`,
    })
  })

  it('an alarm during the bake: StopDeployment with auto-rollback, the rollback is followed, outcome rolled-back', async () => {
    const clock = fakeClock()
    const aws = fakeAws(codeDeployEcs(CANARY_RUN, { stop: 'ok' }), clock)
    const timeline = new Timeline()
    const facts = await runCodeDeploy(aws.clients, plan(clock, { bakeTimeMs: 10 * 60_000 }), timeline, { watch: clock })
    expect(aws.calls.find((c) => c.op === 'StopDeployment')?.input).toEqual({ deploymentId: ID, autoRollbackEnabled: true })
    expect(facts.actionRollback).toMatchObject({ trigger: 'bake-alarm', deploymentId: RB, completed: true })
    expect(lines(timeline)).toContain('production traffic: 100% → 0% on the new revision')
    expect(decideOutcome(facts)).toEqual({
      outcome: 'rolled-back',
      reason: `Alarm api-5xx went to ALARM during the bake (Threshold Crossed); CodeDeploy rolled back to web:41 (deployment ${RB}).`,
    })
  })

  it('CodeDeploy stopped it first on the same alarm: its rollback is the one followed', async () => {
    const clock = fakeClock()
    const stopTo: Snap = { status: 'Stopped', weight: 100, error: { code: 'ALARM_ACTIVE', message: 'Activated alarms: <api-5xx>' }, rollback: RB }
    const aws = fakeAws(codeDeployEcs(CANARY_RUN, { stop: 'completed', stopTo }), clock)
    const facts = await runCodeDeploy(aws.clients, plan(clock, { bakeTimeMs: 10 * 60_000 }), new Timeline(), { watch: clock })
    expect(decideOutcome(facts).outcome).toBe('rolled-back')
  })

  it('an alarm during the bake with rollback never: nothing is stopped, outcome failed', async () => {
    const clock = fakeClock()
    const aws = fakeAws(codeDeployEcs(CANARY_RUN, { stop: 'ok' }), clock)
    const facts = await runCodeDeploy(aws.clients, plan(clock, { bakeTimeMs: 10 * 60_000, rollback: 'never' }), new Timeline(), { watch: clock })
    expect(aws.count('StopDeployment')).toBe(0)
    expect(decideOutcome(facts)).toEqual({ outcome: 'failed', reason: 'Alarm api-5xx went to ALARM during the bake (Threshold Crossed); not rolled back (rollback: never).' })
  })

  it('the timeout stops the deployment with auto-rollback: outcome timed-out', async () => {
    const clock = fakeClock()
    const aws = fakeAws(codeDeployEcs([{ status: 'InProgress', at: 'AllowTraffic', weight: 10 }]), clock)
    const facts = await runCodeDeploy(aws.clients, plan(clock, { deadline: clock.now() + 60_000 }), new Timeline(), { watch: clock })
    expect(aws.calls.find((c) => c.op === 'StopDeployment')?.input).toEqual({ deploymentId: ID, autoRollbackEnabled: true })
    expect(decideOutcome(facts)).toEqual({
      outcome: 'timed-out',
      reason: `CodeDeploy deployment ${ID} did not finish before the timeout; CodeDeploy rolled back to web:41 (deployment ${RB}).`,
    })
    // The watch kept within ~30 calls a minute (a burst of 5 aside).
    const watchCalls = aws.calls.filter(
      (c) => c.at <= clock.now() && ['GetDeployment', 'BatchGetDeploymentTargets', 'ListDeploymentTargets'].includes(c.op) && c.at < Date.UTC(2026, 0, 1) + 60_000,
    )
    expect(watchCalls.length).toBeLessThanOrEqual(35)
  })

  it('wait false returns once the deployment is created', async () => {
    const clock = fakeClock()
    const aws = fakeAws(codeDeployEcs(CANARY_RUN), clock)
    const facts = await runCodeDeploy(aws.clients, plan(clock, { wait: false }), new Timeline(), { watch: clock })
    expect(aws.count('GetDeployment')).toBe(0)
    expect(decideOutcome(facts)).toEqual({ outcome: 'started', reason: `Deployment ${ID} started; not waited for (wait: false).` })
  })

  it('CreateDeployment refused: nothing deployed, the error named', async () => {
    const clock = fakeClock()
    const handlers = {
      ...codeDeployEcs(CANARY_RUN),
      CreateDeployment: () => {
        throw awsError('DeploymentLimitExceededException', 'The deployment group DgpECS-prod-web already has an active deployment d-OTHER1234.')
      },
    }
    const facts = await runCodeDeploy(fakeAws(handlers, clock).clients, plan(clock), new Timeline(), { watch: clock })
    expect(decideOutcome(facts)).toEqual({
      outcome: 'failed',
      reason:
        'Nothing was deployed: CreateDeployment (AppECS-prod-web/DgpECS-prod-web): DeploymentLimitExceededException: The deployment group DgpECS-prod-web already has an active deployment d-OTHER1234.',
    })
  })
})

describe('checkCodeDeploy (preflight)', () => {
  const service: Service = {
    serviceName: 'web',
    deploymentController: { type: 'CODE_DEPLOY' },
    loadBalancers: [{ containerName: 'app', containerPort: 80 }],
  }
  const inputs = (over: Partial<ServiceInputs> = {}): ServiceInputs => ({
    cluster: 'prod',
    service: 'web',
    services: ['web'],
    strategy: { kind: 'auto' },
    codeDeploy: { hooks: {} },
    bakeTimeMs: 0,
    alarms: [],
    github: { deployment: false, environment: 'prod' },
    timeoutMs: 60_000,
    rollback: 'on-failure',
    onCancel: 'leave',
    maxTaskFailures: 3,
    wait: true,
    ...over,
  })
  const engine = (config: CodeDeployConfig = { kind: 'group-default' }): CodeDeployEngine => ({
    kind: 'codedeploy',
    label: 'x',
    application: 'AppECS-prod-web',
    deploymentGroup: 'DgpECS-prod-web',
    config,
  })
  const group = (wait = 60, services = [{ clusterName: 'prod', serviceName: 'web' }]) => ({
    deploymentGroupInfo: {
      ecsServices: services,
      blueGreenDeploymentConfiguration: { terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: wait } },
    },
  })
  const td = { family: 'web', containerDefinitions: [{ name: 'app', portMappings: [{ containerPort: 80 }] }] }
  const ok = { GetApplication: () => ({ application: { computePlatform: 'ECS' } }), GetDeploymentGroup: () => group() }

  it('passes with the AppSpec and the termination wait, read-only', async () => {
    const aws = fakeAws(ok)
    const result = await checkCodeDeploy(aws.clients, inputs(), service, engine(), td)
    expect(result.problems).toEqual([])
    expect(result.checked?.terminationWaitMinutes).toBe(60)
    expect(aws.calls.map((c) => c.op).sort()).toEqual(['GetApplication', 'GetDeploymentGroup'])
  })

  it('a missing application names the application, the group and the defaults', async () => {
    const aws = fakeAws({
      GetApplication: () => {
        throw awsError('ApplicationDoesNotExistException')
      },
      GetDeploymentGroup: () => {
        throw awsError('ApplicationDoesNotExistException')
      },
    })
    const { problems, checked } = await checkCodeDeploy(aws.clients, inputs(), service, engine(), td, ' in us-east-1')
    expect(checked).toBeUndefined()
    expect(problems).toEqual([
      'CodeDeploy application `AppECS-prod-web` does not exist in us-east-1, so deployment group `DgpECS-prod-web` cannot deploy service `web` (the defaults are AppECS-<cluster>-<service> and DgpECS-<cluster>-<service>, here AppECS-prod-web and DgpECS-prod-web; inputs `codedeploy-application` and `codedeploy-deployment-group` name others).',
    ])
  })

  it('a group of another service, a bake longer than the termination wait, a missing named configuration, an unusable AppSpec', async () => {
    const aws = fakeAws({
      ...ok,
      GetDeploymentGroup: () => group(5, [{ clusterName: 'prod', serviceName: 'api' }]),
      GetDeploymentConfig: () => {
        throw awsError('DeploymentConfigDoesNotExistException')
      },
    })
    const { problems } = await checkCodeDeploy(aws.clients, inputs({ bakeTimeMs: 10 * 60_000 }), { ...service, loadBalancers: [] }, engine({ kind: 'named', name: 'Nope' }), td)
    expect(problems).toEqual([
      'CodeDeploy deployment group `DgpECS-prod-web` (application `AppECS-prod-web`) deploys prod/api, not prod/web: set `codedeploy-deployment-group` to the group of this service.',
      "CodeDeploy deployment group `DgpECS-prod-web` deletes the old task set 5 minutes after traffic has moved (terminationWaitTimeInMinutes 5), but bake-time is 10m: the bake needs the old task set to roll back to. Raise the group's termination wait to at least 10 minutes or shorten bake-time.",
      expect.stringMatching(
        /^CodeDeploy deployment configuration `Nope` does not exist \(input `deployment-config`\): name an existing one, such as CodeDeployDefault.ECSAllAtOnce/,
      ),
      expect.stringMatching(/^Service `web` has no load balancer/),
    ])
  })

  it('a custom configuration may be missing, but one of that name with other settings is a problem; CodeDeploy percents are whole', async () => {
    const missing = fakeAws({
      ...ok,
      GetDeploymentConfig: () => {
        throw awsError('DeploymentConfigDoesNotExistException')
      },
    })
    expect((await checkCodeDeploy(missing.clients, inputs(), service, engine(CANARY), td)).problems).toEqual([])
    const other = fakeAws({
      ...ok,
      GetDeploymentConfig: () => ({
        deploymentConfigInfo: { computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 5 } } },
      }),
    })
    expect((await checkCodeDeploy(other.clients, inputs(), service, engine(CANARY), td)).problems).toEqual([
      'CodeDeploy deployment configuration `EcsSafeDeploy.Canary10Percent5Minutes` exists but is not TimeBasedCanary 10% every 5 min (it is TimeBasedCanary 20% / 5 min): delete it so it is created again, or use deployment-config.',
    ])
    const half = fakeAws({
      ...ok,
      GetDeploymentConfig: () => {
        throw awsError('DeploymentConfigDoesNotExistException')
      },
    })
    expect((await checkCodeDeploy(half.clients, inputs(), service, engine({ ...CANARY, percent: 12.5 }), td)).problems).toEqual([
      'Input `strategy`: CodeDeploy shifts whole percents of traffic, not 12.5%: use a whole number such as 13%.',
    ])
  })

  it('KEEP_ALIVE keeps the old task set: any bake time fits', async () => {
    const aws = fakeAws({
      ...ok,
      GetDeploymentGroup: () => ({
        deploymentGroupInfo: {
          ecsServices: [{ clusterName: 'arn:aws:ecs:us-east-1:1:cluster/prod', serviceName: 'web' }],
          blueGreenDeploymentConfiguration: { terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' } },
        },
      }),
    })
    const { problems, checked } = await checkCodeDeploy(aws.clients, inputs({ bakeTimeMs: 3 * 60 * 60_000 }), service, engine(), td)
    expect(problems).toEqual([])
    expect(checked?.terminationWaitMinutes).toBeUndefined()
  })
})
