// End to end (issue #21): every mutating call the action makes × {a 5xx, no answer, a dropped connection}, through the
// bundled action against the sandbox. None of these was applied, so each run must end as it would without the fault
// (the call is sent again); a fault that never ends fails the run naming the call, within `timeout` + 60 s and never
// as a success. Throttling is e2e-mutating-faults' table; the reads' faults are e2e-faults' and e2e-deadline's.
import { afterEach, describe, expect, test } from '@jest/globals'
import { errorAnnotations } from '../scripts/action-runner.js'
import type { FaultKind } from '../sandbox/faults.js'
import { CASES, deployCase, stopCaseSandbox, taskDefinitionNow, type Case } from './helpers/mutating-calls.js'

afterEach(stopCaseSandbox)

/** One case per mutating call (the throttling cases; the others repeat their calls). */
const CALLS = CASES.filter((c) => c.fault.kind === 'throttling')
const KINDS: { kind: FaultKind; count: number }[] = [
  { kind: 'server-error', count: 2 },
  { kind: 'drop', count: 1 },
  { kind: 'hang', count: 1 },
]

describe('a mutating call that failed without applying is sent again; the run ends as without the fault', () => {
  const table = CALLS.flatMap((c) => KINDS.map(({ kind, count }) => [`${c.fault.operation} (${c.name}) × ${kind}`, c, kind, count] as const))
  test.each(table)(
    '%s',
    async (_name, c: Case, kind, count) => {
      const started = Date.now()
      const { s, run } = await deployCase(c, { operation: c.fault.operation, kind, count })
      expect(run.stderr).toBe('')
      expect(run.outputs.outcome).toBe(c.outcome)
      const calls = s.control.calls({ operation: c.fault.operation })
      expect(calls.filter((call) => call.fault === kind)).toHaveLength(count)
      expect(calls.filter((call) => call.fault === undefined && call.status === 200).length).toBeGreaterThanOrEqual(1)
      expect(await taskDefinitionNow(s, c.service)).toMatch(new RegExp(`:task-definition/${c.revision}$`))
      expect(run.endedAt - started).toBeLessThan(5 * 60_000 + 60_000)
    },
    240_000,
  )
})

describe('a fault that never ends fails the run naming the call, within timeout + 60 s', () => {
  const register = CALLS.find((c) => c.fault.operation === 'RegisterTaskDefinition') as Case
  const update = CALLS.find((c) => c.fault.operation === 'UpdateService' && !c.armAt) as Case
  const create = CALLS.find((c) => c.fault.operation === 'CreateDeployment') as Case
  const table: [string, Case, FaultKind, RegExp][] = [
    ['RegisterTaskDefinition × 5xx', register, 'server-error', /Nothing was deployed: RegisterTaskDefinition \(family web\): ServerException/],
    ['UpdateService × dropped connection', update, 'drop', /UpdateService \(demo\/web\): /],
    ['CreateDeployment × no answer', create, 'hang', /CreateDeployment \(AppECS-demo-web-cd\/DgpECS-demo-web-cd\): CreateDeployment did not answer/],
  ]
  test.each(table)(
    '%s',
    async (_name, c, kind, said) => {
      const started = Date.now()
      const { s, run } = await deployCase({ ...c, inputs: { ...c.inputs, timeout: '30s' } }, { operation: c.fault.operation, kind, count: 'forever' })
      expect(run.outputs.outcome).toBe('failed')
      expect(run.code).toBe(1)
      expect(errorAnnotations(run)).toMatch(said)
      expect(s.control.calls({ operation: c.fault.operation }).filter((call) => call.status === 200)).toEqual([])
      expect(run.endedAt - started).toBeLessThan(30_000 + 60_000)
    },
    180_000,
  )
})
