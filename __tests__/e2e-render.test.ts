// End to end: the render inputs (#18) through the bundled action against the sandbox, reading the registered revision
// back: environment merged in order, secrets by valueFrom, env files, another container's image, labels, command, log
// configuration and roles, a sidecar the inputs do not name unchanged field by field; malformed lines refused before
// any call; register only (`service` empty) from a file and from `family:revision`.
import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs'
import { errorAnnotations, runAction, type ActionRun } from '../scripts/action-runner.js'
import { webTaskDefinition, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { credentials, ECR } from './helpers/release.js'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

async function start(): Promise<Sandbox> {
  sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 })
  return sandbox
}

const ecs = (s: Sandbox) => new ECSClient({ endpoint: s.url, region: 'us-east-1', credentials })

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:password::'
const ENV_FILE = 'arn:aws:s3:::config-bucket/web/production.env'
const TASK_ROLE = 'arn:aws:iam::123456789012:role/web-task'
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/web-execution'

/** The sidecar no render input names. */
const ENVOY = {
  name: 'envoy',
  image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.5.0-prod',
  essential: false,
  environment: [{ name: 'APPMESH_RESOURCE_ARN', value: 'mesh/web' }],
  dockerLabels: { team: 'platform' },
  command: ['envoy', '-c', '/etc/envoy.yaml'],
  secrets: [{ name: 'ENVOY_TOKEN', valueFrom: '/mesh/token' }],
}

/** A task definition of three containers: `web` (gets `image` and the container inputs), `metrics`, and `envoy`. */
function threeContainers(): Record<string, unknown> {
  const web = webTaskDefinition(
    { executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole' },
    {
      environment: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
        { name: 'C', value: '3' },
      ],
      secrets: [{ name: 'OLD_SECRET', valueFrom: '/web/old' }],
      dockerLabels: { owner: 'web-team' },
      command: ['node', 'server.js'],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web' } },
    },
  ) as { containerDefinitions: Record<string, unknown>[] }
  web.containerDefinitions.push({ name: 'metrics', image: `${ECR}/web:v1`, essential: false }, ENVOY)
  return web
}

/** A RUNNER_TEMP holding `td.json`. */
function taskDefinitionFile(td: Record<string, unknown>): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-render-'))
  writeFileSync(join(dir, 'td.json'), JSON.stringify(td, null, 2))
  return { dir, path: join(dir, 'td.json') }
}

async function run(s: Sandbox, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  s.control.reset()
  return runAction({ inputs: { cluster: 'demo', service: 'web', timeout: '5m', ...inputs }, endpoint: s.url, env })
}

async function revision(s: Sandbox, arn: string) {
  const { taskDefinition } = await ecs(s).send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))
  const byName = (name: string) => taskDefinition?.containerDefinitions?.find((c) => c.name === name) as ContainerDefinition
  return { taskDefinition: taskDefinition!, byName }
}

/** Refused before any change: outcome failed, exit 1, no mutating AWS call; the error annotations. */
function expectRefused(s: Sandbox, result: ActionRun): string {
  expect(result.outputs.outcome).toBe('failed')
  expect(result.code).toBe(1)
  expect(s.control.calls({ mutating: true })).toEqual([])
  return errorAnnotations(result)
}

describe('render inputs, through the bundled action', () => {
  test('every render input lands in the registered revision; the sidecar is unchanged field by field', async () => {
    const s = await start()
    const file = taskDefinitionFile(threeContainers())
    const result = await run(
      s,
      {
        'task-definition': file.path,
        image: `${ECR}/web:v1.1`,
        'container-name': 'web',
        images: `metrics=${ECR}/web:v1.1`,
        'environment-variables': '# per environment\nB=two=2 \n\nD=postgres://db:5432/app?ssl=true\n',
        secrets: `DB_PASSWORD=${SECRET_ARN}\nAPI_KEY=/prod/web/api-key\nOLD_SECRET=arn:aws:ssm:us-east-1:123456789012:parameter/web/new`,
        'env-files': ENV_FILE,
        'docker-labels': 'owner=payments\nversion=1.1',
        command: '["node", "--enable-source-maps", "server.js"]',
        'log-configuration-log-driver': 'awslogs',
        'log-configuration-options': 'awslogs-stream-prefix=web-v2\nmode=non-blocking',
        'task-role-arn': TASK_ROLE,
        'execution-role-arn': EXECUTION_ROLE,
      },
      { RUNNER_TEMP: file.dir },
    )
    expect(result.outputs.outcome).toBe('succeeded')
    expect(result.code).toBe(0)
    const { taskDefinition, byName } = await revision(s, result.outputs['task-definition-arn'])
    expect(taskDefinition.taskRoleArn).toBe(TASK_ROLE)
    expect(taskDefinition.executionRoleArn).toBe(EXECUTION_ROLE)
    const web = byName('web')
    expect(web.image).toMatch(new RegExp(`^${ECR}/web@sha256:[0-9a-f]{64}$`))
    // Order kept, B replaced in place (everything after the first `=`, as written), D added at the end.
    expect(web.environment).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two=2 ' },
      { name: 'C', value: '3' },
      { name: 'D', value: 'postgres://db:5432/app?ssl=true' },
    ])
    expect(web.secrets).toEqual([
      { name: 'OLD_SECRET', valueFrom: 'arn:aws:ssm:us-east-1:123456789012:parameter/web/new' },
      { name: 'DB_PASSWORD', valueFrom: SECRET_ARN },
      { name: 'API_KEY', valueFrom: '/prod/web/api-key' },
    ])
    expect(web.environmentFiles).toEqual([{ value: ENV_FILE, type: 's3' }])
    expect(web.dockerLabels).toEqual({ owner: 'payments', version: '1.1' })
    expect(web.command).toEqual(['node', '--enable-source-maps', 'server.js'])
    expect(web.logConfiguration).toEqual({
      logDriver: 'awslogs',
      options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web-v2', mode: 'non-blocking' },
    })
    // `images` resolved like `image`: by digest.
    expect(byName('metrics').image).toMatch(new RegExp(`^${ECR}/web@sha256:[0-9a-f]{64}$`))
    // The sidecar as ECS registers the file's own: the same, field by field.
    const untouched = (await ecs(s).send(new RegisterTaskDefinitionCommand(threeContainers() as unknown as RegisterTaskDefinitionCommandInput))).taskDefinition
    expect(byName('envoy')).toEqual(untouched?.containerDefinitions?.find((c) => c.name === 'envoy'))
    // What changed, against the running revision; no secret's value or source printed.
    expect(result.stdout).toContain('container web: environment B: added (two=2 )')
    expect(result.stdout).toContain('container web: secret DB_PASSWORD: added')
    expect(result.stdout).toContain('container web: docker labels: added (owner=payments, version=1.1)')
    expect(result.stdout).toContain(`container web: environment files: added (${ENV_FILE})`)
    expect(result.stdout).toContain(`task: task role: added (${TASK_ROLE})`)
    expect(result.stdout).not.toContain('prod/db-AbCdEf')
  }, 120_000)

  test('a command that is not JSON is split on whitespace; environment only redeploys the live task definition', async () => {
    const s = await start()
    const result = await run(s, { 'environment-variables': 'LOG_LEVEL=debug', command: 'node  server.js --port 8080' })
    expect(result.outputs.outcome).toBe('succeeded')
    const { byName } = await revision(s, result.outputs['task-definition-arn'])
    expect(byName('web').command).toEqual(['node', 'server.js', '--port', '8080'])
    expect(byName('web').environment).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }])
    // The live revision's image is kept.
    expect(byName('web').image).toBe(`${ECR}/web:v1`)
  }, 120_000)

  test('every malformed line is an input error naming the input and the line, before any AWS call', async () => {
    const s = await start()
    const result = await run(s, {
      image: `${ECR}/web:v1.1`,
      'environment-variables': 'GOOD=1\nno-equals-sign\n=value',
      secrets: 'DB=https://example.com/secret\nOK=/ssm/param',
      'env-files': 'arn:aws:s3:::bucket/file.txt',
      images: 'metrics web:latest-but-no-equals\nsidecar=',
      'docker-labels': 'just-a-key',
      'log-configuration-options': 'mode',
      command: '["node", 1]',
    })
    const message = expectRefused(s, result)
    expect(s.control.calls()).toEqual([])
    for (const expected of [
      'Input `environment-variables` is `no-equals-sign`: line 2: expected NAME=value',
      'Input `environment-variables` is `=…`: line 3: expected NAME=value',
      'Input `secrets` is `DB=https://example.com/secret`: line 1: expected NAME=valueFrom with valueFrom a Secrets Manager secret ARN',
      'Input `env-files` is `arn:aws:s3:::bucket/file.txt`: line 1: expected the ARN of an S3 object with the .env extension',
      'Input `images` is `metrics web:latest-but-no-equals`: line 1: expected CONTAINER=IMAGE',
      'Input `images` is `sidecar=`: line 2: expected CONTAINER=IMAGE with IMAGE a full image reference',
      'Input `docker-labels` is `just-a-key`: line 1: expected KEY=VALUE',
      'Input `log-configuration-options` is `mode`: line 1: expected KEY=VALUE',
      'Input `command` is `["node", 1]`: expected a JSON array of strings',
    ]) {
      expect(message).toContain(expected)
    }
    // A name in both environment-variables and secrets is refused too (ECS would refuse it when a task starts).
    const both = await run(s, {
      image: `${ECR}/web:v1.1`,
      'environment-variables': 'DB=x',
      secrets: 'DB=/prod/db',
      'log-configuration-log-driver': 'stdout',
      'execution-role-arn': 'web-task',
      'propagate-tags': 'TASKS',
    })
    const second = expectRefused(s, both)
    expect(s.control.calls()).toEqual([])
    for (const expected of [
      'Inputs `environment-variables` and `secrets` both set `DB`',
      'Input `log-configuration-log-driver` is `stdout`: expected one of json-file, syslog',
      'Input `execution-role-arn` is `web-task`: expected an IAM role ARN',
      'Input `propagate-tags` is `TASKS`: expected TASK_DEFINITION, SERVICE, NONE',
    ]) {
      expect(second).toContain(expected)
    }
  }, 120_000)

  test('a container `images` names that does not exist fails preflight listing the containers; nothing is registered', async () => {
    const s = await start()
    const message = expectRefused(s, await run(s, { image: `${ECR}/web:v1.1`, images: `worker=${ECR}/web:v1` }))
    expect(message).toContain("Input `images` names container `worker`: the service's task definition `web:1` has no such container; its containers are `web`.")
    expect(s.control.calls({ operation: 'RegisterTaskDefinition' })).toEqual([])
    // Several containers, and neither `image` nor `container-name` to say which one gets the environment.
    const file = taskDefinitionFile(threeContainers())
    const which = expectRefused(s, await run(s, { 'task-definition': file.path, 'environment-variables': 'A=1' }, { RUNNER_TEMP: file.dir }))
    expect(which).toContain(`has 3 containers (\`web\`, \`metrics\`, \`envoy\`): set \`container-name\` to the one that gets the environment`)
  }, 60_000)
})

describe('register only (`service` empty)', () => {
  test('from a file: rendered, registered, outcome registered; no service call, no GitHub record; keep-revisions applies', async () => {
    const s = await start()
    const file = taskDefinitionFile(threeContainers())
    const result = await run(
      s,
      { service: '', 'task-definition': file.path, 'container-name': 'web', 'environment-variables': 'STAGE=batch', 'keep-revisions': '1', 'github-token': 'ghs_test' },
      { RUNNER_TEMP: file.dir, GITHUB_API_URL: s.githubUrl, GITHUB_REPOSITORY: 'org/app' },
    )
    expect(result.outputs.outcome).toBe('registered')
    expect(result.code).toBe(0)
    expect(result.outputs['task-definition-arn']).toMatch(/:task-definition\/web:2$/)
    const { byName } = await revision(s, result.outputs['task-definition-arn'])
    expect(byName('web').environment).toContainEqual({ name: 'STAGE', value: 'batch' })
    const ecsCalls = s.control.calls({ service: 'ecs' }).map((c) => c.operation)
    expect(ecsCalls.filter((op) => /Service|Cluster|Task$|Tasks$/.test(op))).toEqual([])
    expect(s.control.calls({ mutating: true }).map((c) => c.operation)).toEqual(['RegisterTaskDefinition', 'DeregisterTaskDefinition'])
    expect(s.github.calls()).toEqual([])
    // keep-revisions 1: web:1 deregistered, the new one kept.
    const { taskDefinitionArns } = await ecs(s).send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }))
    expect(taskDefinitionArns).toEqual([result.outputs['task-definition-arn']])
  }, 60_000)

  test('from family:revision with an `images` change: a new revision of it, the image by digest', async () => {
    const s = await start()
    const result = await run(s, { service: '', 'task-definition': 'web:1', images: `web=${ECR}/web:v1.1` })
    expect(result.outputs.outcome).toBe('registered')
    const { taskDefinition, byName } = await revision(s, result.outputs['task-definition-arn'])
    expect(taskDefinition.revision).toBe(2)
    expect(byName('web').image).toMatch(new RegExp(`^${ECR}/web@sha256:[0-9a-f]{64}$`))
    expect(result.stdout).toContain('What changed against web:1:')
    expect(s.control.calls({ mutating: true }).map((c) => c.operation)).toEqual(['RegisterTaskDefinition'])
  }, 60_000)

  test('without task-definition, or with inputs only a deployment uses: refused, naming them', async () => {
    const s = await start()
    expect(expectRefused(s, await run(s, { service: '', image: `${ECR}/web:v1.1` }))).toContain('Input `service` is empty and so is `task-definition`')
    const message = expectRefused(s, await run(s, { service: '', 'task-definition': 'web:1', 'rollback-to': 'previous', 'desired-count': '2' }))
    expect(message).toContain('Input `rollback-to` is `previous` but `service` is empty')
    expect(message).toContain('Input `desired-count` is `2` but `service` is empty')
  }, 60_000)
})

describe("the official deploy action's service inputs and output", () => {
  test('propagate-tags and enable-ecs-managed-tags go with the rolling deployment’s UpdateService; codedeploy-deployment-id stays empty', async () => {
    const s = await start()
    const result = await run(s, { image: `${ECR}/web:v1.1`, 'propagate-tags': 'SERVICE', 'enable-ecs-managed-tags': 'true' })
    expect(result.outputs.outcome).toBe('succeeded')
    const [update] = s.control.calls({ operation: 'UpdateService' })
    expect(update.params).toMatchObject({ propagateTags: 'SERVICE', enableECSManagedTags: true })
    const { services } = await ecs(s).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }))
    expect(services?.[0]).toMatchObject({ propagateTags: 'SERVICE', enableECSManagedTags: true })
    expect(result.outputs['codedeploy-deployment-id']).toBe('')
  }, 120_000)

  test('on a CODE_DEPLOY service they are refused in preflight, naming why; nothing changes', async () => {
    sandbox = await startSandbox({ world: world('progressive.yaml'), timeScale: 60 })
    const s = sandbox
    const message = expectRefused(s, await run(s, { service: 'web-cd', image: `${ECR}/web:v1.1`, 'propagate-tags': 'TASK_DEFINITION', 'enable-ecs-managed-tags': 'false' }))
    expect(message).toContain("Input `propagate-tags` is `TASK_DEFINITION`: service `web-cd` is deployed by CodeDeploy: its deployment starts with CodeDeploy's CreateDeployment")
    expect(message).toContain('Input `enable-ecs-managed-tags` is `false`: service `web-cd` is deployed by CodeDeploy')
  }, 60_000)

  test('a CodeDeploy deployment sets codedeploy-deployment-id beside deployment-id', async () => {
    sandbox = await startSandbox({ world: world('progressive.yaml'), timeScale: 30 })
    const result = await run(sandbox, { service: 'web-cd', image: `${ECR}/web:v1.1`, timeout: '10m' })
    expect(result.outputs.outcome).toBe('succeeded')
    expect(result.outputs['deployment-id']).toMatch(/^d-[A-Z0-9]{9}$/)
    expect(result.outputs['codedeploy-deployment-id']).toBe(result.outputs['deployment-id'])
  }, 180_000)
})

describe('services that share a family', () => {
  test('two services on one revision of `web` in one release: one RegisterTaskDefinition, both run the new revision', async () => {
    const spec = world('demo.yaml')
    const web = spec.services!.find((svc) => svc.serviceName === 'web')!
    spec.services!.push({ ...web, serviceName: 'web-canary', desiredCount: 1 })
    sandbox = await startSandbox({ world: spec, timeScale: 60 })
    const result = await run(sandbox, { service: 'web, web-canary', image: `${ECR}/web:v1.1` })
    expect(result.outputs.outcome).toBe('succeeded')
    expect(sandbox.control.calls({ operation: 'RegisterTaskDefinition' })).toHaveLength(1)
    const results = JSON.parse(result.outputs.services) as { service: string; taskDefinitionArn: string }[]
    expect(results.map((r) => r.taskDefinitionArn)).toEqual([expect.stringMatching(/:task-definition\/web:2$/), expect.stringMatching(/:task-definition\/web:2$/)])
    const { services } = await ecs(sandbox).send(new DescribeServicesCommand({ cluster: 'demo', services: ['web', 'web-canary'] }))
    expect(services?.map((svc) => svc.taskDefinition)).toEqual([results[0].taskDefinitionArn, results[0].taskDefinitionArn])
  }, 120_000)
})
