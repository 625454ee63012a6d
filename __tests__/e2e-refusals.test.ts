// End to end: inputs the bundled action (dist/index.js) refuses before anything changes (issue #9, item 5). Each run
// ends `failed` with a message that names the input, the value and what is accepted, and the sandbox's call log holds
// no mutating call.
import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, repoRoot, type ActionRun, errorAnnotations } from '../scripts/action-runner.js'
import { webTaskDefinition, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const IMAGE = `${ECR}/web:v1.1`

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

async function start(spec: WorldSpec = world('demo.yaml')): Promise<Sandbox> {
  sandbox = await startSandbox({ world: spec, timeScale: 60 })
  return sandbox
}

/** Runs the action on a fresh call log; `env` overrides the runner's (RUNNER_TEMP for generated files). */
async function run(s: Sandbox, inputs: Record<string, string>, env?: Record<string, string>): Promise<ActionRun> {
  s.control.reset()
  return runAction({ inputs: { cluster: 'demo', service: 'web', image: IMAGE, timeout: '5m', ...inputs }, endpoint: s.url, env })
}

/** The run failed before anything changed: outcome `failed`, exit 1, zero mutating calls. */
function expectRefused(s: Sandbox, result: ActionRun): string {
  expect(result.outputs.outcome).toBe('failed')
  expect(result.code).toBe(1)
  expect(s.control.calls({ mutating: true })).toEqual([])
  return errorAnnotations(result)
}

/** The problems the run reported, one annotation each. */
const problems = (result: ActionRun): string[] => result.commands.filter((c) => c.command === 'error' && c.properties.title?.startsWith('ecs-safe-deploy:')).map((c) => c.message)

/** A directory to stand for RUNNER_TEMP, holding `files`. */
function runnerTemp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-refusals-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const taskDefinition = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => JSON.stringify(webTaskDefinition(extra, container), null, 2)

describe('refused before anything changes', () => {
  test('bake-time as long as timeout: refused with both values, before any AWS call', async () => {
    const s = await start()
    const message = expectRefused(s, await run(s, { 'bake-time': '10m', timeout: '10m', alarms: 'web-5xx' }))
    expect(message).toContain(
      'Input `bake-time` is `10m` and `timeout` is `10m`: the deployment and then the bake must both end within timeout, so bake-time must be shorter than timeout',
    )
    expect(s.control.calls()).toEqual([])
  })

  test('appspec on an ECS-controller service (progressive world, web-native): refused, not ignored', async () => {
    const s = await start(world('progressive.yaml'))
    const message = expectRefused(s, await run(s, { service: 'web-native', appspec: 'appspec.yaml' }))
    expect(message).toContain('Input `appspec` is `appspec.yaml`, but service `web-native` uses the ECS deployment controller, not CODE_DEPLOY')
  })

  test('codedeploy-hooks on an ECS-controller service (progressive world, web-native): refused, the hook would never run', async () => {
    const s = await start(world('progressive.yaml'))
    const message = expectRefused(s, await run(s, { service: 'web-native', 'codedeploy-hooks': 'AfterAllowTestTraffic=smoke-test' }))
    expect(message).toContain(
      'Input `codedeploy-hooks` is `AfterAllowTestTraffic=smoke-test`, but service `web-native` uses the ECS deployment controller, not CODE_DEPLOY: CodeDeploy hooks run only in a CodeDeploy deployment, so this hook would never run',
    )
  })

  test('a build-context directory that does not exist: refused before the ECR login and the build', async () => {
    const s = await start()
    const result = await run(s, { image: `${ECR}/web`, 'build-context': 'no-such-dir' })
    const message = expectRefused(s, result)
    expect(message).toContain(`Input \`build-context\` is \`no-such-dir\`: there is no such directory (relative paths are from ${repoRoot})`)
    expect(s.control.calls({ operation: 'GetAuthorizationToken' })).toEqual([])
    expect(result.stdout).not.toMatch(/── build/)
  })

  test('a dockerfile that does not exist: refused before the ECR login and the build', async () => {
    const s = await start()
    const context = runnerTemp({ Dockerfile: 'FROM scratch\n' })
    const result = await run(s, { image: `${ECR}/web`, 'build-context': context, dockerfile: 'docker/Dockerfile.prod' })
    const message = expectRefused(s, result)
    expect(message).toContain('Input `dockerfile` is `docker/Dockerfile.prod`: there is no such file')
    expect(s.control.calls({ operation: 'GetAuthorizationToken' })).toEqual([])
    expect(result.stdout).not.toMatch(/── build/)
  })

  test('a task definition file behind ../: refused, outside the workspace', async () => {
    const s = await start()
    const message = expectRefused(s, await run(s, { 'task-definition': '../td.json' }))
    expect(message).toContain(
      `Input \`task-definition\` is \`../td.json\`: it resolves to ${join(repoRoot, '..', 'td.json')}, outside the workspace ${repoRoot} (GITHUB_WORKSPACE)`,
    )
  })

  test('an absolute task definition path outside the workspace and RUNNER_TEMP: refused; under RUNNER_TEMP it is read', async () => {
    const s = await start()
    const elsewhere = runnerTemp({ 'td.json': taskDefinition() })
    const message = expectRefused(s, await run(s, { 'task-definition': join(elsewhere, 'td.json') }))
    expect(message).toContain(`Input \`task-definition\` is \`${join(elsewhere, 'td.json')}\`: it resolves to`)
    expect(message).toContain('expected a file inside the workspace or under RUNNER_TEMP')
    // The same file with its directory as RUNNER_TEMP passes the path check (a missing alarm stops the run here).
    const inTemp = await run(s, { 'task-definition': join(elsewhere, 'td.json'), alarms: 'no-such-alarm' }, { RUNNER_TEMP: elsewhere })
    expectRefused(s, inTemp)
    expect(problems(inTemp)).toEqual(['Input `alarms`: alarm `no-such-alarm` does not exist in CloudWatch in us-east-1 (names are case-sensitive).'])
  })

  test('a task definition over 64 KiB: refused with its size', async () => {
    const s = await start()
    const dir = runnerTemp({ 'td.json': taskDefinition({}, { environment: [{ name: 'BIG', value: 'x'.repeat(70_000) }] }) })
    const message = expectRefused(s, await run(s, { 'task-definition': join(dir, 'td.json') }, { RUNNER_TEMP: dir }))
    expect(message).toMatch(/^Task definition file `.*td\.json` is 70,\d{3} bytes as RegisterTaskDefinition JSON: ECS accepts at most 65,536 \(64 KiB\)/m)
  })

  test("a task definition file that does not parse: the line, the column and what was expected, never the file's content", async () => {
    const s = await start()
    const secret = 'hunter2-s3cr3t-value'
    const text = `{\n  "family": "web",\n  "containerDefinitions": [{ "name": "web", "image": "nginx:1", "environment": [{ "name": "DB_PASSWORD", "value": "${secret}" }] }]\n  "cpu": "256"\n}\n`
    const dir = runnerTemp({ 'td.json': text, 'td.yaml': `family: web\ncontainerDefinitions:\n  - name: web\n    environment:\n      - { name: TOKEN, value: "${secret}\n` })
    for (const [file, detail] of [
      ['td.json', 'is not valid JSON: at line 4, column 3 the parser expected `,` or `}` after the property value'],
      ['td.yaml', 'is not valid YAML: at line '],
    ]) {
      const result = await run(s, { 'task-definition': join(dir, file) }, { RUNNER_TEMP: dir })
      const message = expectRefused(s, result)
      expect(message).toContain(detail)
      expect(message).toContain("the file's content is not shown, as it may hold secrets")
      for (const output of [result.stdout, result.stderr, result.summary]) expect(output).not.toContain('hunter2')
    }
  })

  test('an awslogs group that does not exist: refused in preflight, not by ResourceInitializationError minutes later', async () => {
    const spec = world('demo.yaml') as WorldSpec & { logGroups?: string[] }
    spec.logGroups = []
    const s = await start(spec)
    const message = expectRefused(s, await run(s, {}))
    expect(message).toContain(
      "The service's task definition `web:1`: container `web` logs to CloudWatch Logs group `/ecs/web` in us-east-1 (logConfiguration awslogs-group), which does not exist: every task would stop with ResourceInitializationError",
    )
    expect(s.control.calls({ operation: 'DescribeLogGroups' })[0].params).toEqual({ logGroupNamePrefix: '/ecs/web', limit: 50 })
  })

  test('awslogs-create-group "true": a missing group is not a problem, and no call asks about it', async () => {
    const s = await start()
    const dir = runnerTemp({
      'td.json': taskDefinition(
        { executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole' },
        {
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/new', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web', 'awslogs-create-group': 'true' },
          },
        },
      ),
    })
    // A missing alarm stops the run after every preflight check has run: it is the only problem.
    const result = await run(s, { 'task-definition': join(dir, 'td.json'), alarms: 'no-such-alarm' }, { RUNNER_TEMP: dir })
    expectRefused(s, result)
    expect(problems(result)).toEqual(['Input `alarms`: alarm `no-such-alarm` does not exist in CloudWatch in us-east-1 (names are case-sensitive).'])
    expect(s.control.calls({ operation: 'DescribeLogGroups' })).toEqual([])
  })

  test('DescribeLogGroups denied: not a refusal; a warning says the group could not be checked, and the release goes out', async () => {
    const s = await start()
    s.control.reset()
    s.control.fault({ operation: 'DescribeLogGroups', kind: 'error', code: 'AccessDeniedException', status: 400, message: 'not authorized to perform logs:DescribeLogGroups' })
    const result = await runAction({ inputs: { cluster: 'demo', service: 'web', image: IMAGE, timeout: '5m' }, endpoint: s.url })
    expect(result.outputs.outcome).toBe('succeeded')
    const warnings = result.commands.filter((c) => c.command === 'warning').map((c) => c.message)
    expect(warnings).toContainEqual(
      expect.stringMatching(/^Could not check that CloudWatch Logs group `\/ecs\/web` exists: CloudWatch Logs DescribeLogGroups failed: AccessDeniedException/),
    )
  }, 120_000)
})

// A file inside the workspace is read as before (the path check does not refuse it).
test('a task definition file inside the workspace passes the path check', async () => {
  const s = await start()
  const dir = join(repoRoot, 'node_modules', '.cache', 'e2e-refusals')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'td.json'), taskDefinition())
  const result = await run(s, { 'task-definition': join('node_modules', '.cache', 'e2e-refusals', 'td.json'), alarms: 'no-such-alarm' })
  expectRefused(s, result)
  expect(problems(result)).toEqual(['Input `alarms`: alarm `no-such-alarm` does not exist in CloudWatch in us-east-1 (names are case-sensitive).'])
})
