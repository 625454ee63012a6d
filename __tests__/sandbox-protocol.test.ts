import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { ClusterNotFoundException, DescribeServicesCommand, ECSClient, CreateClusterCommand } from '@aws-sdk/client-ecs'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { clientConfig, rawCall } from './sandbox-helpers.js'

let sandbox: Sandbox
let ecs: ECSClient

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 0 })
  ecs = new ECSClient(clientConfig(sandbox.url))
})
afterAll(async () => {
  ecs.destroy()
  await sandbox.stop()
})

describe('wire protocol', () => {
  it('answers an unknown operation or target prefix with UnknownOperationException', async () => {
    for (const target of ['AmazonEC2ContainerServiceV20141113.LaunchRockets', 'Nope_20200101.DescribeThings', '']) {
      const out = await rawCall(sandbox.url, target, '{}')
      expect(out.status).toBe(400)
      expect(out.body.__type).toBe('UnknownOperationException')
      expect(Object.keys(out.body).sort()).toEqual(['__type', 'message'])
    }
  })

  it('answers malformed JSON with SerializationException, in the request content type', async () => {
    const out = await rawCall(sandbox.url, 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories', '{"repositoryNames": [', 'application/x-amz-json-1.1')
    expect(out.status).toBe(400)
    expect(out.headers.get('content-type')).toBe('application/x-amz-json-1.1')
    expect(out.body.__type).toBe('SerializationException')
    const notObject = await rawCall(sandbox.url, 'Logs_20140328.DescribeLogGroups', '[1]')
    expect(notObject.body.__type).toBe('SerializationException')
  })

  it('treats an empty body as no input', async () => {
    const out = await rawCall(sandbox.url, 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories', '')
    expect(out).toMatchObject({ status: 200, body: { repositories: [] } })
  })

  it('validates required members', async () => {
    const ecr = await rawCall(sandbox.url, 'AmazonEC2ContainerRegistry_V20150921.CreateRepository', '{}')
    expect(ecr.status).toBe(400)
    expect(ecr.body).toEqual({ __type: 'InvalidParameterException', message: expect.stringContaining("'repositoryName'") })
    const cw = await rawCall(sandbox.url, 'GraniteServiceVersion20100801.SetAlarmState', '{"AlarmName":"a"}', 'application/x-amz-json-1.0')
    expect(cw.body.__type).toBe('MissingParameter')
    expect(cw.headers.get('x-amzn-query-error')).toBe('MissingParameter;Sender')
    expect(cw.headers.get('content-type')).toBe('application/x-amz-json-1.0')
  })

  it('returns ECS errors the SDK maps to its exception classes', async () => {
    const err = await ecs.send(new DescribeServicesCommand({ cluster: 'no-such-cluster', services: ['web'] })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClusterNotFoundException)
    expect((err as ClusterNotFoundException).$metadata.httpStatusCode).toBe(400)
  })

  it('reports unknown services in failures[] with reason MISSING', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'c1' }))
    const out = await ecs.send(new DescribeServicesCommand({ cluster: 'c1', services: ['ghost'] }))
    expect(out.services).toEqual([])
    expect(out.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/c1/ghost', reason: 'MISSING' }])
  })

  it('rejects other methods on the AWS endpoint and unknown control routes', async () => {
    const get = await fetch(sandbox.url)
    expect(get.status).toBe(400)
    expect(((await get.json()) as { __type: string }).__type).toBe('UnknownOperationException')
    const control = await fetch(`${sandbox.url}/_sandbox/nothing-here`)
    expect(control.status).toBe(404)
  })
})
