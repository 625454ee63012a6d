// End to end: a release of several services (`service: web, worker, scheduler`) whose job is cancelled mid-watch.
// The runner sends SIGINT; the main step saves every service's in-flight state (a JSON array in `inFlight`), reports
// outcome `cancelled` and exits; the post step, run with that state, looks at each service once and — with
// `on-cancel: rollback` — rolls back each deployment that had not finished, one warning and one summary section per
// service. The tests signal the bundled dist/index.js as the runner does, run the post step with the saved state, and
// look at the sandbox.
import { afterEach, describe, expect, test } from '@jest/globals'
import type { ActionRun } from '../scripts/action-runner.js'
import { releaseWorld } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { cancelWhen, type Cancelled } from './helpers/cancel.js'
import { ECS_DEPLOYMENT_ID, liveServices, RELEASE_IMAGE, RELEASE_NAMES, tdRevision, until } from './helpers/release.js'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

/** What the main step saved for one service. */
interface SavedFlight {
  engine: string
  cluster: string
  service: string
  deploymentId?: string
  taskDefinitionArn?: string
  previousTaskDefinitionArn: string
  phase: string
  onCancel: string
  cancelledAt: string
}

/** A cancelled release, with each service's deployment as the main step's log named it (`[web] ── watch: ecs-svc/…`). */
interface CancelledRelease extends Cancelled {
  watched: Record<string, string>
}

/** Runs a release of the three services and cancels it, the runner's way, once every service's watch has started
 * (its deployment is under way); then runs the post step with the state the main step saved. */
async function cancelRelease(s: Sandbox, inputs: Record<string, string>): Promise<CancelledRelease> {
  const watched: Record<string, string> = {}
  const all = { cluster: 'demo', service: RELEASE_NAMES.join(', '), image: RELEASE_IMAGE, timeout: '10m', ...inputs }
  const cancelled = await cancelWhen(s, all, (line) => {
    const m = /\[(web|worker|scheduler)\] ── watch: (ecs-svc\/\S+)/.exec(line)
    if (m) watched[m[1]] = m[2]
    return RELEASE_NAMES.every((name) => watched[name])
  })
  return { ...cancelled, watched }
}

/** The warning annotations of a run, with their titles. */
const warningCommands = (run: ActionRun) => run.commands.filter((c) => c.command === 'warning')

/** The saved in-flight state: an array, one entry per service, in input order. */
function savedFlights(main: ActionRun): SavedFlight[] {
  expect(main.state.inFlight).toBeDefined()
  const saved = JSON.parse(main.state.inFlight) as unknown
  expect(Array.isArray(saved)).toBe(true)
  return saved as SavedFlight[]
}

/** What the main step must have done on the cancel, whatever `on-cancel` says. */
function expectCancelledMain({ main, signalledAt, watched }: CancelledRelease, onCancel: string): SavedFlight[] {
  expect(signalledAt).toBeGreaterThan(0)
  expect(main.outputs.outcome).toBe('cancelled')
  expect(main.code).not.toBe(0)
  // Well inside the runner's 7.5 s between SIGINT and SIGTERM.
  expect(main.endedAt - signalledAt).toBeLessThan(7_500)
  const saved = savedFlights(main)
  expect(saved.map((f) => f.service)).toEqual(RELEASE_NAMES)
  for (const [i, name] of RELEASE_NAMES.entries()) {
    expect(saved[i]).toMatchObject({ engine: 'rolling', cluster: 'demo', service: name, phase: 'watch', onCancel })
    expect(saved[i].deploymentId).toMatch(ECS_DEPLOYMENT_ID)
    expect(saved[i].deploymentId).toBe(watched[name])
    expect(saved[i].taskDefinitionArn).toMatch(tdRevision(name, 2))
    expect(saved[i].previousTaskDefinitionArn).toMatch(tdRevision(name, 1))
    expect(Number.isNaN(Date.parse(saved[i].cancelledAt))).toBe(false)
  }
  expect(new Set(saved.map((f) => f.deploymentId)).size).toBe(3)
  return saved
}

describe('a cancelled release of several services', () => {
  test('mid-watch, on-cancel rollback: the state holds every service, and the post step rolls each back, warning once per service', async () => {
    const s = (sandbox = await startSandbox({ world: releaseWorld(3), timeScale: 5 }))
    const cancelled = await cancelRelease(s, { 'on-cancel': 'rollback' })
    const { post, postStartedAt } = cancelled
    const saved = expectCancelledMain(cancelled, 'rollback')

    // The post step asked, for each service and once, to go back to its previous revision; nothing else changed.
    const mutating = s.control.calls({ mutating: true }).filter((c) => c.wallMs >= postStartedAt)
    expect(mutating.map((c) => c.operation)).toEqual(['UpdateService', 'UpdateService', 'UpdateService'])
    for (const name of RELEASE_NAMES) {
      const updates = mutating.filter((c) => (c.params as { service: string }).service === name)
      expect([name, updates.length]).toEqual([name, 1])
      expect((updates[0].params as { taskDefinition: string }).taskDefinition).toMatch(new RegExp(`${name}:1$`))
    }

    // One warning per service, titled with it, naming its deployment and the rollback.
    const warned = warningCommands(post)
    expect(warned).toHaveLength(3)
    for (const [i, name] of RELEASE_NAMES.entries()) {
      const warning = warned.find((w) => w.properties.title === `ECS deployment cancelled: demo/${name}`)
      expect([name, warning?.message]).toEqual([
        name,
        expect.stringMatching(
          new RegExp(
            `during the watch phase; deployment ${saved[i].deploymentId!.replace('/', '\\/')} \\(\\S+, running \\d/2\\) was rolled back because on-cancel is rollback: UpdateService to ${name}:1 \\(deployment ecs-svc\\/\\d+\\)`,
          ),
        ),
      ])
      expect(post.summary).toContain(`ECS deployment cancelled: ${name}`)
    }

    // In the sandbox every service goes back to revision 1, its rollback deployment the only one left (simulated time
    // moved on rather than waited for).
    s.control.advance(300)
    const services = await until(
      () => liveServices(s.url),
      (now) => RELEASE_NAMES.every((name) => tdRevision(name, 1).test(now[name]?.taskDefinition ?? '') && now[name].deployments?.length === 1),
    )
    for (const name of RELEASE_NAMES) {
      expect([name, services[name].taskDefinition]).toEqual([name, expect.stringMatching(tdRevision(name, 1))])
      expect(services[name].deployments).toHaveLength(1)
      expect(services[name].deployments?.[0].id).not.toBe(saved.find((f) => f.service === name)?.deploymentId)
    }
  }, 180_000)

  test('mid-watch, on-cancel leave: the post step changes nothing and reports each service, left to ECS', async () => {
    const s = (sandbox = await startSandbox({ world: releaseWorld(3), timeScale: 5 }))
    const cancelled = await cancelRelease(s, { 'on-cancel': 'leave' })
    const { post, postStartedAt } = cancelled
    const saved = expectCancelledMain(cancelled, 'leave')

    // Only looks: not one mutating call from the post step.
    expect(s.control.calls().filter((c) => c.wallMs >= postStartedAt).length).toBeGreaterThan(0)
    expect(s.control.calls({ mutating: true }).filter((c) => c.wallMs >= postStartedAt)).toEqual([])

    // One warning per service, titled with it, naming its deployment, left to ECS (or already ended).
    const warned = warningCommands(post)
    expect(warned).toHaveLength(3)
    for (const [i, name] of RELEASE_NAMES.entries()) {
      const warning = warned.find((w) => w.properties.title === `ECS deployment cancelled: demo/${name}`)
      const id = saved[i].deploymentId!.replace('/', '\\/')
      expect([name, warning?.message]).toEqual([
        name,
        expect.stringMatching(
          new RegExp(
            `during the watch phase; deployment ${id} (is still IN_PROGRESS, running \\d/2, left to ECS's circuit breaker and the deployment alarms \\(on-cancel: leave\\)|has since ended: COMPLETED, running 2/2)\\.`,
          ),
        ),
      ])
      expect(warning?.message).not.toMatch(/rolled back/)
      expect(post.summary).toContain(`ECS deployment cancelled: ${name}`)
    }

    // Left to ECS, each service's deployment goes on to complete on revision 2.
    s.control.advance(300)
    const services = await until(
      () => liveServices(s.url),
      (now) => RELEASE_NAMES.every((name) => now[name]?.deployments?.length === 1 && now[name].deployments?.[0].rolloutState === 'COMPLETED'),
    )
    for (const [i, name] of RELEASE_NAMES.entries()) {
      expect([name, services[name].taskDefinition]).toEqual([name, expect.stringMatching(tdRevision(name, 2))])
      expect(services[name].deployments?.[0].id).toBe(saved[i].deploymentId)
    }
  }, 180_000)
})
