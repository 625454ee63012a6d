// `npm run demo`: starts the sandbox and runs the bundled action twice, as a runner would — a good release that
// succeeds, then a buggy one the circuit breaker rolls back — printing the step log and the job summary of each.
// Exits 0 when both outcomes are the expected ones.
import { join } from 'node:path'
import { startSandbox } from '../sandbox/index.js'
import { repoRoot, runAction } from './action-runner.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'

const releases: { title: string; image: string; expected: string; extra: Record<string, string> }[] = [
  { title: 'A good release (web:v1.1)', image: `${ECR}/web:v1.1`, expected: 'succeeded', extra: { alarms: 'web-5xx', 'bake-time': '5s' } },
  { title: 'A buggy release (web:v2-crash): its tasks exit 1 at start', image: `${ECR}/web:v2-crash`, expected: 'rolled-back', extra: {} },
]

const bar = (text: string) => `\n${'═'.repeat(100)}\n  ${text}\n${'═'.repeat(100)}`

const sandbox = await startSandbox({ world: join(repoRoot, 'sandbox', 'worlds', 'demo.yaml'), timeScale: 60 })
console.log(`Sandbox up at ${sandbox.url} (ECS time runs 60× faster than the wall clock).`)
const results: { title: string; expected: string; got: string }[] = []
try {
  for (const release of releases) {
    console.log(bar(`${release.title} — uses: ecs-safe-deploy (cluster demo, service web)`))
    const run = await runAction({
      endpoint: sandbox.url,
      inputs: { cluster: 'demo', service: 'web', image: release.image, timeout: '10m', ...release.extra },
      onLine: (line) => console.log(`  │ ${line}`),
    })
    if (run.stderr.trim()) console.log(run.stderr)
    console.log(`  └ exit code ${run.code}; outputs: ${JSON.stringify(run.outputs)}`)
    console.log(bar(`Job summary: ${release.title}`))
    console.log(run.summary)
    results.push({ title: release.title, expected: release.expected, got: run.outputs.outcome ?? '(none)' })
  }
} finally {
  await sandbox.stop()
}

console.log(bar('Demo result'))
for (const r of results) console.log(`  ${r.got === r.expected ? 'ok  ' : 'FAIL'} ${r.title}: outcome ${r.got} (expected ${r.expected})`)
process.exit(results.every((r) => r.got === r.expected) ? 0 : 1)
