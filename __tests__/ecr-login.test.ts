// ECR login against a real dockerd and a real registry with htpasswd auth (scripts/docker-env.sh).
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from '@jest/globals'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseEnvFile } from '../scripts/action-runner.js'
import { Docker } from '../src/build/docker.js'
import { loginToEcr, logoutFromEcr } from '../src/build/ecr-login.js'
import { captureStdout, leaks } from './helpers/capture.js'
import { describeWithDocker, ProcessWatcher } from './helpers/docker-env.js'
import { startEcrStub, type EcrStub } from './helpers/ecr-stub.js'

describeWithDocker('loginToEcr / logoutFromEcr (real docker and registry)', (env) => {
  let stub: EcrStub
  let work: string
  let userConfig: string
  const userConfigJson = JSON.stringify({ auths: { 'other.example.com': { auth: Buffer.from('someone:else').toString('base64') } } })
  const saved = { ...process.env }

  beforeAll(async () => {
    stub = await startEcrStub(env().registry, env().user, env().password)
  })
  afterAll(async () => {
    await stub?.stop()
  })
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'ecr-login-test-'))
    userConfig = join(work, 'user-docker')
    mkdirSync(join(userConfig, 'cli-plugins'), { recursive: true })
    writeFileSync(join(userConfig, 'config.json'), userConfigJson)
    mkdirSync(join(work, 'runner-temp'))
    writeFileSync(join(work, 'state'), '')
    // The runner's view: its own docker config (another login in it), RUNNER_TEMP, the state file.
    process.env.DOCKER_CONFIG = userConfig
    process.env.RUNNER_TEMP = join(work, 'runner-temp')
    process.env.GITHUB_STATE = join(work, 'state')
  })
  afterEach(() => {
    process.env = { ...saved }
    rmSync(work, { recursive: true, force: true })
  })

  const docker = () => new Docker({ DOCKER_HOST: env().dockerHost })
  const token = () => Buffer.from(`${env().user}:${env().password}`).toString('base64')

  test('logs in with the password on stdin only, in a temporary DOCKER_CONFIG; the post step removes it', async () => {
    const watcher = new ProcessWatcher().start()
    const run = await captureStdout(() => loginToEcr(stub.client, undefined, { docker: docker() }))
    watcher.stop()
    if (run.error) throw run.error
    const login = run.result!

    expect(login.registry).toBe(env().registry)
    expect(login.registries).toEqual([env().registry])
    expect(login.dockerConfigDir.startsWith(join(work, 'runner-temp', 'ecs-safe-deploy-docker-config-'))).toBe(true)
    expect(login.docker.env).toEqual({ DOCKER_HOST: env().dockerHost, DOCKER_CONFIG: login.dockerConfigDir })
    const config = JSON.parse(readFileSync(join(login.dockerConfigDir, 'config.json'), 'utf8')) as { auths: Record<string, unknown> }
    expect(Object.keys(config.auths)).toEqual([env().registry])
    expect(lstatSync(join(login.dockerConfigDir, 'cli-plugins')).isSymbolicLink()).toBe(true)
    expect(readlinkSync(join(login.dockerConfigDir, 'cli-plugins'))).toBe(join(userConfig, 'cli-plugins'))
    // The runner's own docker config is untouched.
    expect(readFileSync(join(userConfig, 'config.json'), 'utf8')).toBe(userConfigJson)
    // The post step learns where the login is from the saved state, which holds no secret.
    const state = readFileSync(join(work, 'state'), 'utf8')
    expect(JSON.parse(parseEnvFile(state).ecrLogin)).toEqual({ registries: [env().registry], dockerConfigDir: login.dockerConfigDir })
    expect(state).not.toContain(env().password)

    // Masked first, and otherwise never printed.
    expect(run.stdout).toContain(`::add-mask::${token()}`)
    expect(run.stdout).toContain(`::add-mask::${env().password}`)
    expect(leaks(run.stdout, env().password)).toEqual([])
    expect(leaks(run.stdout, token())).toEqual([])
    expect(run.stdout).toContain(`Logged in to ${env().registry}`)

    // The docker login process was seen, and neither its argv nor its environment had the password.
    // Only this login's process (its DOCKER_CONFIG): another test file may log in at the same time.
    const logins = watcher.seen.filter((p) => / login /.test(p.cmdline) && p.environ.includes(`DOCKER_CONFIG=${login.dockerConfigDir}`))
    expect(logins.map((p) => p.cmdline)).toEqual([expect.stringContaining(`login --username ${env().user} --password-stdin ${env().registry}`)])
    for (const p of watcher.seen) {
      expect(p.cmdline).not.toContain(env().password)
      expect(p.environ).not.toContain(env().password)
      expect(p.cmdline).not.toContain(token())
    }

    const post = await captureStdout(() => logoutFromEcr({ registries: login.registries, dockerConfigDir: login.dockerConfigDir }, docker()))
    expect(post.error).toBeUndefined()
    expect(post.stdout).toContain(`Logged out of ${env().registry}`)
    expect(existsSync(login.dockerConfigDir)).toBe(false)
    expect(readFileSync(join(userConfig, 'config.json'), 'utf8')).toBe(userConfigJson)
  })

  test("a wrong password fails with docker's reason, leaks nothing and leaves no config behind", async () => {
    const wrong = 'Wrong-password-' + 'x'.repeat(12)
    const bad = await startEcrStub(env().registry, env().user, wrong)
    try {
      const run = await captureStdout(() => loginToEcr(bad.client, undefined, { docker: docker() }))
      expect(run.error).toBeInstanceOf(Error)
      const message = (run.error as Error).message
      expect(message).toMatch(new RegExp(`^docker login to ${env().registry.replace(/\./g, '\\.')} failed: docker login failed \\(exit code 1\\):\\n`))
      expect(message).toMatch(/unauthorized|401/i)
      expect(message).not.toContain(wrong)
      expect(leaks(run.stdout, wrong)).toEqual([])
      expect(readdirSync(join(work, 'runner-temp'))).toEqual([])
    } finally {
      await bad.stop()
    }
  })

  test('GetAuthorizationToken returning garbage is an error before any docker command', async () => {
    const client = { send: async () => ({ authorizationData: [{ authorizationToken: Buffer.from('no-colon').toString('base64'), proxyEndpoint: 'https://x' }] }) }
    await expect(loginToEcr(client as never, undefined, { docker: docker() })).rejects.toThrow('not base64 of user:password')
    const empty = { send: async () => ({ authorizationData: [] }) }
    await expect(loginToEcr(empty as never, undefined, { docker: docker() })).rejects.toThrow('returned no authorization data')
    expect(readdirSync(join(work, 'runner-temp'))).toEqual([])
  })

  test('the post step deletes only a directory the login made', async () => {
    const foreign = join(work, 'not-ours')
    mkdirSync(foreign)
    const post = await captureStdout(() => logoutFromEcr({ registries: [env().registry], dockerConfigDir: foreign }, docker()))
    expect(post.error).toBeUndefined()
    expect(existsSync(foreign)).toBe(true)
    expect(post.stdout).toContain(`::warning::Not logging out or removing ${foreign}`)
  })
})
