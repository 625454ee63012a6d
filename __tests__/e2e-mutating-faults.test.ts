// End to end (issue #21, item 1): every mutating call the action makes, answered with throttling or ECS's "Too many
// concurrent attempts" (neither applied), is sent again with back-off within the run's time, and the log says how
// many times it waited. The bundled action runs against the sandbox, which injects the answers.
import { afterEach, describe, expect, test } from '@jest/globals'
import { ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs'
import { errorAnnotations } from '../scripts/action-runner.js'
import { CASES, deployCase as deploy, ecs, stopCaseSandbox, taskDefinitionNow, type Case } from './helpers/mutating-calls.js'

afterEach(stopCaseSandbox)

describe('a mutating call refused for its rate is sent again, and the log counts the waits', () => {
  test.each(CASES.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const { s, run } = await deploy(c)
      expect(run.stderr).toBe('')
      expect(run.outputs.outcome).toBe(c.outcome)
      const operation = c.fault.operation as string
      const calls = s.control.calls({ operation })
      const refused = calls.filter((call) => call.fault !== undefined)
      expect(refused).toHaveLength(c.fault.count as number)
      // Sent again until one was answered.
      expect(calls.filter((call) => call.fault === undefined && call.status === 200).length).toBeGreaterThanOrEqual(1)
      expect(run.stdout).toMatch(new RegExp(`${operation} was throttled: it waited ${c.fault.count} times \\([\\d.]+ s in all\\), then AWS applied it\\.`))
      expect(await taskDefinitionNow(s, c.service)).toMatch(new RegExp(`:task-definition/${c.revision}$`))
    },
    240_000,
  )

  test('RegisterTaskDefinition registers one revision however often it is refused', async () => {
    const { s, run } = await deploy(CASES[1])
    expect(run.outputs.outcome).toBe('succeeded')
    const families = await ecs(s).send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }))
    expect(families.taskDefinitionArns?.map((a) => a.split('/').pop())).toEqual(['web:1', 'web:2'])
  }, 120_000)

  test('throttled until the timeout: failed, naming the call and its waits, nothing deployed, well within timeout + 60 s', async () => {
    const c: Case = { ...CASES[0], inputs: { timeout: '20s' }, fault: { operation: 'RegisterTaskDefinition', kind: 'throttling', count: 'forever' } }
    const started = Date.now()
    const { s, run } = await deploy(c)
    expect(run.outputs.outcome).toBe('failed')
    expect(run.code).toBe(1)
    expect(errorAnnotations(run)).toMatch(/Nothing was deployed: RegisterTaskDefinition \(family web\): ThrottlingException: Rate exceeded/)
    expect(run.stdout).toMatch(/RegisterTaskDefinition was still throttled when its time ran out: it waited \d+ times \([\d.]+ s in all\) and was not applied\./)
    expect(s.control.calls({ mutating: true }).filter((call) => call.status === 200)).toEqual([])
    expect(run.endedAt - started).toBeLessThan(20_000 + 60_000)
  }, 120_000)
})
