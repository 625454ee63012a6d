// End to end (issue #21, items 4, 5 and 6): reports never fail a run, whatever the runner lacks (GitHub Enterprise
// Server, Gitea/Forgejo runners, act: no job summary, no GITHUB_OUTPUT or GITHUB_STATE file, no RUNNER_TEMP), and a
// failing GitHub deployment record says what failed with advice that fits. The bundled action runs against the sandbox.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun, type RunOptions } from '../scripts/action-runner.js'
import { world } from '../scripts/worlds.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import type { GitHubFaultSpec } from '../sandbox/github/control.js'
import { ECR } from './helpers/release.js'

const RUNNER_FILES = ['GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_OUTPUT']

let sandbox: Sandbox
let scratch: string
beforeEach(async () => {
  sandbox = await startSandbox({ world: world('demo.yaml'), timeScale: 60 })
  scratch = mkdtempSync(join(tmpdir(), 'ecs-safe-deploy-runner-'))
})
afterEach(async () => {
  await sandbox.stop()
  rmSync(scratch, { recursive: true, force: true })
})

const warnings = (run: ActionRun) => run.commands.filter((c) => c.command === 'warning').map((c) => c.message)
const notices = (run: ActionRun) => run.commands.filter((c) => c.command === 'notice').map((c) => c.message)

function deploy(options: Partial<RunOptions> & { inputs?: Record<string, string> } = {}): Promise<ActionRun> {
  return runAction({
    ...options,
    endpoint: sandbox.url,
    inputs: { cluster: 'demo', service: 'web', image: `${ECR}/web:v1.1`, timeout: '5m', 'github-token': 'ghs_test', ...options.inputs },
    env: { GITHUB_API_URL: sandbox.githubUrl, ...options.env },
  })
}

/** Every run here must end without a stack trace of the action's (the app's own, in its log tail, is fine). */
function noStackTrace(run: ActionRun): void {
  expect(run.stderr).toBe('')
  expect(run.stdout).not.toMatch(/dist\/index\.js:\d+/)
}

/** A loopback port nothing listens on (fetch refuses well-known ports like 9 before connecting). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise((done) => server.close(done))
  return port
}

describe('a runner with fewer files and variables (Gitea, Forgejo, act, GHES)', () => {
  test("GitHub's environment: no warning about the runner", async () => {
    const run = await deploy()
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    expect(warnings(run)).toEqual([])
    noStackTrace(run)
  }, 60_000)

  test('no GITHUB_STEP_SUMMARY, GITHUB_STATE, GITHUB_OUTPUT or RUNNER_TEMP: succeeds, one warning per missing file, outputs and state through the workflow commands, links from GITHUB_SERVER_URL', async () => {
    const run = await deploy({
      unset: [...RUNNER_FILES, 'RUNNER_TEMP'],
      env: { GITHUB_SERVER_URL: 'https://gitea.example.com', GITHUB_RUN_ID: '77' },
    })
    expect(run.code).toBe(0)
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.outputs['task-definition-arn']).toMatch(/:task-definition\/web:2$/)
    expect(run.state.isPost).toBe('true')
    const said = warnings(run)
    expect(said).toHaveLength(3)
    for (const variable of RUNNER_FILES) expect(said.filter((w) => w.startsWith(`${variable} is not set`))).toHaveLength(1)
    const [record] = sandbox.github.deployments() as { statuses: { log_url: string }[] }[]
    expect(record.statuses.at(-1)?.log_url).toBe('https://gitea.example.com/acme/web/actions/runs/77/attempts/1')
    noStackTrace(run)

    // The post step, with the state the workflow command saved and the same small environment.
    const post = await runAction({ endpoint: sandbox.url, inputs: {}, unset: [...RUNNER_FILES, 'RUNNER_TEMP'], state: run.state })
    expect(post.code).toBe(0)
    expect(post.commands.filter((c) => c.command === 'error')).toEqual([])
    noStackTrace(post)
  }, 60_000)

  test('a job summary that cannot be written (a directory): one warning, the run succeeds', async () => {
    const dir = join(scratch, 'summary-dir')
    mkdirSync(dir)
    const run = await deploy({ env: { GITHUB_STEP_SUMMARY: dir } })
    expect(run.code).toBe(0)
    expect(run.outputs.outcome).toBe('succeeded')
    expect(warnings(run)).toEqual([expect.stringMatching(/^The job summary could not be written to .*summary-dir \(EISDIR/)])
    noStackTrace(run)
  }, 60_000)

  test("a job summary that would pass GitHub's 1 MiB: not written, one warning, the run succeeds", async () => {
    const file = join(scratch, 'summary.md')
    writeFileSync(file, 'x'.repeat(1024 * 1024 - 512))
    const run = await deploy({ env: { GITHUB_STEP_SUMMARY: file } })
    expect(run.code).toBe(0)
    expect(run.outputs.outcome).toBe('succeeded')
    expect(warnings(run)).toEqual([expect.stringMatching(/^The job summary would pass GitHub's 1 MiB limit/)])
    expect(statSync(file).size).toBe(1024 * 1024 - 512)
    noStackTrace(run)
  }, 60_000)

  test('a GITHUB_OUTPUT file that is not there: one warning, outputs through ::set-output', async () => {
    const run = await deploy({ env: { GITHUB_OUTPUT: join(scratch, 'gone', 'output') } })
    expect(run.code).toBe(0)
    expect(run.outputs.outcome).toBe('succeeded')
    expect(warnings(run)).toEqual([expect.stringMatching(/^GITHUB_OUTPUT \(.*gone\/output\) could not be written .*::set-output/)])
    expect(run.commands.filter((c) => c.command === 'set-output').map((c) => c.properties.name)).toContain('outcome')
    noStackTrace(run)
  }, 60_000)

  test('a failed deployment on the small runner: outcome and exit code still right', async () => {
    const run = await deploy({ unset: RUNNER_FILES, inputs: { image: `${ECR}/web:v2-crash` } })
    expect(run.code).toBe(1)
    expect(run.outputs.outcome).toBe('rolled-back')
    expect(warnings(run).filter((w) => / is not set on this runner| is not set \(/.test(w))).toHaveLength(3)
    noStackTrace(run)
  }, 120_000)
})

describe('the GitHub deployment record tells its failures apart', () => {
  const cases: [string, { fault?: GitHubFaultSpec; env?: Record<string, string>; inputs?: Record<string, string> }, RegExp][] = [
    ['a refused connection', { env: { GITHUB_API_URL: 'refused' } }, /createDeployment: GitHub did not answer: the connection to http:\/\/127\.0\.0\.1:\d+ was refused/],
    [
      'an unknown host',
      { env: { GITHUB_API_URL: 'http://api.github.invalid' } },
      /createDeployment: GitHub did not answer: the runner cannot resolve the API's host \(http:\/\/api\.github\.invalid\)/,
    ],
    [
      'a bad token (401)',
      { inputs: { 'github-token': 'not a token' } },
      /createDeployment answered 401 \(Bad credentials.*\): GitHub refused the token; check the `github-token` input/,
    ],
    [
      'a missing permission (403)',
      { fault: { kind: 'forbidden', operation: 'createDeployment' } },
      /createDeployment answered 403 .*: the token may not write deployments; give the job `permissions: deployments: write`/,
    ],
    [
      'a secondary rate limit (403)',
      { fault: { kind: 'secondary-rate-limit', retryAfter: 30, operation: 'createDeployment' } },
      /createDeployment answered 403 .*: GitHub rate-limited the token; GitHub asks to wait 30 s/,
    ],
    [
      'a repository the token cannot see (404)',
      { fault: { kind: 'not-found', operation: 'createDeployment' } },
      /createDeployment answered 404 .*: the token cannot see the repository/,
    ],
    [
      'a request GitHub rejects (422)',
      { env: { GITHUB_REF: 'refs/heads/ ', GITHUB_REF_NAME: ' ' } },
      /createDeployment answered 422 \(No ref found.*\): GitHub rejected the request/,
    ],
    [
      'a server error (503)',
      { fault: { kind: 'server-error', status: 503, operation: 'createDeployment' } },
      /createDeployment answered 503 .*: GitHub had a server error; nothing to change/,
    ],
    ['no answer (hang)', { fault: { kind: 'hang', operation: 'createDeployment' } }, /GitHub did not answer within 10 s/],
  ]
  test.each(cases)(
    '%s: the deployment succeeds, one warning with its own advice',
    async (_name, c, said) => {
      if (c.fault) sandbox.github.fault(c.fault)
      const env = c.env?.GITHUB_API_URL === 'refused' ? { GITHUB_API_URL: `http://127.0.0.1:${await closedPort()}` } : c.env
      const run = await deploy({ env, inputs: c.inputs })
      expect(run.outputs.outcome).toBe('succeeded')
      expect(run.code).toBe(0)
      expect(warnings(run)).toEqual([expect.stringMatching(said)])
      if (!/deployments: write/.test(said.source)) expect(warnings(run)[0]).not.toContain('deployments: write')
      noStackTrace(run)
    },
    60_000,
  )

  const skips: [string, { inputs?: Record<string, string>; unset?: string[] }, string][] = [
    ['no token', { inputs: { 'github-token': '' } }, 'no `github-token`'],
    ['no GITHUB_SHA', { unset: ['GITHUB_SHA'] }, 'no GITHUB_SHA'],
    ['no GITHUB_REPOSITORY', { unset: ['GITHUB_REPOSITORY'] }, 'no GITHUB_REPOSITORY'],
  ]
  test.each(skips)(
    '%s: the record is skipped with one notice saying why, without a call',
    async (_name, options, why) => {
      const run = await deploy(options)
      expect(run.outputs.outcome).toBe('succeeded')
      expect(notices(run).filter((n) => n.startsWith('GitHub deployment record skipped'))).toEqual([expect.stringContaining(why)])
      expect(sandbox.github.calls()).toEqual([])
      expect(warnings(run)).toEqual([])
    },
    60_000,
  )
})
