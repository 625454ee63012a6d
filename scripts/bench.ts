// `npm run bench`: how fast the action notices an outcome and how gently it uses the API, measured on the sandbox.
// Times are wall-clock: the sandbox stamps each state change with the wall time it happened (its transitions),
// and the action's log lines and exit are stamped as they arrive here.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'
import { progressiveWithBake, RELEASE_SERVICES, releaseWorld, twentyTasks } from './worlds.js'
import { repoRoot, runAction, type ActionRun } from './action-runner.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const world = join(repoRoot, 'sandbox', 'worlds', 'demo.yaml')
const scratch = mkdtempSync(join(tmpdir(), 'ecs-safe-deploy-bench-'))

interface Sample {
  ms: number
  calls: number
  wallMs: number
  peakKiB: number
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

let tag = 0
async function release(sandbox: Sandbox, behavior: 'healthy' | 'crash', repositoryName = 'web'): Promise<string> {
  const name = `bench-${behavior}-${++tag}`
  sandbox.control.setBehavior(`${repositoryName}:${name}`, behavior === 'crash' ? { kind: 'crash', exitCode: 1, afterSeconds: 5, logLines: ['Error: boom'] } : { kind: 'healthy' })
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { digest: `sha256:${name}` }, layers: [] })
  const url = `${sandbox.url.replace(/\/$/, '')}/`
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.PutImage' },
    body: JSON.stringify({ repositoryName, imageTag: name, imageManifest: manifest }),
  })
  if (!res.ok) throw new Error(`PutImage failed: ${res.status} ${await res.text()}`)
  return `${ECR}/${repositoryName}:${name}`
}

async function deploy(
  sandbox: Sandbox,
  image: string,
  inputs: Record<string, string>,
  onLine?: (line: string, at: number) => void,
): Promise<{ run: ActionRun; startedAt: number; peakKiB: number; calls: number }> {
  sandbox.control.reset()
  const memoryFile = join(scratch, `peak-${tag}`)
  const startedAt = Date.now()
  const run = await runAction({
    endpoint: sandbox.url,
    inputs: { cluster: 'demo', service: 'web', image, timeout: '10m', ...inputs },
    nodeArgs: ['--import', join(repoRoot, 'scripts', 'peak-memory.js')],
    env: { BENCH_PEAK_MEMORY_FILE: memoryFile },
    onLine: onLine && ((line) => onLine(line, Date.now())),
  })
  const peakKiB = Number(readFileSync(memoryFile, 'utf8'))
  return { run, startedAt, peakKiB, calls: sandbox.control.calls().length }
}

function transitionWall(sandbox: Sandbox, id: string, state: string): number {
  const t = sandbox.control.transitions({ kind: 'deployment', id, state })[0]
  if (!t) throw new Error(`the sandbox saw no ${state} transition for ${id}`)
  return t.wallMs
}

/** From our deployment reaching COMPLETED to the action's exit. */
async function completion(sandbox: Sandbox): Promise<Sample> {
  const { run, startedAt, peakKiB, calls } = await deploy(sandbox, await release(sandbox, 'healthy'), {})
  if (run.outputs.outcome !== 'succeeded') throw new Error(`expected succeeded, got ${run.outputs.outcome}: ${run.stdout}`)
  return { ms: run.endedAt - transitionWall(sandbox, run.outputs['deployment-id'], 'COMPLETED'), calls, wallMs: run.endedAt - startedAt, peakKiB }
}

/** From our deployment going FAILED (circuit breaker) to the first log line that reports it. */
async function failure(sandbox: Sandbox): Promise<Sample & { exitMs: number }> {
  const lines: { line: string; at: number }[] = []
  // The breaker's own path: failing fast (below) would otherwise roll back before ECS marks the deployment FAILED.
  const { run, startedAt, peakKiB, calls } = await deploy(sandbox, await release(sandbox, 'crash'), { 'max-task-failures': '0' }, (line, at) => lines.push({ line, at }))
  if (run.outputs.outcome !== 'rolled-back') throw new Error(`expected rolled-back, got ${run.outputs.outcome}`)
  const failedAt = transitionWall(sandbox, run.outputs['deployment-id'], 'FAILED')
  const reported = lines.find((l) => /deployment failed|FAILED|rolling back|rollback by ECS/.test(l.line))
  if (!reported) throw new Error('the action never reported the failure')
  return { ms: reported.at - failedAt, exitMs: run.endedAt - failedAt, calls, wallMs: run.endedAt - startedAt, peakKiB }
}

/** From an alarm going to ALARM a few seconds into the bake to the action asking ECS for the rollback (UpdateService). */
async function alarmToRollback(sandbox: Sandbox): Promise<Sample> {
  let alarmAt = 0
  let baking = false
  const image = await release(sandbox, 'healthy')
  const { run, startedAt, peakKiB, calls } = await deploy(sandbox, image, { alarms: 'web-5xx', 'bake-time': '2m' }, (line) => {
    if (baking || !/── bake/.test(line)) return
    baking = true
    // At a random moment mid-bake, so the measure includes the bake's polling cadence, not its first look.
    setTimeout(
      () => {
        alarmAt = Date.now()
        sandbox.control.setAlarmState('web-5xx', 'ALARM', { reason: 'bench' })
      },
      3_000 + Math.random() * 4_000,
    )
  })
  sandbox.control.setAlarmState('web-5xx', 'OK', { reason: 'bench reset' })
  if (run.outputs.outcome !== 'rolled-back') throw new Error(`expected rolled-back, got ${run.outputs.outcome}`)
  const rollbackCall = sandbox.control.calls({ operation: 'UpdateService' }).filter((c) => c.wallMs >= alarmAt)[0]
  if (!rollbackCall) throw new Error('no rollback UpdateService after the alarm')
  return { ms: rollbackCall.wallMs - alarmAt, calls, wallMs: run.endedAt - startedAt, peakKiB }
}

/** CodeDeploy canary: from an alarm going to ALARM during the bake to the action's StopDeployment (auto-rollback). */
async function canaryAlarmToStop(sandbox: Sandbox): Promise<Sample> {
  let alarmAt = 0
  let baking = false
  sandbox.control.reset()
  const memoryFile = join(scratch, `peak-canary-${++tag}`)
  const startedAt = Date.now()
  const run = await runAction({
    endpoint: sandbox.url,
    inputs: { cluster: 'demo', service: 'web-cd', image: `${ECR}/web:v1.1`, strategy: 'canary 20% 1m', alarms: 'web-cd-5xx', 'bake-time': '2m', timeout: '10m' },
    nodeArgs: ['--import', join(repoRoot, 'scripts', 'peak-memory.js')],
    env: { BENCH_PEAK_MEMORY_FILE: memoryFile },
    onLine: (line) => {
      if (baking || !/── bake/.test(line)) return
      baking = true
      setTimeout(
        () => {
          alarmAt = Date.now()
          sandbox.control.setAlarmState('web-cd-5xx', 'ALARM', { reason: 'bench' })
        },
        3_000 + Math.random() * 4_000,
      )
    },
  })
  sandbox.control.setAlarmState('web-cd-5xx', 'OK', { reason: 'bench reset' })
  if (run.outputs.outcome !== 'rolled-back') throw new Error(`expected rolled-back, got ${run.outputs.outcome}: ${run.stdout}`)
  const stop = sandbox.control.calls({ operation: 'StopDeployment' })[0]
  if (!stop) throw new Error('no StopDeployment after the alarm')
  return { ms: stop.wallMs - alarmAt, calls: sandbox.control.calls().length, wallMs: run.endedAt - startedAt, peakKiB: Number(readFileSync(memoryFile, 'utf8')) }
}

interface CrashLoopSample extends Sample {
  /** Failed task launches of the release before its rollback started. */
  failedLaunches: number
  /** Sandbox-clock seconds from the deploy to the rollback's start. */
  simSeconds: number
}

/** A crash-looping release on a 20-task service replaced two at a time: how long, and how many failed launches, until
 * the rollback starts — by the action failing fast (`max-task-failures` 3) or by the circuit breaker alone (0). */
function crashLoopOn20(maxTaskFailures: number) {
  return async (sandbox: Sandbox): Promise<CrashLoopSample> => {
    const { run, startedAt, peakKiB, calls } = await deploy(sandbox, await release(sandbox, 'crash'), { 'max-task-failures': String(maxTaskFailures) })
    if (run.outputs.outcome !== 'rolled-back') throw new Error(`expected rolled-back, got ${run.outputs.outcome}: ${run.stdout}`)
    const [update, rollback] = sandbox.control.calls({ operation: 'UpdateService' })
    const ours = run.outputs['deployment-id']
    const startMs = rollback ? rollback.simMs : sandbox.control.transitions({ kind: 'deployment', id: ours, state: 'FAILED' })[0]?.simMs
    if (startMs === undefined) throw new Error('no rollback started')
    const ecs = new ECSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } })
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'demo', startedBy: ours, desiredStatus: 'STOPPED' }))).taskArns ?? []
    const tasks = arns.length > 0 ? ((await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks ?? []) : []
    const failedLaunches = tasks.filter((t) => t.containers?.some((c) => (c.exitCode ?? 0) !== 0) && (t.stoppedAt?.getTime() ?? Infinity) <= startMs).length
    return { ms: run.endedAt - startedAt, calls, wallMs: run.endedAt - startedAt, peakKiB, failedLaunches, simSeconds: Math.round((startMs - update.simMs) / 1000) }
  }
}

interface ReleaseSample extends Sample {
  /** Reads from the first UpdateService to the exit: the watch, which the run's call budget paces. */
  watchCalls: number
  watchMs: number
}

/** Several services, one release: a healthy image for the first `count` services of the release world, from the
 * action's start to its exit with the release's outcome. */
function releaseOf(count: number) {
  return async (sandbox: Sandbox): Promise<ReleaseSample> => {
    const { run, startedAt, peakKiB, calls } = await deploy(sandbox, await release(sandbox, 'healthy', 'app'), { service: RELEASE_SERVICES.slice(0, count).join(', ') })
    if (run.outputs.outcome !== 'succeeded') throw new Error(`expected succeeded, got ${run.outputs.outcome}: ${run.stdout}`)
    const firstUpdate = sandbox.control.calls({ operation: 'UpdateService' })[0]
    if (!firstUpdate) throw new Error('no UpdateService in the release')
    const watchCalls = sandbox.control.calls({ mutating: false }).filter((c) => c.wallMs >= firstUpdate.wallMs).length
    return { ms: run.endedAt - startedAt, calls, wallMs: run.endedAt - startedAt, peakKiB, watchCalls, watchMs: run.endedAt - firstUpdate.wallMs }
  }
}

async function scenario<T extends Sample>(name: string, timeScale: number, runs: number, measure: (s: Sandbox) => Promise<T>, spec: WorldSpec | string = world): Promise<T[]> {
  const sandbox = await startSandbox({ world: spec, timeScale })
  const samples: T[] = []
  try {
    for (let i = 0; i < runs; i++) {
      samples.push(await measure(sandbox))
      process.stdout.write(`  ${name} ${i + 1}/${runs}: ${samples[i].ms} ms\n`)
    }
  } finally {
    await sandbox.stop()
  }
  return samples
}

const perMinute = (samples: Sample[]) => samples.map((s) => (s.calls / s.wallMs) * 60_000)
const row = (label: string, value: string, target: string, ok: boolean) =>
  console.log(`${label.padEnd(58)} ${value.padStart(12)}   target ${target.padEnd(12)} ${ok ? 'ok' : 'MISSED'}`)

/** Cold start: from spawning the bundle on Node 24 to its exit on the input-error path (no AWS call), so loading the
 * bundle and reading the inputs is all it measures. BENCH_COLD_BASELINE names another bundle to time beside it (the
 * README's before/after). */
const COLD_RUNS = 15
async function coldStart(entry?: string): Promise<number> {
  const startedAt = Date.now()
  const run = await runAction({ endpoint: 'http://127.0.0.1:9', inputs: { cluster: 'demo', service: 'web', timeout: 'soon' }, ...(entry ? { entry } : {}) })
  if (run.outputs.outcome !== 'failed') throw new Error(`cold start: expected an input error, got ${run.outputs.outcome}`)
  return run.endedAt - startedAt
}
async function coldStarts(entry?: string): Promise<number> {
  await coldStart(entry)
  const times: number[] = []
  for (let i = 0; i < COLD_RUNS; i++) times.push(await coldStart(entry))
  return median(times)
}

console.log(`ecs-safe-deploy benchmark — ${RUNS} runs per scenario, on the sandbox\n`)
const cold = await coldStarts()
const coldBaseline = process.env.BENCH_COLD_BASELINE ? await coldStarts(process.env.BENCH_COLD_BASELINE) : undefined
const done = await scenario('completed → exit', 60, RUNS, completion)
const failed = await scenario('FAILED → reported', 60, RUNS, failure)
const alarm = await scenario('alarm → rollback requested', 60, RUNS, alarmToRollback)
const canary = await scenario('canary alarm → StopDeployment', 60, RUNS, canaryAlarmToStop, progressiveWithBake())
// At ECS's real speed (time scale 1): the race between the action's looks and the breaker is the one a user sees.
const fast = await scenario('crash loop, 20 tasks, fail fast (3)', 1, 1, crashLoopOn20(3), twentyTasks())
const breaker = await scenario('crash loop, 20 tasks, breaker alone', 1, 1, crashLoopOn20(0), twentyTasks())
// ECS durations at real speed (time scale 1), so a rollout lasts long enough for a per-minute rate to mean something.
const slow = await scenario('calls per minute (time scale 1)', 1, 1, completion)
// Several services, one release: 1, 5 and 10 services of 2 tasks each, one shared call budget for the run.
const RELEASE_TIME_SCALE = 20
const releases: [number, ReleaseSample[]][] = []
for (const count of [1, 5, 10]) {
  releases.push([count, await scenario(`release of ${count} service${count === 1 ? '' : 's'}`, RELEASE_TIME_SCALE, RUNS, releaseOf(count), releaseWorld(count))])
}

const all = [...done, ...failed, ...alarm, ...canary, ...slow]
console.log('')
console.log(
  `${'cold start: spawn → exit on an input error (median of 15)'.padEnd(58)} ${`${cold} ms`.padStart(12)}${coldBaseline !== undefined ? `   (${process.env.BENCH_COLD_BASELINE}: ${coldBaseline} ms)` : ''}`,
)
row('our deployment COMPLETED → action exits (median)', `${median(done.map((s) => s.ms))} ms`, '≤ 2000 ms', median(done.map((s) => s.ms)) <= 2000)
row('our deployment FAILED → action reports it (median)', `${median(failed.map((s) => s.ms))} ms`, '≤ 2000 ms', median(failed.map((s) => s.ms)) <= 2000)
console.log(`${'  (FAILED → action exits, after ECS rollback completes)'.padEnd(58)} ${`${median(failed.map((s) => s.exitMs))} ms`.padStart(12)}`)
row('alarm in ALARM during bake → rollback requested (median)', `${median(alarm.map((s) => s.ms))} ms`, '≤ 2000 ms', median(alarm.map((s) => s.ms)) <= 2000)
row('alarm during CodeDeploy canary bake → StopDeployment (median)', `${median(canary.map((s) => s.ms))} ms`, '≤ 2000 ms', median(canary.map((s) => s.ms)) <= 2000)
const rate = perMinute(slow)[0]
row(`API calls per minute, ${Math.round(slow[0].wallMs / 1000)} s rollout at time scale 1`, rate.toFixed(1), '≤ 30', rate <= 30)
console.log(
  `${'  (the same rate in the few-second runs above, which poll at 1 s)'.padEnd(58)} ${median(perMinute([...done, ...failed]))
    .toFixed(1)
    .padStart(12)}`,
)
for (const [label, s] of [
  ['crash loop on 20 tasks: fail fast (max-task-failures 3)', fast[0]],
  ['crash loop on 20 tasks: circuit breaker alone', breaker[0]],
] as const) {
  console.log(`${label.padEnd(58)} ${`${s.simSeconds} s, ${s.failedLaunches} failed`.padStart(20)} (sandbox clock, to the rollback's start)`)
}
console.log(`\nseveral services, one release (healthy, 2 tasks each, time scale ${RELEASE_TIME_SCALE}, median of ${RUNS})`)
// Calls per minute over the whole run (every AWS call: preflight, register and deploy included), and over the watch
// alone (reads from the first UpdateService to the exit), which one budget of 30/min (burst 5) paces for all services.
const columns = ['services', 'start → outcome', 'calls/min (run)', 'calls/min (watch)', 'calls', 'peak RSS']
const widths = [8, 16, 16, 18, 6, 10]
console.log(columns.map((c, i) => c.padStart(widths[i])).join(' '))
for (const [count, samples] of releases) {
  const watchRate = median(samples.map((s) => (s.watchCalls / s.watchMs) * 60_000))
  const cells = [
    String(count),
    `${median(samples.map((s) => s.ms))} ms`,
    median(perMinute(samples)).toFixed(1),
    watchRate.toFixed(1),
    String(median(samples.map((s) => s.calls))),
    `${(Math.max(...samples.map((s) => s.peakKiB)) / 1024).toFixed(1)} MiB`,
  ]
  console.log(cells.map((c, i) => c.padStart(widths[i])).join(' '))
}
console.log('')
console.log(`${'peak memory of the action (max RSS)'.padEnd(58)} ${`${(Math.max(...all.map((s) => s.peakKiB)) / 1024).toFixed(1)} MiB`.padStart(12)}`)
rmSync(scratch, { recursive: true, force: true })
