// End to end: a call that never answers cannot hang the action. Every AWS call carries a per-request timeout and the
// run's hard stop, so the bundled action ends with an outcome, a summary and an error annotation that names the call
// that did not answer, within `timeout` + 60 s, wherever the call hangs: in preflight, in the watch, in the bake and
// in a rollback.
import { afterEach, describe, expect, test } from '@jest/globals'
import { runAction, errorAnnotations, type ActionRun } from '../scripts/action-runner.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import type { FaultSpec } from '../sandbox/faults.js'
import { world } from '../scripts/worlds.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const TIMEOUT_S = 10
const LIMIT_MS = (TIMEOUT_S + 60) * 1000

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

async function deployWithHang(
  fault: FaultSpec,
  inputs: Record<string, string>,
  timeScale = 60,
  onLine?: (line: string, s: Sandbox) => void,
): Promise<{ run: ActionRun; tookMs: number; s: Sandbox }> {
  const s = await startSandbox({ world: world('demo.yaml'), timeScale })
  sandbox = s
  s.control.fault(fault)
  const started = Date.now()
  const run = await runAction({
    endpoint: s.url,
    inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, timeout: `${TIMEOUT_S}s`, ...inputs },
    ...(onLine ? { onLine: (line) => onLine(line, s) } : {}),
  })
  return { run, tookMs: run.endedAt - started, s }
}

/** What every case shares: the run ended in time, with an outcome, a summary and one annotation naming the call. */
function endedInTime(result: { run: ActionRun; tookMs: number }, outcome: string, call: string): void {
  const { run, tookMs } = result
  expect(tookMs).toBeLessThan(LIMIT_MS)
  expect(run.code).toBe(1)
  expect(run.outputs.outcome).toBe(outcome)
  expect(errorAnnotations(run)).toContain(`${call} did not answer`)
  expect(run.summary).toContain(`${call} did not answer`)
}

describe('a call that never answers', () => {
  test(
    'in preflight: DescribeClusters hangs → failed, nothing changed',
    async () => {
      const result = await deployWithHang({ operation: 'DescribeClusters', kind: 'hang', count: 'forever' }, {})
      endedInTime(result, 'failed', 'DescribeClusters')
      expect(result.s.control.calls({ mutating: true })).toEqual([])
    },
    LIMIT_MS + 30_000,
  )

  test(
    'in the watch: DescribeServices hangs after preflight → timed-out at the timeout, the rollback is asked for',
    async () => {
      const result = await deployWithHang({ operation: 'DescribeServices', kind: 'hang', after: 1, count: 'forever' }, {})
      endedInTime(result, 'timed-out', 'DescribeServices')
      // The deadline ended the hanging look: the action asked for its rollback at the timeout, not at the hard stop.
      const updates = result.s.control.calls({ operation: 'UpdateService' })
      expect(updates).toHaveLength(2)
    },
    LIMIT_MS + 30_000,
  )

  test('in the bake: DescribeAlarms hangs → the release is NOT baked, never succeeded: rolled back', async () => {
    let armed = false
    const result = await deployWithHang(
      { operation: 'DescribeAlarms', kind: 'hang', after: 1, count: 'forever' },
      { alarms: 'web-5xx', 'bake-time': '5s', timeout: '60s' },
      60,
      (line) => {
        if (!armed && /── bake/.test(line)) armed = true
      },
    )
    expect(armed).toBe(true)
    // The diagnosis after it is bounded too (its own DescribeAlarms hangs as well).
    expect(result.tookMs).toBeLessThan(50_000)
    // Nothing verified the release, so with rollback: on-failure the action rolled it back.
    expect(result.run.outputs.outcome).toBe('rolled-back')
    expect(errorAnnotations(result.run)).toMatch(/is live and was NOT baked: alarms unreadable since \S+ UTC \(DescribeAlarms did not answer/)
  }, 150_000)

  test(
    'in a rollback: UpdateService hangs when the action rolls back at the timeout → timed-out',
    async () => {
      // At ECS's real speed the rollout outlasts the 10 s timeout, so the action rolls back; its UpdateService hangs.
      const result = await deployWithHang({ operation: 'UpdateService', kind: 'hang', after: 1, count: 'forever' }, {}, 1)
      endedInTime(result, 'timed-out', 'UpdateService')
      expect(errorAnnotations(result.run)).toMatch(/did not complete before the timeout/)
    },
    LIMIT_MS + 30_000,
  )
})
