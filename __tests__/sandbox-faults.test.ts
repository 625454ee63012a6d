// Injected faults as the AWS SDK sees them: any AWS error, an answer lost after the call was applied, a call that
// never answers, and the triggers (`after`, `when`, `count: 'forever'`) that decide which calls they take.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch'
import { CodeDeployClient, ListApplicationsCommand } from '@aws-sdk/client-codedeploy'
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient, ListImagesCommand } from '@aws-sdk/client-ecr'
import { ConflictException, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { FaultBook } from '../sandbox/faults.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { clientConfig, controlRequest } from './sandbox-helpers.js'

let sandbox: Sandbox
let ecs: ECSClient
let ecr: ECRClient

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 0, world: 'sandbox/worlds/demo.yaml' })
  ecs = new ECSClient(clientConfig(sandbox.url))
  ecr = new ECRClient(clientConfig(sandbox.url))
})
afterAll(async () => {
  ecs.destroy()
  ecr.destroy()
  await sandbox.stop()
})
beforeEach(() => sandbox.control.reset({ world: true }))

const web = async () => (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))).services![0]
const describeWeb = () => ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))
const NETWORK_ERROR = /socket hang up|ECONNRESET|closed/i

/** Advance the manual clock in 5 s steps until `done`, at most `maxSeconds`. */
function advanceUntil(done: () => boolean, maxSeconds = 900): void {
  for (let s = 0; s < maxSeconds && !done(); s += 5) sandbox.control.advance(5)
  if (!done()) throw new Error(`not reached within ${maxSeconds} simulated seconds`)
}

const control = (path: string, body?: unknown) => controlRequest(sandbox.url, path, { body })

describe('error: any AWS error code', () => {
  it('reaches the SDK as the named error with its status and message, and the call is not applied', async () => {
    sandbox.control.fault({ service: 'ecs', operation: 'UpdateService', kind: 'error', code: 'ConflictException', status: 409, message: 'The service is being updated.' })
    const err = await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', desiredCount: 5 })).catch((e: unknown) => e)
    // A code in the service's model becomes its exception class.
    expect(err).toBeInstanceOf(ConflictException)
    expect(err).toMatchObject({ name: 'ConflictException', message: 'The service is being updated.', $metadata: { httpStatusCode: 409 } })
    expect((await web()).desiredCount).toBe(3)
    const [call] = sandbox.control.calls({ operation: 'UpdateService' })
    expect(call).toMatchObject({ status: 409, errorCode: 'ConflictException', fault: 'error', faultId: expect.any(Number) })
  })

  it('speaks each protocol: awsJson1_1 (ECR, CodeDeploy) and CloudWatch query-compatible awsJson1_0', async () => {
    const cw = new CloudWatchClient(clientConfig(sandbox.url))
    const cd = new CodeDeployClient(clientConfig(sandbox.url))
    try {
      sandbox.control.fault({ operation: 'DescribeRepositories', kind: 'error', code: 'ExpiredTokenException', message: 'The security token included in the request is expired' })
      sandbox.control.fault({ service: 'cloudwatch', kind: 'error', code: 'AccessDenied', status: 403 })
      sandbox.control.fault({ service: 'codedeploy', kind: 'error', code: 'DeploymentLimitExceededException', status: 400 })
      await expect(ecr.send(new DescribeRepositoriesCommand({}))).rejects.toMatchObject({
        name: 'ExpiredTokenException',
        message: 'The security token included in the request is expired',
        $metadata: { httpStatusCode: 400 },
      })
      await expect(cw.send(new DescribeAlarmsCommand({}))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: 'AccessDenied (injected by the sandbox)',
        $metadata: { httpStatusCode: 403 },
      })
      await expect(cd.send(new ListApplicationsCommand({}))).rejects.toMatchObject({ name: 'DeploymentLimitExceededException', $metadata: { httpStatusCode: 400 } })
      await expect(cw.send(new DescribeAlarmsCommand({}))).resolves.toBeDefined()
    } finally {
      cw.destroy()
      cd.destroy()
    }
  })

  it('refuses a spec without a usable code or status, and error fields on other kinds', () => {
    expect(() => sandbox.control.fault({ kind: 'error' })).toThrow(/code/)
    expect(() => sandbox.control.fault({ kind: 'error', code: 'Bad Code' })).toThrow(/code/)
    expect(() => sandbox.control.fault({ kind: 'error', code: 'X', status: 200 })).toThrow(/status/)
    expect(() => sandbox.control.fault({ kind: 'throttling', code: 'X' })).toThrow(/kind error/)
    expect(sandbox.control.faults()).toEqual([])
  })
})

describe('lost-answer: applied, then the connection is lost', () => {
  it('changes the world, yet a one-attempt client gets a network error', async () => {
    sandbox.control.fault({ operation: 'UpdateService', kind: 'lost-answer' })
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', desiredCount: 5 }))).rejects.toThrow(NETWORK_ERROR)
    expect((await web()).desiredCount).toBe(5)
    expect(sandbox.control.calls({ operation: 'UpdateService' })).toEqual([
      expect.objectContaining({ status: 0, errorCode: 'AnswerLost', fault: 'lost-answer', applied: { status: 200 } }),
    ])
  })

  it('a retrying client meets the world its first attempt changed', async () => {
    const retrying = new ECRClient(clientConfig(sandbox.url, 3))
    try {
      sandbox.control.fault({ operation: 'CreateRepository', kind: 'lost-answer' })
      await expect(retrying.send(new CreateRepositoryCommand({ repositoryName: 'api' }))).rejects.toMatchObject({ name: 'RepositoryAlreadyExistsException' })
      expect(sandbox.control.calls({ operation: 'CreateRepository' }).map((c) => [c.status, c.errorCode, c.fault])).toEqual([
        [0, 'AnswerLost', 'lost-answer'],
        [400, 'RepositoryAlreadyExistsException', undefined],
      ])
    } finally {
      retrying.destroy()
    }
  })

  it('records what a failing call answered before its answer was lost', async () => {
    sandbox.control.fault({ operation: 'UpdateService', kind: 'lost-answer' })
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'ghost', desiredCount: 1 }))).rejects.toThrow(NETWORK_ERROR)
    expect(sandbox.control.calls({ operation: 'UpdateService' })[0]).toMatchObject({ status: 0, applied: { status: 400, errorCode: 'ServiceNotFoundException' } })
  })
})

describe('hang: the call never answers', () => {
  it('a client with a request timeout gives up, and the call was not applied', async () => {
    // Without throwOnRequestTimeout this smithy version only warns when requestTimeout passes, and keeps waiting.
    const impatient = new ECSClient({ ...clientConfig(sandbox.url), requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } })
    try {
      sandbox.control.fault({ operation: 'UpdateService', kind: 'hang' })
      const t0 = Date.now()
      await expect(impatient.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', desiredCount: 7 }))).rejects.toThrow(/timeout|timed out/i)
      expect(Date.now() - t0).toBeLessThan(5000)
      expect((await web()).desiredCount).toBe(3)
      expect(sandbox.control.calls({ operation: 'UpdateService' })).toEqual([expect.objectContaining({ status: 0, errorCode: 'NoAnswer', fault: 'hang' })])
    } finally {
      impatient.destroy()
    }
  })

  it('an abort signal ends the wait, and the next call is answered', async () => {
    sandbox.control.fault({ operation: 'DescribeServices', kind: 'hang' })
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }), { abortSignal: AbortSignal.timeout(200) })).rejects.toMatchObject({
      name: 'AbortError',
    })
    await expect(describeWeb()).resolves.toBeDefined()
  })

  it('stop() returns promptly with a call still hanging', async () => {
    const own = await startSandbox({ timeScale: 0, world: { repositories: [{ repositoryName: 'repo' }] } })
    const client = new ECRClient(clientConfig(own.url))
    try {
      own.control.fault({ operation: 'DescribeRepositories', kind: 'hang' })
      const hanging = client.send(new DescribeRepositoriesCommand({})).catch((e: unknown) => e)
      while (own.control.calls().length === 0) await new Promise((r) => setTimeout(r, 10))
      const t0 = Date.now()
      await own.stop()
      expect(Date.now() - t0).toBeLessThan(1000)
      expect(String(await hanging)).toMatch(NETWORK_ERROR)
    } finally {
      client.destroy()
    }
  })
})

describe('triggers', () => {
  it('after: N lets N matching calls succeed first; calls that fail do not count', async () => {
    sandbox.control.fault({ operation: 'ListImages', kind: 'throttling', after: 2 })
    const list = () => ecr.send(new ListImagesCommand({ repositoryName: 'web' }))
    await expect(ecr.send(new ListImagesCommand({ repositoryName: 'ghost' }))).rejects.toMatchObject({ name: 'RepositoryNotFoundException' })
    await expect(list()).resolves.toBeDefined()
    expect(sandbox.control.faults()).toEqual([expect.objectContaining({ after: 1, count: 1, armed: true })])
    await expect(list()).resolves.toBeDefined()
    await expect(list()).rejects.toMatchObject({ name: 'ThrottlingException' })
    await expect(list()).resolves.toBeDefined()
  })

  it("count: 'forever' takes every matching call until cleared", async () => {
    sandbox.control.fault({ operation: 'ListImages', kind: 'error', code: 'AccessDeniedException', count: 'forever' })
    for (let i = 0; i < 3; i++) await expect(ecr.send(new ListImagesCommand({ repositoryName: 'web' }))).rejects.toMatchObject({ name: 'AccessDeniedException' })
    expect(sandbox.control.faults()).toEqual([expect.objectContaining({ count: 'forever' })])
    sandbox.control.clearFaults()
    await expect(ecr.send(new ListImagesCommand({ repositoryName: 'web' }))).resolves.toBeDefined()
  })

  it("when: 'deployment-started' arms as UpdateService starts a deployment", async () => {
    sandbox.control.fault({ operation: 'DescribeServices', kind: 'error', code: 'AccessDeniedException', when: 'deployment-started' })
    await expect(describeWeb()).resolves.toBeDefined()
    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', forceNewDeployment: true }))
    await expect(describeWeb()).rejects.toMatchObject({ name: 'AccessDeniedException' })
  })

  it("when: 'deployment-completed' arms once the new PRIMARY deployment is COMPLETED; after counts from then", async () => {
    const { service } = await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', forceNewDeployment: true }))
    sandbox.control.fault({ operation: 'DescribeServices', kind: 'unavailable', when: 'deployment-completed', after: 1 })
    sandbox.control.advance(5)
    expect((await web()).deployments![0].rolloutState).toBe('IN_PROGRESS')
    await expect(describeWeb()).resolves.toBeDefined()
    expect(sandbox.control.faults()).toEqual([expect.objectContaining({ armed: false, after: 1 })])
    advanceUntil(() => sandbox.control.faults()[0].armed)
    expect(sandbox.control.transitions({ kind: 'deployment', id: service!.deployments![0].id, state: 'COMPLETED' })).toHaveLength(1)
    expect((await web()).deployments![0].rolloutState).toBe('COMPLETED')
    await expect(describeWeb()).rejects.toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } })
  })

  it("when: 'rollback-started' and 'rollback-completed' follow the circuit breaker's rollback", async () => {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v2-crash', essential: true }],
      }),
    )
    sandbox.control.fault({ operation: 'DescribeServices', kind: 'error', code: 'ServerException', status: 500, when: 'rollback-started' })
    sandbox.control.fault({ operation: 'DescribeServices', kind: 'error', code: 'ExpiredTokenException', when: 'rollback-completed' })
    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', taskDefinition: taskDefinition!.taskDefinitionArn }))
    const rollbacks = (state: string) => sandbox.control.transitions({ kind: 'service-deployment', state })
    const armed = (when: string) => sandbox.control.faults().find((f) => f.when === when)?.armed
    advanceUntil(() => armed('rollback-started') === true)
    expect(rollbacks('ROLLBACK_IN_PROGRESS')).toHaveLength(1)
    expect(rollbacks('ROLLBACK_SUCCESSFUL')).toHaveLength(0)
    expect(armed('rollback-completed')).toBe(false)
    await expect(describeWeb()).rejects.toMatchObject({ name: 'ServerException', $metadata: { httpStatusCode: 500 } })
    advanceUntil(() => armed('rollback-completed') === true)
    expect(rollbacks('ROLLBACK_SUCCESSFUL')).toHaveLength(1)
    await expect(describeWeb()).rejects.toMatchObject({ name: 'ExpiredTokenException' })
  })

  it('CodeDeploy deployments and their rollback deployments reach the same phases', () => {
    const book = new FaultBook(['codedeploy'])
    for (const when of ['deployment-started', 'deployment-completed', 'rollback-started', 'rollback-completed'] as const) book.add({ kind: 'drop', when })
    const armed = () =>
      book
        .list()
        .filter((f) => f.armed)
        .map((f) => f.when)
    book.observe({ kind: 'codedeploy', id: 'd-AAAAAAAAA', state: 'Created' })
    expect(armed()).toEqual(['deployment-started'])
    book.observe({ kind: 'codedeploy', id: 'd-BBBBBBBBB', state: 'Created', detail: { rollbackTriggeringDeploymentId: 'd-AAAAAAAAA' } })
    book.observe({ kind: 'codedeploy', id: 'd-BBBBBBBBB', state: 'Succeeded' })
    expect(armed()).toEqual(['deployment-started', 'rollback-started', 'rollback-completed'])
    book.observe({ kind: 'codedeploy', id: 'd-CCCCCCCCC', state: 'Succeeded' })
    expect(armed()).toEqual(['deployment-started', 'deployment-completed', 'rollback-started', 'rollback-completed'])
  })

  it('a phase reached before the fault was added does not arm it', async () => {
    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'web', forceNewDeployment: true }))
    sandbox.control.fault({ operation: 'DescribeServices', kind: 'throttling', when: 'deployment-started' })
    await expect(describeWeb()).resolves.toBeDefined()
  })
})

describe('over HTTP', () => {
  it('takes the new kinds and triggers, and refuses bad ones with 400', async () => {
    const added = await control('faults', {
      operation: 'UpdateService',
      kind: 'error',
      code: 'AccessDeniedException',
      status: 403,
      when: 'deployment-completed',
      after: 2,
      count: 'forever',
    })
    expect(added).toMatchObject({
      status: 200,
      body: {
        operation: 'UpdateService',
        kind: 'error',
        code: 'AccessDeniedException',
        status: 403,
        message: 'AccessDeniedException (injected by the sandbox)',
        when: 'deployment-completed',
        after: 2,
        count: 'forever',
        armed: false,
      },
    })
    expect((await control('faults', { kind: 'hang', operation: 'DescribeServices' })).body).toMatchObject({ kind: 'hang', count: 1, after: 0, armed: true })
    expect((await control('faults')).body).toHaveLength(2)
    expect((await control('faults', { kind: 'lost-answer', when: 'bake' })).body.error).toMatch(
      /when must be one of deployment-started, deployment-completed, rollback-started, rollback-completed/,
    )
    expect((await control('faults', { kind: 'drop', count: 0 })).status).toBe(400)
    expect((await control('faults', { kind: 'drop', after: -1 })).status).toBe(400)
    expect((await control('faults', { kind: 'error' })).status).toBe(400)
  })
})
