// Preflight's refusals of issue #9 (item 5) one by one: the build's files, a task definition file outside the
// workspace, the 64 KiB limit, CodeDeploy inputs on an ECS-controller service, and awslogs groups that do not exist
// (CloudWatch Logs DescribeLogGroups at the HTTP level, through nock).
import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { codeDeployOnlyInputProblems } from '../src/preflight/codedeploy-inputs.js'
import { buildFileProblems, taskDefinitionPathProblems } from '../src/preflight/file-checks.js'
import { checkLogGroups, sizeProblem } from '../src/preflight/task-definition-checks.js'
import { errorReply, nockAws, nockClients, useNock } from './helpers/nock-aws.js'

const LOGS = 'Logs_20140328'
const dir = () => mkdtempSync(join(tmpdir(), 'preflight-checks-'))
const build = (context: string, dockerfile?: string) => ({ context, ...(dockerfile !== undefined ? { dockerfile } : {}), buildArgs: [], tags: [] })

useNock()

describe('the build context and the Dockerfile', () => {
  it('passes a directory with a Dockerfile, a named Dockerfile, and a remote context', () => {
    const cwd = dir()
    mkdirSync(join(cwd, 'app'))
    writeFileSync(join(cwd, 'app', 'Dockerfile'), 'FROM scratch\n')
    writeFileSync(join(cwd, 'prod.Dockerfile'), 'FROM scratch\n')
    expect(buildFileProblems(build('app'), cwd)).toEqual([])
    expect(buildFileProblems(build('app', 'prod.Dockerfile'), cwd)).toEqual([])
    expect(buildFileProblems(build('https://github.com/acme/web.git#main'), cwd)).toEqual([])
  })

  it('refuses a missing directory, a file as the context, a missing Dockerfile and a missing default Dockerfile', () => {
    const cwd = dir()
    mkdirSync(join(cwd, 'empty'))
    writeFileSync(join(cwd, 'file.txt'), 'x')
    expect(buildFileProblems(build('aap'), cwd)).toEqual([
      `Input \`build-context\` is \`aap\`: there is no such directory (relative paths are from ${cwd}); expected the directory docker builds, such as \`.\`.`,
    ])
    expect(buildFileProblems(build('file.txt'), cwd)).toEqual([
      'Input `build-context` is `file.txt`: that is a file, not a directory; expected the directory docker builds, such as `.`.',
    ])
    expect(buildFileProblems(build('empty', 'Dockerfile.prod'), cwd)).toEqual([
      `Input \`dockerfile\` is \`Dockerfile.prod\`: there is no such file (relative paths are from ${cwd}, not from build-context); expected the path of the Dockerfile, or leave it empty for \`<build-context>/Dockerfile\`.`,
    ])
    expect(buildFileProblems(build('empty'), cwd)).toEqual([
      'Input `build-context` is `empty` and `dockerfile` is empty, but there is no `empty/Dockerfile`: expected a Dockerfile in the build context, or set dockerfile to its path.',
    ])
  })
})

describe('a task definition file stays inside the workspace', () => {
  const workspace = dir()
  const temp = dir()
  const outside = dir()
  mkdirSync(join(workspace, '.aws'))
  writeFileSync(join(outside, 'td.json'), '{}')
  symlinkSync(join(outside, 'td.json'), join(workspace, '.aws', 'link.json'))
  const env = { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: temp }

  it('passes a file in the workspace (relative or absolute) and one under RUNNER_TEMP', () => {
    expect(taskDefinitionPathProblems('.aws/td.json', env, workspace)).toEqual([])
    expect(taskDefinitionPathProblems(join(workspace, '.aws', 'td.json'), env, workspace)).toEqual([])
    expect(taskDefinitionPathProblems(join(temp, 'rendered.json'), env, workspace)).toEqual([])
  })

  it('refuses ../, an absolute path outside, and a link that points outside', () => {
    expect(taskDefinitionPathProblems('../secrets/td.json', env, workspace)).toEqual([
      `Input \`task-definition\` is \`../secrets/td.json\`: it resolves to ${join(workspace, '..', 'secrets', 'td.json')}, outside the workspace ${workspace} (GITHUB_WORKSPACE): expected a file inside the workspace or under RUNNER_TEMP (${temp}), such as \`.aws/task-definition.json\`.`,
    ])
    expect(taskDefinitionPathProblems('/etc/passwd', env, workspace)).toHaveLength(1)
    expect(taskDefinitionPathProblems('.aws/../../x.json', env, workspace)).toHaveLength(1)
    expect(taskDefinitionPathProblems('.aws/link.json', env, workspace)[0]).toContain(`a link to ${join(outside, 'td.json')}`)
  })

  it('without GITHUB_WORKSPACE the current directory is the workspace', () => {
    expect(taskDefinitionPathProblems('td.json', {}, workspace)).toEqual([])
    expect(taskDefinitionPathProblems(join(outside, 'td.json'), {}, workspace)).toEqual([
      `Input \`task-definition\` is \`${join(outside, 'td.json')}\`: it resolves to ${join(outside, 'td.json')}, outside the workspace, the current directory ${workspace} (GITHUB_WORKSPACE is not set): expected a file inside the workspace, such as \`.aws/task-definition.json\`.`,
    ])
  })
})

const td = (containers: RegisterTaskDefinitionCommandInput['containerDefinitions']): RegisterTaskDefinitionCommandInput => ({ family: 'web', containerDefinitions: containers })
const awslogs = (group: string, extra: Record<string, string> = {}) => ({
  logDriver: 'awslogs' as const,
  options: { 'awslogs-group': group, 'awslogs-stream-prefix': 'web', ...extra },
})

describe('the size of the task definition', () => {
  it('refuses more than 65,536 bytes of RegisterTaskDefinition JSON', () => {
    const value = (n: number) => td([{ name: 'web', image: 'nginx:1', environment: [{ name: 'BIG', value: 'x'.repeat(n) }] }])
    const fixed = JSON.stringify(value(0)).length
    expect(sizeProblem(value(65_536 - fixed), 'task definition file `td.json`')).toBeUndefined()
    expect(sizeProblem(value(65_537 - fixed), 'task definition file `td.json`')).toBe(
      'Task definition file `td.json` is 65,537 bytes as RegisterTaskDefinition JSON: ECS accepts at most 65,536 (64 KiB); move large values out of it (environment values to secrets in SSM Parameter Store or Secrets Manager, or an environmentFiles entry in S3).',
    )
  })
})

describe('CodeDeploy inputs on an ECS-controller service', () => {
  const ecs = { serviceName: 'web', deploymentController: { type: 'ECS' as const } }
  it('refuses appspec and codedeploy-hooks, and passes them on a CODE_DEPLOY service', () => {
    const given = { appspecFile: 'appspec.yaml', hooks: { AfterAllowTestTraffic: 'smoke-test' } }
    expect(codeDeployOnlyInputProblems(given, ecs)).toEqual([
      "Input `appspec` is `appspec.yaml`, but service `web` uses the ECS deployment controller, not CODE_DEPLOY: only a CodeDeploy deployment reads an AppSpec, so it would be ignored; remove appspec (ECS blue/green, canary and linear deployments take lifecycle hooks in the service's deploymentConfiguration.lifecycleHooks).",
      "Input `codedeploy-hooks` is `AfterAllowTestTraffic=smoke-test`, but service `web` uses the ECS deployment controller, not CODE_DEPLOY: CodeDeploy hooks run only in a CodeDeploy deployment, so this hook would never run; remove codedeploy-hooks (ECS blue/green, canary and linear deployments take lifecycle hooks in the service's deploymentConfiguration.lifecycleHooks).",
    ])
    expect(codeDeployOnlyInputProblems({ hooks: {} }, ecs)).toEqual([])
    expect(codeDeployOnlyInputProblems(given, { serviceName: 'web', deploymentController: { type: 'CODE_DEPLOY' } })).toEqual([])
  })
})

describe('awslogs groups', () => {
  const clients = () => nockClients({ maxAttempts: 1 })
  const existing = (names: string[]) => (body: { logGroupNamePrefix: string }) =>
    [200, { logGroups: names.filter((n) => n.startsWith(body.logGroupNamePrefix)).map((logGroupName) => ({ logGroupName })) }] as [number, unknown]

  it('asks once per group, by prefix, and passes groups that exist or that the container creates', async () => {
    const aws = nockAws({ [`${LOGS}.DescribeLogGroups`]: existing(['/ecs/web', '/ecs/web-sidecar']) })
    const result = await checkLogGroups(
      clients(),
      td([
        { name: 'web', logConfiguration: awslogs('/ecs/web') },
        { name: 'sidecar', logConfiguration: awslogs('/ecs/web') },
        { name: 'new', logConfiguration: awslogs('/ecs/new', { 'awslogs-create-group': 'true' }) },
        { name: 'fluent', logConfiguration: { logDriver: 'awsfirelens' } },
      ]),
      'us-east-1',
      'task definition file `td.json`',
    )
    expect(result).toEqual({ problems: [], warnings: [] })
    expect(aws.calls.map((c) => c.body)).toEqual([{ logGroupNamePrefix: '/ecs/web', limit: 50 }])
  })

  it('refuses a group that does not exist (a longer group with that prefix does not count)', async () => {
    nockAws({ [`${LOGS}.DescribeLogGroups`]: existing(['/ecs/web-old']) })
    const result = await checkLogGroups(clients(), td([{ name: 'web', logConfiguration: awslogs('/ecs/web') }]), 'us-east-1', "the service's task definition `web:3`")
    expect(result.warnings).toEqual([])
    expect(result.problems).toEqual([
      'The service\'s task definition `web:3`: container `web` logs to CloudWatch Logs group `/ecs/web` in us-east-1 (logConfiguration awslogs-group), which does not exist: every task would stop with ResourceInitializationError and the deployment would be rolled back minutes later. Create the group (aws logs create-group --log-group-name /ecs/web), fix the name, or set `awslogs-create-group: "true"` in the logConfiguration options (the task execution role then needs logs:CreateLogGroup).',
    ])
  })

  it('does not refuse when DescribeLogGroups itself is denied: a warning says what could not be checked', async () => {
    nockAws({ [`${LOGS}.DescribeLogGroups`]: () => errorReply('AccessDeniedException', 'not authorized to perform logs:DescribeLogGroups') })
    const result = await checkLogGroups(clients(), td([{ name: 'web', logConfiguration: awslogs('/ecs/web') }]), 'us-east-1', 'task definition file `td.json`')
    expect(result.problems).toEqual([])
    expect(result.warnings).toEqual([
      'Could not check that CloudWatch Logs group `/ecs/web` exists: CloudWatch Logs DescribeLogGroups failed: AccessDeniedException: not authorized to perform logs:DescribeLogGroups. The role needs permission for CloudWatch Logs DescribeLogGroups. If the group does not exist, every task of the new revision stops with ResourceInitializationError.',
    ])
  })
})
