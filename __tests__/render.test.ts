import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs'
import { stringify as toYaml } from 'yaml'
import {
  chooseContainer,
  fromDescribed,
  imageRepository,
  parseTaskDefinition,
  readTaskDefinitionFile,
  READ_ONLY_KEYS,
  REGISTER_KEYS,
  RenderError,
  renderTaskDefinition,
} from '../src/render/task-definition.js'

const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const NEW_IMAGE = `${REGISTRY}/web:1.4.3`
const WHERE = 'task definition file `td.json`'

// A task definition with everything a real one carries: sidecars, secrets, firelens, volumes, health checks,
// environment values containing `=`, tags, and the read-only fields a described one has.
function described(): Record<string, unknown> {
  return {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:41',
    family: 'web',
    taskRoleArn: 'arn:aws:iam::123456789012:role/web-task',
    executionRoleArn: 'arn:aws:iam::123456789012:role/web-exec',
    networkMode: 'awsvpc',
    revision: 41,
    containerDefinitions: [
      {
        name: 'app',
        image: `${REGISTRY}/web:1.4.2`,
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp', name: 'http' }],
        environment: [
          { name: 'JAVA_OPTS', value: '-Dfoo=bar -Xmx=512m' },
          { name: 'DATABASE_URL', value: 'postgres://db/app?sslmode=require&a=b' },
          { name: 'EMPTY', value: '' },
        ],
        secrets: [{ name: 'API_KEY', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key-AbCdEf' }],
        healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'], interval: 10, timeout: 5, retries: 3, startPeriod: 30 },
        mountPoints: [{ sourceVolume: 'data', containerPath: '/data', readOnly: false }],
        dependsOn: [{ containerName: 'envoy', condition: 'HEALTHY' }],
        logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'cloudwatch', region: 'us-east-1', log_group_name: '/ecs/web', auto_create_group: 'true' } },
        command: ['java', '-jar', 'app.jar', '--greeting=hello world'],
      },
      {
        name: 'envoy',
        image: '840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod',
        essential: true,
        user: '1337',
        healthCheck: { command: ['CMD-SHELL', 'curl -s http://localhost:9901/server_info | grep state | grep -q LIVE'], interval: 5, timeout: 2, retries: 3 },
      },
      {
        name: 'log_router',
        image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
        essential: false,
        firelensConfiguration: { type: 'fluentbit', options: { 'enable-ecs-log-metadata': 'true' } },
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/firelens', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'firelens' } },
      },
    ],
    volumes: [{ name: 'data', efsVolumeConfiguration: { fileSystemId: 'fs-1234', transitEncryption: 'ENABLED' } }],
    status: 'ACTIVE',
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.ecr-auth' }],
    placementConstraints: [],
    compatibilities: ['EC2', 'FARGATE'],
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    registeredAt: '2026-01-01T00:00:00.000Z',
    registeredBy: 'arn:aws:sts::123456789012:assumed-role/deploy/gha',
    deregisteredAt: '2026-01-02T00:00:00.000Z',
    deleteRequestedAt: '2026-01-03T00:00:00.000Z',
    tags: [
      { key: 'team', value: 'payments' },
      { key: 'cost=center', value: 'a=b' },
    ],
  }
}

/** What RegisterTaskDefinition should get: the same, read-only fields gone, `image` in container `name`. */
function expected(source: Record<string, unknown>, name?: string, image?: string) {
  const copy = structuredClone(source)
  for (const key of READ_ONLY_KEYS) delete copy[key]
  if (name && image) {
    for (const c of copy.containerDefinitions as ContainerDefinition[]) if (c.name === name) c.image = image
  }
  return copy
}

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'render-')), name)
  writeFileSync(path, text)
  return path
}

function renderProblems(fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(RenderError)
    return (err as RenderError).problems
  }
  throw new Error('expected a RenderError')
}

const containers = (...specs: [string, string][]): ContainerDefinition[] => specs.map(([name, image]) => ({ name, image }))

describe('the known keys', () => {
  it('are RegisterTaskDefinitionRequest members, and the read-only ones are the rest of TaskDefinition', () => {
    expect(REGISTER_KEYS).toEqual(expect.arrayContaining(['family', 'containerDefinitions', 'tags', 'enableFaultInjection', 'runtimePlatform']))
    expect(REGISTER_KEYS).toHaveLength(18)
    expect(READ_ONLY_KEYS.sort()).toEqual(
      ['compatibilities', 'deleteRequestedAt', 'deregisteredAt', 'registeredAt', 'registeredBy', 'requiresAttributes', 'revision', 'status', 'taskDefinitionArn'].sort(),
    )
  })
})

describe('from a file', () => {
  it('reads JSON, drops read-only fields, keeps tags and puts the image into the matching container only', async () => {
    const source = described()
    const path = tempFile('td.json', JSON.stringify(source, null, 2))
    const base = await readTaskDefinitionFile(path)
    const { taskDefinition, containerName } = renderTaskDefinition(base, { image: NEW_IMAGE }, WHERE)
    expect(containerName).toBe('app')
    // Byte-for-byte, key order included: nothing but the dropped fields and the one image differs.
    expect(JSON.stringify(taskDefinition)).toBe(JSON.stringify(expected(source, 'app', NEW_IMAGE)))
    for (const key of READ_ONLY_KEYS) expect(taskDefinition).not.toHaveProperty(key)
    expect(taskDefinition.tags).toEqual([
      { key: 'team', value: 'payments' },
      { key: 'cost=center', value: 'a=b' },
    ])
  })

  it('reads the same task definition from YAML, with merge keys', async () => {
    const source = described()
    const yamlPath = tempFile('td.yaml', toYaml(source))
    expect(JSON.stringify(await readTaskDefinitionFile(yamlPath))).toBe(JSON.stringify(expected(source)))
    // An anchor holder such as `x-env` is not a RegisterTaskDefinition member, so it is reported like any other key.
    const anchorHolder = 'family: web\nx-env: &env\n  essential: true\ncontainerDefinitions:\n  - name: app\n    image: nginx:1.27\n    <<: *env\n'
    expect(renderProblems(() => parseTaskDefinition(anchorHolder, 'td.yml'))[0]).toMatch(/unknown top-level key `x-env`/)
    const ok = parseTaskDefinition('family: web\ncontainerDefinitions:\n  - &app\n    name: app\n    image: nginx:1.27\n  - <<: *app\n    name: app2\n', 'td.yaml')
    expect(ok.containerDefinitions).toEqual([
      { name: 'app', image: 'nginx:1.27' },
      { name: 'app2', image: 'nginx:1.27' },
    ])
  })

  it('keeps YAML 1.2 strings as strings', () => {
    const td = parseTaskDefinition(
      'family: web\ncpu: "256"\ncontainerDefinitions:\n  - name: app\n    image: app:1\n    environment:\n      - {name: FEATURE, value: yes}\n      - {name: MODE, value: on}\n',
      'td.yaml',
    )
    expect(td.containerDefinitions?.[0].environment).toEqual([
      { name: 'FEATURE', value: 'yes' },
      { name: 'MODE', value: 'on' },
    ])
  })

  it('rejects unknown top-level keys, naming them, with hints for PascalCase and describe output', () => {
    const [problem] = renderProblems(() =>
      parseTaskDefinition(JSON.stringify({ family: 'web', containerDefinitions: [{ name: 'a', image: 'a:1' }], foo: 1, ContainerDefinitions: [] }), 'td.json'),
    )
    expect(problem).toBe(
      `Task definition file \`td.json\` has unknown top-level keys \`foo\`, \`ContainerDefinitions\`: expected the RegisterTaskDefinition members ${REGISTER_KEYS.join(', ')} (keys are camelCase as in the ECS API, e.g. containerDefinitions).`,
    )
    const [wrapped] = renderProblems(() => parseTaskDefinition(JSON.stringify({ taskDefinition: described(), tags: [] }), 'td.json'))
    expect(wrapped).toMatch(
      /unknown top-level key `taskDefinition`: .*\(this looks like describe-task-definition output: keep only its taskDefinition object \(aws ecs describe-task-definition --query taskDefinition\)\)/,
    )
  })

  it('reports every shape problem together', () => {
    const found = renderProblems(() =>
      parseTaskDefinition(
        [
          'cpu: 256',
          'containerDefinitions:',
          '  - name: app',
          '    image: app:1',
          '    environment: [{name: PORT, value: 8080}, {name: VERSION, value: 1.10}]',
          '    logConfiguration: {logDriver: awslogs, options: {awslogs-create-group: true}}',
          '    dockerLabels: {tier: 1}',
          '  - name: app',
          '  - image: x:1',
        ].join('\n'),
        'td.yaml',
      ),
    )
    const where = 'Task definition file `td.yaml`'
    expect(found).toEqual([
      `${where} has no \`family\` (a non-empty string).`,
      `${where}: \`cpu\` is the number 256; ECS expects a string — quote it, e.g. cpu: "256".`,
      `${where}: container \`app\` environment \`PORT\` value is the number 8080; ECS expects a string — quote it.`,
      `${where}: container \`app\` environment \`VERSION\` value is the number 1.1; ECS expects a string — quote it.`,
      `${where}: container \`app\` dockerLabels \`tier\` is the number 1; ECS expects a string — quote it.`,
      `${where}: container \`app\` logConfiguration.options \`awslogs-create-group\` is the boolean true; ECS expects a string — quote it.`,
      `${where}: container name \`app\` appears more than once.`,
      `${where}: container \`app\` has no \`image\`.`,
      `${where}: containerDefinitions[2] has no \`name\`.`,
    ])
  })

  it('rejects a file without containers, one that is not an object, and invalid JSON or YAML', () => {
    expect(renderProblems(() => parseTaskDefinition('{"family":"web","containerDefinitions":[]}', 'td.json'))).toEqual([
      'Task definition file `td.json` has no `containerDefinitions` (a non-empty list of containers).',
    ])
    expect(renderProblems(() => parseTaskDefinition('- a\n- b\n', 'td.yaml'))).toEqual([
      'Task definition file `td.yaml` must hold one object with the RegisterTaskDefinition members (family, containerDefinitions, …).',
    ])
    expect(renderProblems(() => parseTaskDefinition('{"family": "web",}', 'td.json'))).toEqual([
      "Task definition file `td.json` is not valid JSON: at line 1, column 18 the parser expected a property name in double quotes; the file's content is not shown, as it may hold secrets.",
    ])
    expect(renderProblems(() => parseTaskDefinition('family: web\nfamily: api\n', 'td.yaml'))).toEqual([
      "Task definition file `td.yaml` is not valid YAML: at line 2, column 1 the parser expected each key at most once in a mapping (DUPLICATE_KEY); the file's content is not shown, as it may hold secrets.",
    ])
  })

  it('says where a file stops parsing and what was expected, never what the file holds', () => {
    const secret = 'hunter2-s3cr3t'
    const cases: [string, string, string][] = [
      [`{"family": "web",\n "x": ${secret}}`, 'td.json', 'at line 2, column 7 the parser expected a value'],
      [`{"family": "web"\n "token": "${secret}"}`, 'td.json', 'at line 2, column 2 the parser expected `,` or `}` after the property value'],
      [`{"token": "${secret}`, 'td.json', `at line 1, column ${12 + secret.length} (the end of the file) the parser expected a closing double quote`],
      [`{"token": "${secret}"} x`, 'td.json', `at line 1, column ${15 + secret.length} the parser expected the end of the file after the top-level value`],
      [`family: web\nenv:\n  TOKEN: "${secret}\n   bad: [`, 'td.yaml', 'at line '],
      [`family: web\n token: ${secret}\n  x: y\n`, 'td.yml', 'at line '],
    ]
    for (const [text, file, detail] of cases) {
      const [problem] = renderProblems(() => parseTaskDefinition(text, file))
      expect(problem).toContain(detail)
      expect(problem).not.toContain(secret)
      expect(problem).not.toMatch(/hunter|s3cr3t/)
    }
  })

  it('reports a file that cannot be read', async () => {
    const missing = join(tmpdir(), 'no-such-dir-render', 'td.json')
    await expect(readTaskDefinitionFile(missing)).rejects.toThrow(RenderError)
    await expect(readTaskDefinitionFile(missing)).rejects.toThrow(`Task definition file \`${missing}\` cannot be read: ENOENT`)
  })
})

describe('from the described task definition', () => {
  it('drops read-only fields (Dates included), keeps the rest as described and adds the tags', () => {
    const source: Record<string, unknown> = { ...described(), registeredAt: new Date(0), deregisteredAt: new Date(1) }
    const tags = source.tags
    delete source.tags
    const input = fromDescribed(source as unknown as TaskDefinition, tags as RegisterTaskDefinitionCommandInput['tags'])
    expect(JSON.stringify(input)).toBe(JSON.stringify({ ...expected(source), tags }))
  })

  it('adds no tags key when there are none', () => {
    const source = described()
    delete source.tags
    expect(fromDescribed(source as unknown as TaskDefinition, [])).not.toHaveProperty('tags')
    expect(fromDescribed(source as unknown as TaskDefinition)).not.toHaveProperty('tags')
  })

  it('keeps the images when there is no image to deploy', () => {
    const base = fromDescribed(described() as unknown as TaskDefinition)
    const { taskDefinition, containerName } = renderTaskDefinition(base, {}, WHERE)
    expect(taskDefinition).toBe(base)
    expect(containerName).toBe('app')
  })
})

describe('container choice', () => {
  const three = containers(['app', `${REGISTRY}/web:1`], ['envoy', 'public.ecr.aws/appmesh/envoy:v1'], ['worker', `${REGISTRY}/worker:1`])

  it('takes container-name when it exists, even if the image repository differs', () => {
    expect(chooseContainer(three, { containerName: 'worker', image: NEW_IMAGE }, WHERE)).toBe('worker')
  })

  it('rejects a container-name that does not exist, listing the names', () => {
    expect(renderProblems(() => chooseContainer(three, { containerName: 'api', image: NEW_IMAGE }, WHERE))).toEqual([
      'Input `container-name` is `api`: task definition file `td.json` has no such container; its containers are `app`, `envoy`, `worker`.',
    ])
  })

  it('takes the only container whatever its image', () => {
    expect(chooseContainer(containers(['main', 'nginx:1']), { image: NEW_IMAGE }, WHERE)).toBe('main')
  })

  it('takes the container whose image repository matches, ignoring tags and digests', () => {
    expect(chooseContainer(three, { image: `${REGISTRY}/worker@sha256:${'b'.repeat(64)}` }, WHERE)).toBe('worker')
    expect(chooseContainer(three, { image: `${REGISTRY}/web:2.0.0` }, WHERE)).toBe('app')
  })

  it('treats Docker Hub short names and docker.io/library as the same repository', () => {
    const hub = containers(['proxy', 'nginx:1.25'], ['app', 'ghcr.io/org/app:1'])
    expect(chooseContainer(hub, { image: 'docker.io/library/nginx:1.27' }, WHERE)).toBe('proxy')
    expect(imageRepository('nginx')).toBe('docker.io/library/nginx')
    expect(imageRepository('index.docker.io/org/app:1')).toBe('docker.io/org/app')
    expect(imageRepository('localhost:5000/app:1')).toBe('localhost:5000/app')
    expect(imageRepository('${IMAGE}')).toBeUndefined()
  })

  it('does not take a container of another registry with the same repository name', () => {
    const problems = renderProblems(() => chooseContainer(containers(['a', 'ghcr.io/org/web:1'], ['b', 'nginx:1']), { image: 'quay.io/org/web:2' }, WHERE))
    expect(problems).toEqual([
      'Task definition file `td.json` has 2 containers (`a`, `b`) and none runs an image from quay.io/org/web: set `container-name` to the one that gets `quay.io/org/web:2`.',
    ])
  })

  it('rejects several containers with the matching repository, naming them', () => {
    const twins = containers(['blue', `${REGISTRY}/web:1`], ['green', `${REGISTRY}/web:2`], ['envoy', 'envoy:1'])
    expect(renderProblems(() => chooseContainer(twins, { image: NEW_IMAGE }, "the service's task definition `web:41`"))).toEqual([
      `The service's task definition \`web:41\` has 2 containers running ${REGISTRY}/web (\`blue\`, \`green\`): set \`container-name\` to the one that gets \`${NEW_IMAGE}\`.`,
    ])
  })

  it('without an image picks the first essential container for reports', () => {
    const sidecarFirst: ContainerDefinition[] = [
      { name: 'log_router', image: 'fluent-bit:1', essential: false },
      { name: 'app', image: 'app:1' },
    ]
    expect(chooseContainer(sidecarFirst, {}, WHERE)).toBe('app')
  })
})
