// `npm run demo`: starts the sandbox and runs the bundled action as a runner would — a good release that succeeds,
// a buggy one the circuit breaker rolls back, a canary release (CodeDeploy) whose alarm fires during the bake and
// is rolled back, an ECS canary paused for approval with test traffic, approved by a second run, and a canary the
// canary analysis rolls back with no alarm at all — printing the step log and the job summary of each, rendered for the terminal (headings, tables,
// the rollout chart), and writing each summary as an HTML page, as GitHub would show it, whose path it prints. Exits 0
// when every outcome is the expected one.
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'
import { runAction } from './action-runner.js'
import { summaryPage, summaryToText } from './summary-view.js'
import { nativeWorld, progressiveWithBake, world } from './worlds.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

interface Release {
  title: string
  world: WorldSpec
  inputs: Record<string, string>
  expected: string
  /** What the simulated world does while the action bakes (the incident). */
  duringBake?: (sandbox: Sandbox) => void
  /** A second run that answers the first (a reviewer's job): its inputs from the first run's outputs. */
  answer?: (outputs: Record<string, string>) => Record<string, string>
}

const releases: Release[] = [
  {
    title: 'A good release (web:v1.1), rolling, baked 5 s against alarm web-5xx',
    world: world('demo.yaml'),
    inputs: { service: 'web', image: `${ECR}/web:v1.1`, alarms: 'web-5xx', 'bake-time': '5s' },
    expected: 'succeeded',
  },
  {
    title: 'A buggy release (web:v2-crash): its tasks exit 1 at start',
    world: world('demo.yaml'),
    inputs: { service: 'web', image: `${ECR}/web:v2-crash` },
    expected: 'rolled-back',
  },
  {
    title: 'A canary release (web:v1.1) through CodeDeploy, 20% then the rest after 1m; web-cd-5xx fires during the bake',
    world: progressiveWithBake(),
    inputs: { service: 'web-cd', image: `${ECR}/web:v1.1`, strategy: 'canary 20% 1m', alarms: 'web-cd-5xx', 'bake-time': '30s' },
    expected: 'rolled-back',
    duringBake: (sandbox) =>
      sandbox.control.setAlarmState('web-cd-5xx', 'ALARM', {
        reason: 'Threshold Crossed: 1 datapoint [12.0 (23/11/26 14:05:00)] was greater than or equal to the threshold (5.0).',
      }),
  },
  {
    title: 'An ECS canary (web:v1.1) paused for approval with test traffic on it, then approved by a second run (approve:)',
    world: nativeWorld(
      { deploymentConfiguration: { strategy: 'CANARY', bakeTimeInMinutes: 0 } },
      {
        images: [
          { repositoryName: 'web', imageTag: 'v1' },
          { repositoryName: 'web', imageTag: 'v1.1' },
        ],
      },
    ),
    inputs: { service: 'web', image: `${ECR}/web:v1.1`, strategy: 'canary 20% 1m', approval: 'test-traffic', 'test-url': 'https://test.example.com:8443' },
    expected: 'succeeded',
    answer: (outputs) => ({ service: 'web', approve: outputs['deployment-id'] }),
  },
  {
    title: 'A canary release (web:v1.1) through CodeDeploy, 10% for 30m, whose 5xx rate is 5% against 0.5%: no alarm written, the canary analysis rolls it back',
    world: withTraffic(world('progressive.yaml')),
    inputs: { service: 'web-cd', image: `${ECR}/web:v1.1`, strategy: 'canary 10% 30m', analysis: 'rollback' },
    expected: 'rolled-back',
  },
]

/** The world with 100 requests a second on web:v1 (0.5% 5xx, p99 250 ms) and ten times the errors on web:v1.1. */
function withTraffic(spec: WorldSpec): WorldSpec {
  const traffic = { requestsPerSecond: 100, errorRate: 0.005, latencyMs: { p50: 50, p99: 250 } }
  return {
    ...spec,
    behaviors: { ...spec.behaviors, 'web:v1': { kind: 'healthy', traffic }, 'web:v1.1': { kind: 'healthy', traffic: { ...traffic, errorRate: 0.05 } } },
  }
}

const bar = (text: string) => `\n${'═'.repeat(100)}\n  ${text}\n${'═'.repeat(100)}`
const results: { title: string; expected: string; got: string; page: string }[] = []
const pages = join(tmpdir(), 'ecs-safe-deploy-demo')
mkdirSync(pages, { recursive: true })

for (const [index, release] of releases.entries()) {
  const sandbox = await startSandbox({ world: release.world, timeScale: 60 })
  try {
    console.log(bar(`${release.title}\n  uses: ecs-safe-deploy (cluster demo, service ${release.inputs.service}); sandbox ${sandbox.url}, ECS time 60× faster`))
    let baking = false
    const act = (inputs: Record<string, string>, runId: string) =>
      runAction({
        endpoint: sandbox.url,
        inputs: { cluster: 'demo', timeout: '10m', 'github-token': 'demo-token', ...inputs },
        // The sandbox's GitHub API, reached as on a runner: the action records its deployment there.
        env: { GITHUB_API_URL: sandbox.githubUrl, GITHUB_REPOSITORY: 'acme/web', GITHUB_RUN_ID: runId },
        onLine: (line) => {
          console.log(`  │ ${line}`)
          if (release.duringBake && !baking && /── bake/.test(line)) {
            baking = true
            setTimeout(() => release.duringBake?.(sandbox), 3_000)
          }
        },
      })
    let run = await act(release.inputs, String(index + 1))
    if (run.stderr.trim()) console.log(run.stderr)
    console.log(`  └ exit code ${run.code}; outputs: ${JSON.stringify(run.outputs)}`)
    if (release.answer) {
      const inputs = release.answer(run.outputs)
      console.log(bar(`The reviewer's job: ${JSON.stringify(inputs)}`))
      run = await act(inputs, `${index + 1}1`)
      if (run.stderr.trim()) console.log(run.stderr)
      console.log(`  └ exit code ${run.code}; outputs: ${JSON.stringify(run.outputs)}`)
    }
    for (const record of sandbox.github.deployments() as { id: number; environment: string; statuses: { state: string; description: string }[] }[]) {
      console.log(`  GitHub deployment ${record.id} (${record.environment}): ${record.statuses.map((s) => `${s.state} "${s.description}"`).join(' → ')}`)
    }
    const page = join(pages, `summary-${index + 1}-${release.inputs.service}-${run.outputs.outcome ?? 'none'}.html`)
    writeFileSync(page, summaryPage(release.title, run.summary))
    writeFileSync(page.replace(/\.html$/, '.md'), run.summary)
    console.log(bar(`Job summary: ${release.title}\n  as GitHub shows it: file://${page}`))
    console.log(summaryToText(run.summary, { color: process.stdout.isTTY }))
    results.push({ title: release.title, expected: release.expected, got: run.outputs.outcome ?? '(none)', page })
  } finally {
    await sandbox.stop()
  }
}

console.log(bar('Demo result'))
for (const r of results) console.log(`  ${r.got === r.expected ? 'ok  ' : 'FAIL'} ${r.title}: outcome ${r.got} (expected ${r.expected})\n       job summary: file://${r.page}`)
process.exit(results.every((r) => r.got === r.expected) ? 0 : 1)
