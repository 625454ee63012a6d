// The sandbox's RegisterTaskDefinition checks the fields the render inputs set as AWS's model does (sandbox/model):
// a secret needs its valueFrom, an environment file is of type s3, a log driver is one of LogDriver's; and what it
// takes it returns as registered.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { ECSClient, RegisterTaskDefinitionCommand, type ContainerDefinition } from '@aws-sdk/client-ecs'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { credentials } from './helpers/release.js'

let sandbox: Sandbox
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 0 })
})
afterAll(async () => {
  await sandbox.stop()
})

const register = (container: Record<string, unknown>) =>
  new ECSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials, maxAttempts: 1 }).send(
    new RegisterTaskDefinitionCommand({ family: 'fields', containerDefinitions: [{ name: 'web', image: 'nginx:1.27', memory: 128, ...container } as ContainerDefinition] }),
  )

/** The error a request got, as name and message. */
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (err: Error) => `${err.name}: ${err.message}`,
  )

describe("RegisterTaskDefinition's render fields in the sandbox", () => {
  test('a secret without valueFrom, an environment file not of type s3, an unknown log driver: refused', async () => {
    expect(await refusal(register({ secrets: [{ name: 'DB' }] }))).toMatch(/valueFrom/)
    expect(await refusal(register({ environmentFiles: [{ value: 'arn:aws:s3:::b/k.env', type: 'file' }] }))).toMatch(/type/)
    expect(await refusal(register({ logConfiguration: { logDriver: 'stdout' } }))).toMatch(/logDriver/)
  })

  test('what the render inputs set comes back as registered', async () => {
    const fields = {
      environment: [{ name: 'A', value: '1=2' }],
      secrets: [{ name: 'DB', valueFrom: '/prod/db' }],
      environmentFiles: [{ value: 'arn:aws:s3:::b/k.env', type: 's3' }],
      dockerLabels: { team: 'web' },
      command: ['node', 'server.js'],
      logConfiguration: { logDriver: 'json-file', options: { 'max-size': '10m' } },
    }
    const { taskDefinition } = await register(fields)
    expect(taskDefinition?.containerDefinitions?.[0]).toMatchObject(fields)
  })
})
