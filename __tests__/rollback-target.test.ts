import { describe, expect, it } from '@jest/globals'
import { join } from 'node:path'
import { repoRoot } from '../scripts/action-runner.js'
import { toDeregister } from '../src/engines/deregister.js'
import { choosePrevious } from '../src/core/history.js'
import { rollbackLine } from '../src/preflight/rollback-line.js'

const td = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${n}`
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute))
const done = (n: number, minute: number, from?: number) => ({ taskDefinitionArn: td(n), at: at(minute), id: `d${minute}`, ...(from ? { from: [td(from)] } : {}) })

describe('choosePrevious', () => {
  it('picks the last completed revision before the running one', () => {
    const found = choosePrevious({ completed: [done(1, 1), done(2, 2, 1), done(3, 3, 2)], rolledBack: new Set(), notes: [] }, td(3))
    expect(found.found?.taskDefinitionArn).toBe(td(2))
  })

  it('never picks one whose deployment ended in a rollback', () => {
    const found = choosePrevious({ completed: [done(2, 2, 1), done(3, 3, 2)], rolledBack: new Set([td(4)]), notes: [] }, td(3))
    expect(found).toEqual({ found: expect.objectContaining({ taskDefinitionArn: td(2) }), skipped: ['web:4 (rolled back)'] })
  })

  it('never picks one the next deployment went back from (a rollback by the action, by CodeDeploy or by hand)', () => {
    // web:2 → web:3 → back to web:2: web:3 was rolled back; the one before web:2 is web:1.
    const withSources = choosePrevious({ completed: [done(1, 1), done(2, 2, 1), done(3, 3, 2), done(2, 4, 3)], rolledBack: new Set(), notes: [] }, td(2))
    expect(withSources.found?.taskDefinitionArn).toBe(td(1))
    expect(withSources.skipped).toEqual(['web:3 (rolled back)'])
    // Without sources (CodeDeploy), the order tells the same.
    const ordered = choosePrevious({ completed: [done(1, 1), done(2, 2), done(3, 3), done(2, 4)], rolledBack: new Set(), notes: [] }, td(2))
    expect(ordered.found?.taskDefinitionArn).toBe(td(1))
  })

  it('finds nothing when only the running revision completed', () => {
    expect(choosePrevious({ completed: [done(1, 1)], rolledBack: new Set(), notes: [] }, td(1)).found).toBeUndefined()
  })
})

describe('toDeregister', () => {
  it('keeps the newest N and every protected revision', () => {
    expect(toDeregister([td(1), td(2), td(3), td(4), td(5)], 2, [td(1)])).toEqual([td(3), td(2)])
  })
})

describe('rollbackLine', () => {
  it('names both revisions, when and the image', () => {
    expect(rollbackLine({ from: 'web:7', to: 'web:5', deployedAt: new Date('2026-01-02T03:04:05.678Z'), image: 'r/web@sha256:ab' }, 'succeeded')).toBe(
      'rolled back web:7 → web:5 (deployed 2026-01-02T03:04:05Z, image r/web@sha256:ab)',
    )
  })
})

describe('githubRolledBack (the GitHub deployment records, on the sandbox)', () => {
  it('marks the revisions whose record ended in failure, for this cluster and service only', async () => {
    const { startSandbox } = await import('../sandbox/index.js')
    const { getOctokit } = await import('@actions/github')
    const { githubRolledBack } = await import('../src/preflight/github-history.js')
    const sandbox = await startSandbox({ world: join(repoRoot, 'sandbox', 'worlds', 'demo.yaml') })
    try {
      const octokit = getOctokit('ghs_test', { baseUrl: sandbox.githubUrl })
      const record = async (service: string, n: number, state: 'success' | 'failure') => {
        const { data } = await octokit.rest.repos.createDeployment({
          owner: 'org',
          repo: 'app',
          ref: 'main',
          environment: 'demo',
          required_contexts: [],
          payload: { cluster: 'demo', service, taskDefinitionArn: td(n) },
        })
        if (!('id' in data)) throw new Error('no deployment')
        await octokit.rest.repos.createDeploymentStatus({ owner: 'org', repo: 'app', deployment_id: data.id, state })
      }
      await record('web', 2, 'success')
      await record('web', 3, 'failure')
      await record('api', 4, 'failure')
      const env = { GITHUB_REPOSITORY: 'org/app', GITHUB_API_URL: sandbox.githubUrl }
      const settings = { deployment: true, token: 'ghs_test', environment: 'demo' }
      expect(await githubRolledBack(settings, 'demo', 'web', env)).toEqual({ rolledBack: [td(3)] })
      expect(await githubRolledBack({ ...settings, token: undefined }, 'demo', 'web', env)).toEqual({ rolledBack: [] })
    } finally {
      await sandbox.stop()
    }
  })
})
