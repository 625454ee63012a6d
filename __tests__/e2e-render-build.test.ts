// End to end with a real build (#18): `build-context` builds the image for `container-name`, and `images` sets the
// other container's image in the same revision. Needs the Docker engine and registry of scripts/docker-env.sh.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { rmSync } from 'node:fs'
import { DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs'
import { runAction } from '../scripts/action-runner.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { busyboxContext, describeWithDocker } from './helpers/docker-env.js'
import { credentials } from './helpers/release.js'

const SHA = '89abcdef0123456789abcdef0123456789abcdef'
const LOG_ROUTER = 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0'

describeWithDocker('images beside a build, through the bundled action', (env) => {
  const repo = `e2e/render-${Date.now().toString(36)}`
  let sandbox: Sandbox
  let work: string
  let context: string

  beforeAll(async () => {
    ;({ work, context } = busyboxContext('e2e-render-build-', 'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "httpd", "-f", "-p", "8080"]\n'))
    sandbox = await startSandbox({
      timeScale: 60,
      world: {
        ecr: { registryHost: env().registry, proxyEndpoint: `http://${env().registry}`, username: env().user, password: env().password },
        repositories: [{ repositoryName: repo }],
        clusters: [{ clusterName: 'staging' }],
        taskDefinitions: [
          {
            family: 'web',
            requiresCompatibilities: ['FARGATE'],
            networkMode: 'awsvpc',
            cpu: '256',
            memory: '512',
            containerDefinitions: [
              { name: 'web', image: 'public.ecr.aws/nginx/nginx:1.27', essential: true },
              { name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.0', essential: false },
            ],
          },
        ],
        services: [
          {
            cluster: 'staging',
            serviceName: 'web',
            taskDefinition: 'web:1',
            desiredCount: 1,
            launchType: 'FARGATE',
            networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
          },
        ],
      },
    })
  })

  afterAll(async () => {
    await sandbox?.stop()
    rmSync(work, { recursive: true, force: true })
  })

  test('the built image goes to container-name, `images` to the other container: one new revision with both', async () => {
    const run = await runAction({
      inputs: {
        cluster: 'staging',
        service: 'web',
        timeout: '5m',
        image: `${env().registry}/${repo}`,
        'build-context': context,
        'container-name': 'web',
        images: `log-router=${LOG_ROUTER}`,
      },
      endpoint: sandbox.url,
      env: { DOCKER_HOST: env().dockerHost, GITHUB_SHA: SHA },
    })
    expect(run.outputs.outcome).toBe('succeeded')
    const ecs = new ECSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials })
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: run.outputs['task-definition-arn'] }))
    const images = Object.fromEntries((taskDefinition?.containerDefinitions ?? []).map((c) => [c.name, c.image]))
    expect(images).toEqual({ web: expect.stringMatching(new RegExp(`^${env().registry}/${repo}@sha256:[0-9a-f]{64}$`)), 'log-router': LOG_ROUTER })
    expect(sandbox.control.calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1)
  }, 180_000)
})
