// The GitHub deployment record's reporter against the GitHub API emulator, with its clock in the test's hands.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { startGitHubApi, type GitHubApi } from '../sandbox/github/server.js'
import { Timeline } from '../src/core/timeline.js'
import { GitHubDeploymentRecord, describePhase, stateOf } from '../src/report/github-deployment.js'

let api: GitHubApi
beforeAll(async () => {
  api = await startGitHubApi({})
})
afterAll(() => api.stop())
beforeEach(() => api.control.reset())

const SHA = 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d'
const env = () => ({ GITHUB_API_URL: api.url, GITHUB_REPOSITORY: 'org/app', GITHUB_SHA: SHA, GITHUB_RUN_ID: '7' })
/** The emulator's deployments, each with its statuses, oldest first. */
const records = () => api.control.deployments() as ({ id: number; statuses: { state: string; description: string; log_url: string }[] } & Record<string, unknown>)[]
const start = { cluster: 'prod', service: 'web', engine: 'rolling' }

describe('GitHubDeploymentRecord', () => {
  test('phase descriptions go out at most once every 10 s; the last one before the outcome is dropped', async () => {
    let now = 0
    const record = new GitHubDeploymentRecord({ deployment: true, token: 't', environment: 'production' }, env(), () => now)
    const timeline = new Timeline()
    record.start(timeline, start)
    timeline.emit({ type: 'phase', at: new Date(), phase: 'deploy' })
    now = 11_000
    timeline.emit({ type: 'deployment', at: new Date(), deploymentId: 'd', status: 'PRIMARY', counts: { desired: 3, running: 2, pending: 1, failed: 0 } })
    now = 12_000
    timeline.emit({ type: 'phase', at: new Date(), phase: 'bake' })
    record.finish('succeeded', 'Deployed.', 'arn:aws:ecs:us-east-1:1:task-definition/web:2')
    await record.settle(5_000)
    const [deployment] = records()
    expect(deployment).toMatchObject({ ref: SHA, environment: 'production', production_environment: true })
    expect(deployment.statuses.map((s) => [s.state, s.description])).toEqual([
      ['in_progress', 'rolling deployment of prod/web started'],
      ['in_progress', 'rolling 2/3'],
      ['success', 'succeeded web:2: Deployed.'],
    ])
    expect(deployment.statuses[0].log_url).toBe('https://github.com/org/app/actions/runs/7/attempts/1')
    expect(record.deploymentId).toBe(deployment.id)
  })

  test('wait false leaves it in progress, saying so; a 202 means no record', async () => {
    const record = new GitHubDeploymentRecord({ deployment: true, token: 't', environment: 'staging' }, env())
    record.start(new Timeline(), start)
    record.finish('started', '')
    await record.settle(5_000)
    expect(records()[0].statuses.map((s) => s.state)).toEqual(['in_progress', 'in_progress'])
    expect(records()[0].statuses[1].description).toMatch(/not watched \(wait: false\)/)

    api.control.reset()
    api.control.fault({ kind: 'auto-merged' })
    const merged = new GitHubDeploymentRecord({ deployment: true, token: 't', environment: 'staging' }, env())
    merged.start(new Timeline(), start)
    merged.finish('succeeded', 'Deployed.')
    await merged.settle(5_000)
    expect(merged.deploymentId).toBeUndefined()
    expect(api.control.calls().map((c) => c.operation)).toEqual(['createDeployment'])
  })

  test('skipped without a token or outside GitHub Actions; off makes no call', async () => {
    for (const [settings, environment] of [
      [{ deployment: true, environment: 'x' }, env()],
      [{ deployment: true, token: 't', environment: 'x' }, { GITHUB_API_URL: api.url }],
      [{ deployment: false, token: 't', environment: 'x' }, env()],
    ] as const) {
      const record = new GitHubDeploymentRecord(settings, environment)
      record.start(new Timeline(), start)
      record.finish('succeeded', 'Deployed.')
      await record.settle(1_000)
    }
    expect(api.control.calls()).toEqual([])
  })

  test('phases and states in words', () => {
    const at = new Date()
    expect(describePhase({ type: 'traffic-shifted', at, from: 10, to: 20, label: 'production' }, 'ecs-native')).toBe('production traffic 20%')
    expect(describePhase({ type: 'phase', at, phase: 'rollback' }, 'rolling')).toBe('rolling back')
    expect(describePhase({ type: 'warning', at, message: 'x' }, 'rolling')).toBeUndefined()
    expect(['succeeded', 'rolled-back', 'failed', 'timed-out', 'started'].map((o) => stateOf(o as never))).toEqual(['success', 'failure', 'failure', 'failure', 'in_progress'])
  })
})
