// End to end: what a person reads after a run of the bundled action (dist/index.js) against the sandbox — one titled
// error per failure (no second, untitled one from the exit), file problems on the file and line, the alarm as the
// cause of a bake rollback (not the tasks the rollback removed), the task definition diff with secrets hidden, the
// rollout chart in the job summary.
import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../scripts/action-runner.js'
import { summaryProblems } from '../scripts/summary-view.js'
import { progressiveWithBake, webTaskDefinition, world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

const errors = (run: ActionRun) => run.commands.filter((c) => c.command === 'error')

async function deploy(
  spec: WorldSpec,
  inputs: Record<string, string>,
  options: { env?: Record<string, string>; onLine?: (line: string, s: Sandbox) => void } = {},
): Promise<ActionRun> {
  const s = await startSandbox({ world: spec, timeScale: 60 })
  sandbox = s
  return runAction({ inputs: { cluster: 'demo', timeout: '10m', ...inputs }, endpoint: s.url, env: options.env, onLine: (line) => options.onLine?.(line, s) })
}

/** The demo world with environment variables on web:1, so a new revision has values to change. */
function worldWithEnvironment(): WorldSpec {
  const spec = world('demo.yaml') as WorldSpec & { taskDefinitions: { containerDefinitions: Record<string, unknown>[] }[] }
  spec.taskDefinitions[0].containerDefinitions[0].environment = [
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'DB_PASSWORD', value: 'old-hunter2' },
    { name: 'REGION', value: 'us-east-1' },
  ]
  return spec
}

function taskDefinitionFile(content: object | string): { file: string; env: Record<string, string> } {
  // The runner's temp directory: a task definition file must be there or in the workspace.
  const dir = mkdtempSync(join(tmpdir(), 'e2e-report-'))
  const file = join(dir, 'td.json')
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return { file, env: { RUNNER_TEMP: dir } }
}

describe('reports of the bundled action', () => {
  test('a crashing release: exactly one error annotation, titled, with the throw site; the summary draws the rollout', async () => {
    const run = await deploy(world('demo.yaml'), { service: 'web', image: `${ECR}/web:v2-crash` })
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    const [error] = errors(run)
    expect(error.properties.title).toBe('ECS deployment rolled-back: demo/web')
    expect(error.message).toContain('Error: DATABASE_URL is not set')
    expect(error.message).toContain('at Object.<anonymous> (/app/server.js:14:11)')
    // The log tail shows the throw site, with no leading blank line.
    expect(run.summary).toMatch(/<code>\/app\/server\.js:14\n/)
    expect(run.summary).toContain('```mermaid\nxychart-beta')
    expect(run.summary).toContain('Running tasks: new revision (bars), old revision (line)')
    expect(run.summary).not.toMatch(/<td>done<\/td>/)
    expect(run.summary).toContain('https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/demo/services/web/')
    expect(run.stdout).toMatch(/── render: web:1: container web ← /)
    expect(summaryProblems(run.summary)).toEqual([])
  })

  test('a bad task definition file: one error per problem, on the file and line; nothing changes', async () => {
    const { file, env } = taskDefinitionFile(
      ['{', '  "family": "web",', '  "cpu": 256,', '  "memory": "512",', `  "containerDefinitions": [{ "name": "web", "image": "${ECR}/web:v1", "essential": true }]`, '}'].join(
        '\n',
      ),
    )
    const run = await deploy(world('demo.yaml'), { service: 'web', 'task-definition': file }, { env })
    expect(run.code).toBe(1)
    expect(run.outputs.outcome).toBe('failed')
    expect(errors(run)).toHaveLength(1)
    const [error] = errors(run)
    expect(error.properties).toMatchObject({ title: 'ecs-safe-deploy: preflight failed', file, line: '3' })
    expect(error.message).toContain('`cpu` is the number 256')
    expect(sandbox?.control.calls({ mutating: true })).toEqual([])
    expect(summaryProblems(run.summary)).toEqual([])
  })

  test('the render line names the file a deployment is rendered from', async () => {
    const { file, env } = taskDefinitionFile(webTaskDefinition({}, { environment: [{ name: 'LOG_LEVEL', value: 'debug' }] }))
    const run = await deploy(world('demo.yaml'), { service: 'web', 'task-definition': file, wait: 'false' }, { env })
    expect(run.outputs.outcome).toBe('started')
    expect(run.stdout).toContain(`── render: file ${file}: container web`)
    expect(run.stdout).toContain('container web: environment LOG_LEVEL: added (debug)')
  })

  test('what changed: a changed environment variable is listed, a secret one without its values', async () => {
    const { file, env } = taskDefinitionFile({
      family: 'web',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '1024',
      executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
      containerDefinitions: [
        {
          name: 'web',
          image: `${ECR}/web:v1.1`,
          essential: true,
          portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
          environment: [
            { name: 'LOG_LEVEL', value: 'debug' },
            { name: 'DB_PASSWORD', value: 'new-hunter2' },
            { name: 'REGION', value: 'us-east-1' },
          ],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'web' } },
        },
      ],
    })
    const run = await deploy(worldWithEnvironment(), { service: 'web', 'task-definition': file }, { env })
    expect(run.outputs.outcome).toBe('succeeded')
    // In the log, before the deployment starts.
    const changes = run.stdout.indexOf('What changed against web:1:')
    expect(changes).toBeGreaterThan(0)
    expect(changes).toBeLessThan(run.stdout.indexOf('── deploy'))
    expect(run.stdout).toContain('container web: environment LOG_LEVEL: info → debug')
    expect(run.stdout).toContain('container web: environment DB_PASSWORD: changed (value not shown)')
    expect(run.stdout).toContain('task: cpu: 256 → 512')
    expect(run.stdout).not.toContain('REGION')
    // And in the summary.
    expect(run.summary).toContain('<h3>What changed</h3>')
    expect(run.summary).toMatch(/<td>environment LOG_LEVEL<\/td><td>info → debug<\/td>/)
    expect(run.summary).toMatch(/<td>environment DB_PASSWORD<\/td><td>changed \(value not shown\)<\/td>/)
    for (const text of [run.stdout, run.summary]) expect(text).not.toMatch(/hunter2/)
    expect(summaryProblems(run.summary)).toEqual([])
  })

  test('a bake alarm rolls a CodeDeploy canary back: the alarm is the cause, not the tasks the rollback removed', async () => {
    let baking = false
    const run = await deploy(
      progressiveWithBake(),
      { service: 'web-cd', image: `${ECR}/web:v1.1`, strategy: 'canary 20% 1m', alarms: 'web-cd-5xx', 'bake-time': '30s' },
      {
        onLine: (line, s) => {
          if (baking || !/── bake/.test(line)) return
          baking = true
          setTimeout(() => s.control.setAlarmState('web-cd-5xx', 'ALARM', { reason: 'Threshold Crossed: 12 5XX responses' }), 2_000)
        },
      },
    )
    expect(baking).toBe(true)
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(run.code).toBe(1)
    expect(errors(run)).toHaveLength(1)
    const [error] = errors(run)
    expect(error.message).toMatch(/Alarm web-cd-5xx went to ALARM during the bake/)
    expect(error.message).toContain('Threshold Crossed: 12 5XX responses')
    expect(error.message).not.toMatch(/being deleted|tasks? stopped|Server listening|^Log:/m)
    const cause = run.summary.slice(run.summary.indexOf('<h3>Cause</h3>'))
    expect(cause).not.toMatch(/<h4>Stopped tasks<\/h4>|Server listening/)
    expect(cause).toContain('#alarmsV2:alarm/web-cd-5xx')
    expect(run.summary).toContain('Production traffic on the new revision (%)')
    expect(run.summary).toMatch(/https:\/\/us-east-1\.console\.aws\.amazon\.com\/codesuite\/codedeploy\/deployments\/d-[A-Z0-9]{9}\?region=us-east-1/)
    expect(summaryProblems(run.summary)).toEqual([])
  }, 120_000)
})
