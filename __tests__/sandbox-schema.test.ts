// The request validation generated from AWS's botocore models (sandbox/model/): the schema matches what the sandbox
// serves, each service refuses what its model refuses with its own error shape, and the response check catches
// answers that break the model.
import { describe, expect, it } from '@jest/globals'
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch'
import { existsSync } from 'node:fs'
import { decodeCbor, encodeCbor } from '../sandbox/cbor.js'
import { handleChecked, responseProblems } from '../sandbox/model/index.js'
import { schema } from '../sandbox/model/schema.js'
import { startSandbox } from '../sandbox/index.js'
import { AwsError, type AwsService } from '../sandbox/types.js'
import { World } from '../sandbox/world.js'
import { clientConfig, rawCall } from './sandbox-helpers.js'

const world = new World({ timeScale: 0, account: { region: 'us-east-1', accountId: '123456789012' } })

describe('the generated schema', () => {
  it('covers exactly the operations the sandbox serves, service by service', () => {
    expect(
      Object.values(schema.services)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['cloudwatch', 'codedeploy', 'ecr', 'ecs', 'logs'])
    for (const [prefix, s] of Object.entries(schema.services)) {
      const found = world.serviceFor(prefix)
      expect(found?.name).toBe(s.name)
      const served = Object.keys(s.operations).filter((op) => found!.service.has(op))
      const unservedButServed = s.unserved.filter((op) => found!.service.has(op))
      expect([s.name, served.length, unservedButServed]).toEqual([s.name, Object.keys(s.operations).length, []])
    }
  })

  it("names its source: the botocore version, each model's apiVersion, and botocore's licence and notice", () => {
    expect(schema.source).toMatchObject({
      botocore: '1.43.11',
      apiVersions: { ecs: '2014-11-13', ecr: '2015-09-21', codedeploy: '2014-10-06', cloudwatch: '2010-08-01', logs: '2014-03-28' },
    })
    expect(existsSync('sandbox/model/botocore-LICENSE.txt') && existsSync('sandbox/model/botocore-NOTICE.txt')).toBe(true)
  })
})

describe("requests the models refuse, with each service's error", () => {
  it('ECS: a string for an integer is a SerializationException; a broken constraint an InvalidParameterException', async () => {
    const s = await startSandbox({ timeScale: 0 })
    try {
      const ecs = (op: string, body: unknown) => rawCall(s.url, `AmazonEC2ContainerServiceV20141113.${op}`, JSON.stringify(body))
      expect(await ecs('UpdateService', { service: 'web', desiredCount: 'two' })).toMatchObject({
        status: 400,
        body: { __type: 'SerializationException', message: 'STRING_VALUE cannot be converted to Integer' },
      })
      expect((await ecs('ListTasks', { desiredStatus: 'DONE' })).body).toEqual({
        __type: 'InvalidParameterException',
        message: "1 validation error detected: Value 'DONE' at 'desiredStatus' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, PENDING, STOPPED]",
      })
      expect((await ecs('DescribeServices', {})).body).toMatchObject({
        __type: 'InvalidParameterException',
        message: expect.stringContaining("Value null at 'services' failed to satisfy constraint: Member must not be null"),
      })
    } finally {
      await s.stop()
    }
  })

  it('CloudWatch: MaxRecords 1–100 and at most 100 AlarmNames (ValidationError), missing members (MissingParameter), over JSON and CBOR', async () => {
    const s = await startSandbox({ timeScale: 0 })
    const cw = new CloudWatchClient(clientConfig(s.url))
    try {
      for (const MaxRecords of [0, 101]) {
        await expect(cw.send(new DescribeAlarmsCommand({ MaxRecords }))).rejects.toMatchObject({
          Code: 'ValidationError',
          message: expect.stringMatching(
            new RegExp(
              `^1 validation error detected: Value '${MaxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value (greater|less) than or equal to (1|100)$`,
            ),
          ),
        })
      }
      const names = Array.from({ length: 101 }, (_, i) => `alarm-${i}`)
      await expect(cw.send(new DescribeAlarmsCommand({ AlarmNames: names }))).rejects.toMatchObject({
        Code: 'ValidationError',
        message: expect.stringContaining("at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100"),
      })
      await expect(cw.send(new SetAlarmStateCommand({ AlarmName: 'a' } as never))).rejects.toMatchObject({
        Code: 'MissingParameter',
        message: 'The parameter StateValue is required.\nThe parameter StateReason is required.',
      })
      const res = await fetch(`${s.url}/service/GraniteServiceVersion20100801/operation/DescribeAlarms`, {
        method: 'POST',
        headers: { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' },
        body: encodeCbor({ MaxRecords: 1000 }),
      })
      expect([res.status, res.headers.get('x-amzn-query-error')]).toEqual([400, 'ValidationError;Sender'])
      expect(decodeCbor(Buffer.from(await res.arrayBuffer()))).toMatchObject({ __type: 'ValidationError' })
    } finally {
      cw.destroy()
      await s.stop()
    }
  })

  it('CloudWatch Logs: GetLogEvents limit 1–10000, logGroupName xor logGroupIdentifier (InvalidParameterException)', async () => {
    const s = await startSandbox({ timeScale: 0, world: { logGroups: ['/ecs/web'] } })
    try {
      const logs = (body: unknown) => rawCall(s.url, 'Logs_20140328.GetLogEvents', JSON.stringify(body))
      expect((await logs({ logGroupName: '/ecs/web', logStreamName: 'x', limit: 10001 })).body).toEqual({
        __type: 'InvalidParameterException',
        message: "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
      })
      expect((await logs({ logGroupName: '/ecs/web', logStreamName: 'x', limit: 0 })).body).toMatchObject({ __type: 'InvalidParameterException' })
      expect((await logs({ logGroupName: '/ecs/web', logStreamName: 'x', limit: '10' })).body).toMatchObject({ __type: 'SerializationException' })
      for (const group of [{ logGroupName: '/ecs/web', logGroupIdentifier: '/ecs/web' }, {}]) {
        expect((await logs({ ...group, logStreamName: 'x' })).body).toEqual({
          __type: 'InvalidParameterException',
          message: 'You must include one of logGroupIdentifier or logGroupName, but not both.',
        })
      }
    } finally {
      await s.stop()
    }
  })

  it('ECR: maxResults ≤ 1000, a 12-digit registryId and the repository name pattern (InvalidParameterException, not RepositoryNotFoundException)', async () => {
    const s = await startSandbox({ timeScale: 0, world: { repositories: [{ repositoryName: 'web' }] } })
    try {
      const ecr = async (op: string, body: unknown) => (await rawCall(s.url, `AmazonEC2ContainerRegistry_V20150921.${op}`, JSON.stringify(body))).body
      expect(await ecr('DescribeImages', { repositoryName: 'web', maxResults: 1001 })).toEqual({
        __type: 'InvalidParameterException',
        message: "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'",
      })
      expect(await ecr('DescribeImages', { repositoryName: 'web', registryId: '1234' })).toEqual({
        __type: 'InvalidParameterException',
        message: "Invalid parameter at 'registryId' failed to satisfy constraint: 'Member must satisfy regular expression pattern: [0-9]{12}'",
      })
      expect(await ecr('GetAuthorizationToken', { registryIds: ['12'] })).toEqual({
        __type: 'InvalidParameterException',
        message: "Invalid parameter at 'registryIds' failed to satisfy constraint: 'Member must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]{12}]'",
      })
      expect(await ecr('DescribeImages', { repositoryName: 'Bad_Name' })).toMatchObject({
        __type: 'InvalidParameterException',
        message: expect.stringContaining("Invalid parameter at 'repositoryName'"),
      })
      expect(await ecr('DescribeImages', { repositoryName: 'missing' })).toMatchObject({ __type: 'RepositoryNotFoundException' })
    } finally {
      await s.stop()
    }
  })

  it("CodeDeploy: the member's own exception (InvalidApplicationNameException for a name over 100 characters, …RequiredException when missing)", async () => {
    const s = await startSandbox({ timeScale: 0 })
    try {
      const cd = async (op: string, body: unknown) => (await rawCall(s.url, `CodeDeploy_20141006.${op}`, JSON.stringify(body))).body
      expect(await cd('CreateApplication', { applicationName: 'a'.repeat(101), computePlatform: 'ECS' })).toMatchObject({
        __type: 'InvalidApplicationNameException',
        message: expect.stringContaining('Member must have length less than or equal to 100'),
      })
      expect(await cd('GetDeployment', {})).toMatchObject({ __type: 'DeploymentIdRequiredException' })
      expect(await cd('BatchGetDeploymentTargets', { deploymentId: 'd-ABCDEFGHI' })).toMatchObject({ __type: 'DeploymentTargetIdRequiredException' })
      expect(await cd('ContinueDeployment', { deploymentId: 'd-ABCDEFGHI', deploymentWaitType: 'NOW' })).toMatchObject({ __type: 'InvalidDeploymentWaitTypeException' })
      expect(await cd('CreateApplication', { applicationName: 'x', computePlatform: 'ECS', tags: 'none' })).toMatchObject({ __type: 'SerializationException' })
    } finally {
      await s.stop()
    }
  })
})

describe("the response check of the sandbox's tests", () => {
  const ecs = schema.services.AmazonEC2ContainerServiceV20141113!
  it('names enum values, types, millisecond timestamps and members the model lacks', () => {
    const problems = responseProblems(ecs, 'DescribeServiceDeployments', {
      serviceDeployments: [{ lifecycleStage: 'PRE_PRODUCTION_TRAFFIC_SHIFT', createdAt: 1_767_225_600_000, status: 7, extra: true }],
    })
    expect(problems).toEqual([
      'serviceDeployments[0].lifecycleStage: "PRE_PRODUCTION_TRAFFIC_SHIFT" breaks "Member must satisfy enum value set: [RECONCILE_SERVICE, PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, CLEAN_UP]"',
      'serviceDeployments[0].createdAt: 1767225600000 is not in epoch seconds',
      'serviceDeployments[0].status: NUMBER_VALUE cannot be converted to String',
      'serviceDeployments[0].extra: not in the model',
    ])
    expect(responseProblems(ecs, 'DescribeServiceDeployments', { serviceDeployments: [{ createdAt: 1_767_225_600.5 }], failures: [] })).toEqual([])
  })

  it('fails an answer or an error code the model does not have, when checks are on', () => {
    const fake = (out: () => Record<string, unknown>): AwsService => ({
      targetPrefix: 'AmazonEC2ContainerServiceV20141113',
      mutatingOperations: new Set(),
      has: () => true,
      handle: out,
    })
    expect(() =>
      handleChecked(
        fake(() => ({ taskArns: [1] })),
        'ListTasks',
        {},
        true,
      ),
    ).toThrow(/ecs\.ListTasks: taskArns\[0\]: NUMBER_VALUE cannot be converted to String/)
    expect(
      handleChecked(
        fake(() => ({ taskArns: [1] })),
        'ListTasks',
        {},
        false,
      ),
    ).toEqual({ taskArns: [1] })
    const throwing = fake(() => {
      throw new AwsError('RepositoryNotFoundException', 'no')
    })
    expect(() => handleChecked(throwing, 'ListTasks', {}, true)).toThrow(/answered RepositoryNotFoundException, which its model does not declare/)
  })
})
