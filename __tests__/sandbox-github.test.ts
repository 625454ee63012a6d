// The GitHub API emulator (sandbox/github/), driven by the real Octokit of @actions/github: it uses undici's fetch,
// which nock cannot see, so these tests talk to the emulator over 127.0.0.1 as the action will.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { getOctokit } from '@actions/github'
import { startSandbox } from '../sandbox/index.js'
import { startGitHubApi, type GitHubApi } from '../sandbox/github/server.js'

type Octokit = ReturnType<typeof getOctokit>
const repo = { owner: 'acme', repo: 'web' }
const SHA = 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d'

interface HttpFailure {
  status: number
  response: { data: Record<string, unknown>; headers: Record<string, string | undefined> }
}

async function failure(call: Promise<unknown>): Promise<HttpFailure> {
  try {
    await call
  } catch (e) {
    return e as HttpFailure
  }
  throw new Error('expected the call to fail')
}

let api: GitHubApi
let octokit: Octokit
let simNow = Date.parse('2026-03-01T12:00:00Z')

beforeAll(async () => {
  api = await startGitHubApi({ now: () => simNow })
  octokit = getOctokit('ghs_test', { baseUrl: api.url })
})
afterAll(() => api.stop())
beforeEach(() => api.control.reset())

const deploy = (params: Partial<Parameters<Octokit['rest']['repos']['createDeployment']>[0]> = {}) =>
  octokit.rest.repos.createDeployment({ ...repo, ref: SHA, auto_merge: false, required_contexts: [], ...params })

/** createDeployment's 201 (its type also allows GitHub's 202, which has no deployment). */
async function created(params: Parameters<typeof deploy>[0] = {}) {
  const res = await deploy(params)
  if (!('id' in res.data)) throw new Error(`createDeployment answered ${res.status}: ${res.data.message}`)
  return { ...res, data: res.data }
}

const deploymentId = async (params: Parameters<typeof deploy>[0] = {}) => (await created(params)).data.id

/** A request the typed methods would refuse to send. */
const untyped = (route: string, params: Record<string, unknown>) => octokit.request(route, params)

const setState = (deployment_id: number, state: 'success' | 'failure' | 'in_progress', extra: Record<string, unknown> = {}) =>
  octokit.rest.repos.createDeploymentStatus({ ...repo, deployment_id, state, ...extra })

const states = async (deployment_id: number) => (await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id })).data.map((s) => s.state)

describe('deployments', () => {
  test('POST answers 201 with the deployment as GitHub shapes it, and GitHub-like headers', async () => {
    const res = await created({ environment: 'staging', task: 'deploy:web', payload: { image: 'web@sha256:abc' }, description: 'ecs-safe-deploy' })
    expect(res.status).toBe(201)
    const url = `${api.url}/repos/acme/web/deployments/${res.data.id}`
    expect(res.data).toEqual({
      url,
      id: expect.any(Number),
      node_id: Buffer.from(`010:Deployment${res.data.id}`).toString('base64'),
      sha: SHA,
      ref: SHA,
      task: 'deploy:web',
      payload: { image: 'web@sha256:abc' },
      original_environment: 'staging',
      environment: 'staging',
      description: 'ecs-safe-deploy',
      creator: expect.objectContaining({ login: 'github-actions[bot]', type: 'Bot' }),
      created_at: '2026-03-01T12:00:00Z',
      updated_at: '2026-03-01T12:00:00Z',
      statuses_url: `${url}/statuses`,
      repository_url: `${api.url}/repos/acme/web`,
      transient_environment: false,
      production_environment: false,
      performed_via_github_app: null,
    })
    expect(res.data.id).toBeGreaterThan(2 ** 31)
    expect(res.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      location: url,
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '999',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      'x-accepted-github-permissions': 'deployments=write',
    })
    expect(res.headers['x-github-request-id']).toMatch(/^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{6}:[0-9A-F]+$/)
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000)
  })

  test('defaults: task deploy, environment production (a production one), payload {}, description ""; a string payload stays a string', async () => {
    const { data } = await created({ ref: 'main' })
    expect(data).toMatchObject({ task: 'deploy', environment: 'production', production_environment: true, transient_environment: false, payload: {}, description: '', ref: 'main' })
    expect(data.sha).toMatch(/^[0-9a-f]{40}$/)
    expect((await created({ ref: 'main' })).data.sha).toBe(data.sha)
    expect((await deploy({ payload: '{"a":1}', transient_environment: true, production_environment: true, environment: 'pr-7' })).data).toMatchObject({
      payload: '{"a":1}',
      transient_environment: true,
      production_environment: true,
    })
  })

  test("GET by id, and 404 for an unknown id or another repository's", async () => {
    const id = await deploymentId()
    expect((await octokit.rest.repos.getDeployment({ ...repo, deployment_id: id })).data.id).toBe(id)
    for (const params of [
      { ...repo, deployment_id: id + 1000 },
      { owner: 'acme', repo: 'api', deployment_id: id },
    ]) {
      const e = await failure(octokit.rest.repos.getDeployment(params))
      expect(e.status).toBe(404)
      expect(e.response.data).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest/deployments/deployments#get-a-deployment', status: '404' })
    }
  })

  test("422 for a body that breaks the schema, in GitHub's words", async () => {
    const missing = await failure(untyped('POST /repos/{owner}/{repo}/deployments', { ...repo }))
    expect(missing.status).toBe(422)
    expect(missing.response.data).toEqual({
      message: 'Invalid request.\n\n"ref" wasn\'t supplied.',
      documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment',
      status: '422',
    })
    const badType = await failure(untyped('POST /repos/{owner}/{repo}/deployments', { ...repo, ref: 'main', auto_merge: 'yes' }))
    expect(badType.response.data.message).toBe('Invalid request.\n\nFor \'properties/auto_merge\', "yes" is not a boolean.')
    const badContexts = await failure(untyped('POST /repos/{owner}/{repo}/deployments', { ...repo, ref: 'main', required_contexts: 'ci' }))
    expect(badContexts.response.data.message).toBe('Invalid request.\n\nFor \'properties/required_contexts\', "ci" is not an array.')
  })

  test('401 without a token, with a malformed one; `token X` and `Bearer X` are both accepted', async () => {
    const url = `${api.url}/repos/acme/web/deployments`
    const none = await fetch(url)
    expect(none.status).toBe(401)
    expect(await none.json()).toEqual({ message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' })
    const basic = await fetch(url, { headers: { authorization: 'Basic eDp5' } })
    expect([basic.status, ((await basic.json()) as { message: string }).message]).toEqual([401, 'Bad credentials'])
    expect((await fetch(url, { headers: { authorization: 'Bearer ghs_x' } })).status).toBe(200)
    expect((await fetch(url, { headers: { authorization: 'token ghs_x' } })).status).toBe(200)
  })

  test('400 for a body that is not JSON; 404 for a route the emulator does not serve', async () => {
    const bad = await fetch(`${api.url}/repos/acme/web/deployments`, { method: 'POST', headers: { authorization: 'token t' }, body: '{"ref": ' })
    expect([bad.status, ((await bad.json()) as { message: string }).message]).toEqual([400, 'Problems parsing JSON'])
    const e = await failure(octokit.request('GET /repos/{owner}/{repo}/environments', repo))
    expect(e.status).toBe(404)
  })
})

describe('deployment statuses', () => {
  test('POST answers 201 with the status; log_url also sets target_url; GET lists newest first', async () => {
    const id = await deploymentId({ environment: 'staging' })
    simNow += 60_000
    const res = await setState(id, 'in_progress', { log_url: 'https://github.com/acme/web/actions/runs/1', description: 'Deploying web' })
    expect(res.status).toBe(201)
    const deploymentUrl = `${api.url}/repos/acme/web/deployments/${id}`
    expect(res.data).toEqual({
      url: `${deploymentUrl}/statuses/${res.data.id}`,
      id: expect.any(Number),
      node_id: Buffer.from(`016:DeploymentStatus${res.data.id}`).toString('base64'),
      state: 'in_progress',
      creator: expect.objectContaining({ login: 'github-actions[bot]' }),
      description: 'Deploying web',
      environment: 'staging',
      target_url: 'https://github.com/acme/web/actions/runs/1',
      created_at: '2026-03-01T12:01:00Z',
      updated_at: '2026-03-01T12:01:00Z',
      deployment_url: deploymentUrl,
      repository_url: `${api.url}/repos/acme/web`,
      environment_url: '',
      log_url: 'https://github.com/acme/web/actions/runs/1',
      performed_via_github_app: null,
    })
    await setState(id, 'success', { environment_url: 'https://staging.example.com' })
    const list = await octokit.rest.repos.listDeploymentStatuses({ ...repo, deployment_id: id })
    expect(list.data.map((s) => [s.state, s.environment_url])).toEqual([
      ['success', 'https://staging.example.com'],
      ['in_progress', ''],
    ])
    expect((await octokit.rest.repos.getDeploymentStatus({ ...repo, deployment_id: id, status_id: res.data.id })).data.state).toBe('in_progress')
    expect((await octokit.rest.repos.getDeployment({ ...repo, deployment_id: id })).data.updated_at).toBe('2026-03-01T12:01:00Z')
  })

  test('a status can move its deployment to another environment; original_environment keeps the first', async () => {
    const id = await deploymentId({ environment: 'staging' })
    expect((await setState(id, 'success', { environment: 'qa' })).data.environment).toBe('qa')
    expect((await octokit.rest.repos.getDeployment({ ...repo, deployment_id: id })).data).toMatchObject({ environment: 'qa', original_environment: 'staging' })
  })

  test('422 for a state GitHub does not know and for a description over 140 characters', async () => {
    const id = await deploymentId()
    const badState = await failure(untyped('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', { ...repo, deployment_id: id, state: 'succeeded' }))
    expect(badState.status).toBe(422)
    expect(badState.response.data).toEqual({
      message: 'Invalid request.\n\nFor \'properties/state\', succeeded is not a member of ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"].',
      documentation_url: 'https://docs.github.com/rest/deployments/statuses#create-a-deployment-status',
      status: '422',
    })
    const long = await failure(setState(id, 'failure', { description: 'x'.repeat(141) }))
    expect(long.status).toBe(422)
    expect(long.response.data).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'DeploymentStatus', code: 'custom', field: 'description', message: 'description is too long (maximum is 140 characters)' }],
    })
    expect((await setState(id, 'failure', { description: 'x'.repeat(140) })).status).toBe(201)
    expect(await states(id)).toEqual(['failure'])
  })

  test('auto_inactive: a success makes earlier successful deployments of the environment inactive', async () => {
    const first = await deploymentId({ environment: 'production' })
    await setState(first, 'success')
    const failed = await deploymentId({ environment: 'production' })
    await setState(failed, 'failure')
    const transient = await deploymentId({ environment: 'production', transient_environment: true })
    await setState(transient, 'success')
    const elsewhere = await deploymentId({ environment: 'staging' })
    await setState(elsewhere, 'success')
    // The transient one's success inactivated `first`; the next success must not add a second inactive.
    expect(await states(first)).toEqual(['inactive', 'success'])
    const latest = await deploymentId({ environment: 'production' })
    await setState(latest, 'in_progress')
    expect(await states(transient)).toEqual(['success'])
    await setState(latest, 'success')
    expect(await states(first)).toEqual(['inactive', 'success'])
    expect(await states(failed)).toEqual(['failure'])
    expect(await states(transient)).toEqual(['success'])
    expect(await states(elsewhere)).toEqual(['success'])
    expect(await states(latest)).toEqual(['success', 'in_progress'])

    const keep = await deploymentId({ environment: 'staging' })
    await setState(keep, 'success', { auto_inactive: false })
    expect(await states(elsewhere)).toEqual(['success'])
  })
})

describe('listing deployments', () => {
  test('filters by environment, sha, ref and task, newest first, pages with a Link header Octokit follows', async () => {
    const staging: number[] = []
    for (let i = 0; i < 5; i++) staging.push(await deploymentId({ environment: 'staging' }))
    await deploymentId({ environment: 'production', ref: 'main', task: 'deploy:migrations' })

    const page1 = await octokit.rest.repos.listDeployments({ ...repo, environment: 'staging', per_page: 2 })
    expect(page1.data.map((d) => d.id)).toEqual([staging[4], staging[3]])
    const link = `${api.url}/repos/acme/web/deployments?environment=staging&per_page=2&page=`
    expect(page1.headers.link).toBe(`<${link}2>; rel="next", <${link}3>; rel="last"`)
    const page3 = await octokit.rest.repos.listDeployments({ ...repo, environment: 'staging', per_page: 2, page: 3 })
    expect(page3.data.map((d) => d.id)).toEqual([staging[0]])
    expect(page3.headers.link).toBe(`<${link}2>; rel="prev", <${link}1>; rel="first"`)
    expect(page3.headers['x-accepted-github-permissions']).toBe('deployments=read')

    const all = await octokit.paginate(octokit.rest.repos.listDeployments, { ...repo, environment: 'staging', per_page: 2 })
    expect(all.map((d) => d.id)).toEqual([...staging].reverse())
    const byRef = await octokit.rest.repos.listDeployments({ ...repo, ref: 'main' })
    expect(byRef.data.map((d) => d.task)).toEqual(['deploy:migrations'])
    expect((await octokit.rest.repos.listDeployments({ ...repo, sha: SHA, task: 'deploy' })).data).toHaveLength(5)
    expect((await octokit.rest.repos.listDeployments({ ...repo })).headers.link).toBeUndefined()
    expect((await octokit.rest.repos.listDeployments({ owner: 'acme', repo: 'api' })).data).toEqual([])
  })
})

describe('faults and the call log', () => {
  test('forbidden: 403 "Resource not accessible by integration" with GitHub\'s body and the permission it wanted', async () => {
    api.control.fault({ kind: 'forbidden', operation: 'createDeployment' })
    const e = await failure(deploy())
    expect(e.status).toBe(403)
    expect(e.response.data).toEqual({
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment',
      status: '403',
    })
    expect(e.response.headers['x-accepted-github-permissions']).toBe('deployments=write')
    expect((await deploy()).status).toBe(201)
  })

  test("server errors, secondary and primary rate limits, and createDeployment's 409 and 202", async () => {
    api.control.fault({ kind: 'server-error', status: 502, count: 2 })
    expect((await failure(deploy())).status).toBe(502)
    expect((await failure(octokit.rest.repos.listDeployments(repo))).status).toBe(502)

    api.control.fault({ kind: 'secondary-rate-limit', status: 429, retryAfter: 7 })
    const secondary = await failure(deploy())
    expect(secondary.status).toBe(429)
    expect(secondary.response.headers['retry-after']).toBe('7')
    expect(secondary.response.data.message).toMatch(/^You have exceeded a secondary rate limit\./)

    api.control.fault({ kind: 'secondary-rate-limit' })
    const secondary403 = await failure(deploy())
    expect([secondary403.status, secondary403.response.headers['retry-after']]).toEqual([403, '60'])

    api.control.fault({ kind: 'rate-limit' })
    const primary = await failure(deploy())
    expect(primary.status).toBe(403)
    expect(primary.response.headers['x-ratelimit-remaining']).toBe('0')
    expect(primary.response.data.message).toMatch(/^API rate limit exceeded/)

    api.control.fault({ kind: 'conflict' })
    const conflict = await failure(deploy({ ref: 'main' }))
    expect([conflict.status, conflict.response.data.message]).toEqual([409, 'Conflict: Commit status checks failed for main.'])

    api.control.fault({ kind: 'auto-merged' })
    const merged = await deploy({ ref: 'topic' })
    expect(merged.status).toBe(202)
    expect(merged.data).toEqual({ message: 'Auto-merged main into topic on deployment.' })
    expect(api.control.deployments()).toEqual([])
  })

  test('a fault hits only its operation, `count` times; latency delays the normal answer', async () => {
    const id = await deploymentId()
    api.control.fault({ kind: 'server-error', operation: 'createDeploymentStatus', count: 2 })
    expect(api.control.faults()).toEqual([{ id: expect.any(Number), kind: 'server-error', operation: 'createDeploymentStatus', count: 2 }])
    expect((await deploy()).status).toBe(201)
    expect((await failure(setState(id, 'success'))).status).toBe(500)
    expect((await failure(setState(id, 'success'))).status).toBe(500)
    expect((await setState(id, 'success')).status).toBe(201)
    expect(api.control.faults()).toEqual([])

    api.control.fault({ kind: 'latency', latencyMs: 300 })
    const started = Date.now()
    expect((await deploy()).status).toBe(201)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(() => api.control.fault({ kind: 'conflict', operation: 'getDeployment' })).toThrow('conflict is an answer of createDeployment only')
    expect(() => api.control.fault({ kind: 'server-error', status: 404 })).toThrow('status for server-error must be one of 500, 502, 503, 504')
  })

  test('the call log has method, path, query, operation, body, status and the fault of every API call', async () => {
    api.control.fault({ kind: 'forbidden', operation: 'createDeploymentStatus' })
    const id = await deploymentId({ environment: 'staging' })
    await failure(setState(id, 'success'))
    await octokit.rest.repos.listDeployments({ ...repo, environment: 'staging' })
    const calls = api.control.calls()
    expect(calls.map((c) => [c.method, c.path, c.operation, c.status, c.fault])).toEqual([
      ['POST', '/repos/acme/web/deployments', 'createDeployment', 201, undefined],
      ['POST', `/repos/acme/web/deployments/${id}/statuses`, 'createDeploymentStatus', 403, 'forbidden'],
      ['GET', '/repos/acme/web/deployments', 'listDeployments', 200, undefined],
    ])
    expect(calls[0].body).toEqual({ ref: SHA, auto_merge: false, required_contexts: [], environment: 'staging' })
    expect(calls[2].query).toEqual({ environment: 'staging' })
    expect(api.control.calls({ failed: true }).map((c) => c.seq)).toEqual([calls[1].seq])
    expect(api.control.calls({ operation: 'listDeployments', since: calls[0].seq })).toHaveLength(1)
    expect(api.control.calls({ method: 'post' })).toHaveLength(2)
  })

  test('the primary rate limit runs out: 403 with x-ratelimit-remaining 0 until the hour is over', async () => {
    const small = await startGitHubApi({ rateLimit: 2 })
    try {
      const client = getOctokit('ghs_small', { baseUrl: small.url })
      expect((await client.rest.repos.listDeployments(repo)).headers['x-ratelimit-remaining']).toBe('1')
      expect((await client.rest.repos.listDeployments(repo)).headers['x-ratelimit-remaining']).toBe('0')
      const e = await failure(client.rest.repos.listDeployments(repo))
      expect([e.status, e.response.headers['x-ratelimit-remaining']]).toEqual([403, '0'])
      // Each token has its own budget.
      expect((await getOctokit('ghs_other', { baseUrl: small.url }).rest.repos.listDeployments(repo)).status).toBe(200)
    } finally {
      await small.stop()
    }
  })
})

describe('the HTTP control API', () => {
  const control = (path: string, init?: RequestInit) => fetch(`${api.url}/_sandbox/${path}`, init).then(async (r) => [r.status, await r.json()])

  test('faults, calls, deployments and reset over HTTP; bad requests get 400', async () => {
    expect(await control('health')).toEqual([200, { ok: true }])
    expect(await control('faults', { method: 'POST', body: JSON.stringify({ kind: 'forbidden', operation: 'createDeployment', count: 2 }) })).toEqual([
      200,
      { id: expect.any(Number), kind: 'forbidden', operation: 'createDeployment', count: 2 },
    ])
    expect((await control('faults'))[1]).toHaveLength(1)
    expect(await control('faults', { method: 'DELETE' })).toEqual([200, []])
    expect(await control('faults', { method: 'POST', body: JSON.stringify({ kind: 'teapot' }) })).toEqual([
      400,
      { error: expect.stringContaining('kind must be one of forbidden, server-error') },
    ])
    expect((await control('nope'))[0]).toBe(404)

    const id = await deploymentId({ environment: 'staging' })
    await setState(id, 'success')
    const [, deployments] = await control('deployments?environment=staging')
    expect(deployments).toEqual([expect.objectContaining({ id, environment: 'staging', statuses: [expect.objectContaining({ state: 'success' })] })])
    const [, calls] = await control('calls?operation=createDeploymentStatus')
    expect(calls).toEqual([expect.objectContaining({ method: 'POST', status: 201, body: { state: 'success' } })])
    expect((await control('calls?failed=maybe'))[0]).toBe(400)

    expect(await control('reset', { method: 'POST' })).toEqual([200, { ok: true }])
    expect(await control('deployments')).toEqual([200, []])
    expect(await control('calls')).toEqual([200, []])
  })
})

test('startSandbox starts the GitHub emulator too: githubUrl, its control handle, the simulated clock, and stop() ends both', async () => {
  const sandbox = await startSandbox({ timeScale: 0 })
  const client = getOctokit('ghs_sandbox', { baseUrl: sandbox.githubUrl })
  try {
    expect(sandbox.githubUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(sandbox.githubUrl).not.toBe(sandbox.url)
    const { data } = await client.rest.repos.createDeployment({ ...repo, ref: SHA, environment: 'staging' })
    if (!('created_at' in data)) throw new Error(`no deployment: ${data.message}`)
    expect(Date.parse(data.created_at)).toBe(Math.floor(sandbox.control.now() / 1000) * 1000)
    expect(sandbox.github.calls().map((c) => c.operation)).toEqual(['createDeployment'])
  } finally {
    await sandbox.stop()
  }
  await expect(fetch(`${sandbox.githubUrl}/_sandbox/health`)).rejects.toThrow()
  await expect(fetch(`${sandbox.url}/_sandbox/health`)).rejects.toThrow()
})
