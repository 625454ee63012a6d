// AWS at the HTTP level: real SDK clients (nockClients) talk to nock, which answers each operation by its
// `x-amz-target` (nockAws). For what only the SDK and the wire show; see the rule at the top of fake-aws.ts.
import { afterEach, beforeEach } from '@jest/globals'
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import nock from 'nock'
import type { Clients } from '../../src/aws/clients.js'

const NOCK_ENDPOINT = 'http://aws.test'

/** `x-amz-target` prefixes: `${ECS}.DescribeServices`. */
export const ECS = 'AmazonEC2ContainerServiceV20141113'
export const ECR = 'AmazonEC2ContainerRegistry_V20150921'
export const CLOUDWATCH = 'GraniteServiceVersion20100801'
/** The services that speak AWS JSON 1.0; the others 1.1. */
const JSON_1_0 = [CLOUDWATCH]

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = any
/** HTTP status, JSON body (Dates go on the wire as epoch seconds, as AWS sends them), extra headers. */
export type Reply = [number, Body] | [number, Body, Record<string, string>]
export type NockHandler = (body: Body) => Reply

export interface NockCall {
  target: string
  body: Body
}

/** An AWS error response: `{ __type, message }` with its HTTP status. */
export const errorReply = (type: string, message: string, status = 400): Reply => [status, { __type: type, message }]

/** No real network while a test runs, and no interceptor or listener left for the next one. Call at a file's top level. */
export function useNock(): void {
  beforeEach(() => {
    nock.disableNetConnect()
  })
  afterEach(() => {
    nock.cleanAll()
    nock.emitter.removeAllListeners('no match')
    nock.enableNetConnect()
  })
}

/** The action's five SDK clients, real, pointed at nock (or at `endpoint`). */
export function nockClients(options: { maxAttempts: number; credentials?: ECSClient['config']['credentials']; endpoint?: string }): Clients {
  const config = {
    endpoint: options.endpoint ?? NOCK_ENDPOINT,
    region: 'us-east-1',
    credentials: options.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: options.maxAttempts,
  }
  return {
    ecs: new ECSClient(config),
    ecr: new ECRClient(config),
    cloudwatch: new CloudWatchClient(config),
    logs: new CloudWatchLogsClient(config),
    codedeploy: new CodeDeployClient(config),
  }
}

const wire = (body: Body): string =>
  JSON.stringify(body, function (this: Record<string, unknown>, key, value) {
    const raw = this[key]
    return raw instanceof Date ? raw.getTime() / 1000 : value
  })

/**
 * Answers each `x-amz-target` with its handler (every call, persisted) or its list of replies (one call each, in
 * order: once they are used up the target is unmatched, and until then `nock.isDone()` is false). Records every
 * request it answered, and every request nothing matched.
 */
export function nockAws(given: Record<string, NockHandler | Reply[]>) {
  const calls: NockCall[] = []
  const unmatched: string[] = []
  nock.emitter.on('no match', (req: { headers?: Record<string, string>; path?: string }) => {
    unmatched.push(String(req.headers?.['x-amz-target'] ?? req.path))
  })
  for (const [target, answer] of Object.entries(given)) {
    const json = JSON_1_0.some((prefix) => target.startsWith(`${prefix}.`)) ? '1.0' : '1.1'
    const intercept = (handler: NockHandler, persist: boolean) =>
      nock(NOCK_ENDPOINT)
        .persist(persist)
        .post('/')
        .matchHeader('x-amz-target', target)
        .reply((_uri, raw) => {
          const body = typeof raw === 'string' ? JSON.parse(raw || '{}') : raw
          calls.push({ target, body })
          const [status, reply, headers = {}] = handler(body)
          return [status, wire(reply), { 'content-type': `application/x-amz-json-${json}`, ...headers }]
        })
    if (typeof answer === 'function') intercept(answer, true)
    else for (const reply of answer) intercept(() => reply, false)
  }
  return { calls, unmatched, targets: () => calls.map((c) => c.target) }
}
