// End to end with a build: the bundled action (dist/index.js on Node 24) builds with a real Docker engine, pushes to
// a real registry that the sandbox's ECR mirrors, deploys by digest, and a second run promotes that digest.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runAction, type ActionRun, errorAnnotations } from '../scripts/action-runner.js'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'
import { leaks } from './helpers/capture.js'
import { busyboxContext, describeWithDocker } from './helpers/docker-env.js'
import { registryDigest } from './helpers/ecr-stub.js'

// The commit action-runner sets (GITHUB_SHA): the default tag.
const SHA = '0123456789abcdef0123456789abcdef01234567'
const NASTY = `spaces  and "double" 'single' ; touch /tmp/pwned-e2e-semicolon $(touch /tmp/pwned-e2e) \`touch /tmp/pwned-e2e-backtick\` | & > < \\ $HOME`
const PWNED = ['/tmp/pwned-e2e', '/tmp/pwned-e2e-semicolon', '/tmp/pwned-e2e-backtick']
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

describeWithDocker('build, push, deploy and promote through the bundled action (real docker and registry)', (env) => {
  const repo = `e2e/web-${Date.now().toString(36)}`
  let sandbox: Sandbox
  let work: string
  let context: string
  let realDocker: string
  /** Secrets that must show up nowhere: the registry password and the ECR token that carries it. */
  let secrets: string[]
  let built: ActionRun

  beforeAll(async () => {
    // No RUN step: the test engine has no network for build containers, and the image needs none.
    ;({ work, context, realDocker } = busyboxContext(
      'e2e-build-',
      'FROM scratch\nCOPY busybox /bin/busybox\nARG NOTE\nARG EQ\nCMD ["/bin/busybox", "httpd", "-f", "-p", "8080"]\n',
    ))
    secrets = [env().password, Buffer.from(`${env().user}:${env().password}`).toString('base64')]
    for (const file of PWNED) rmSync(file, { force: true })
    const world: WorldSpec = {
      ecr: { registryHost: env().registry, proxyEndpoint: `http://${env().registry}`, username: env().user, password: env().password },
      repositories: [{ repositoryName: repo }],
      clusters: [{ clusterName: 'staging' }, { clusterName: 'production' }],
      taskDefinitions: [
        {
          family: 'web',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'web', image: 'public.ecr.aws/nginx/nginx:1.27', essential: true }],
        },
      ],
      services: ['staging', 'production'].map((cluster) => ({
        cluster,
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      })),
    }
    sandbox = await startSandbox({ world, timeScale: 60 })
  })

  afterAll(async () => {
    await sandbox?.stop()
    spawnSync('docker', ['-H', env().dockerHost, 'image', 'rm', '--force', `${env().registry}/${repo}:${SHA}`, `${env().registry}/${repo}:release-1`], { stdio: 'ignore' })
    rmSync(work, { recursive: true, force: true })
  })

  /**
   * A `docker` first on PATH that records every call (argv NUL-separated, and DOCKER_CONFIG) and then runs the real
   * one, or, with `fail`, runs nothing and fails.
   */
  function dockerShim(name: string, fail = false): { path: string; calls: () => { argv: string[]; dockerConfig: string }[] } {
    const dir = join(work, name)
    mkdirSync(dir)
    const log = join(dir, 'calls')
    writeFileSync(log, '')
    writeFileSync(
      join(dir, 'docker'),
      `#!/bin/sh\nprintf '%s\\001' "$DOCKER_CONFIG" >>'${log}'\nprintf '%s\\000' "$@" >>'${log}'\nprintf '\\n' >>'${log}'\n` + (fail ? 'exit 1\n' : `exec '${realDocker}' "$@"\n`),
    )
    chmodSync(join(dir, 'docker'), 0o755)
    const calls = () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [dockerConfig, args] = l.split('\u0001')
          return { dockerConfig, argv: args.split('\u0000').slice(0, -1) }
        })
    return { path: dir, calls }
  }

  /** Runs the action in its own RUNNER_TEMP (kept, so what it leaves there can be checked) with `shim` first on PATH. */
  async function deploy(inputs: Record<string, string>, shim: string, runnerTemp: string): Promise<ActionRun> {
    sandbox.control.reset()
    mkdirSync(runnerTemp)
    return runAction({
      inputs: { service: 'web', timeout: '5m', ...inputs },
      endpoint: sandbox.url,
      env: { DOCKER_HOST: env().dockerHost, PATH: `${shim}:${process.env.PATH}`, RUNNER_TEMP: runnerTemp },
    })
  }

  function expectNoSecrets(run: ActionRun): void {
    for (const secret of secrets) {
      expect(leaks(run.stdout, secret)).toEqual([])
      expect(run.stderr).not.toContain(secret)
      expect(run.summary).not.toContain(secret)
      expect(JSON.stringify(run.outputs)).not.toContain(secret)
    }
  }

  const ecs = () => new ECSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials })

  async function deployedImage(cluster: string): Promise<string | undefined> {
    const { services } = await ecs().send(new DescribeServicesCommand({ cluster, services: ['web'] }))
    const { taskDefinition } = await ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: services?.[0].taskDefinition }))
    return taskDefinition?.containerDefinitions?.[0].image
  }

  test('builds, pushes and deploys by the digest the registry has; the password is on stdin only', async () => {
    const shim = dockerShim('build-shim')
    const runnerTemp = join(work, 'runner-temp-build')
    built = await deploy(
      {
        cluster: 'staging',
        image: `${env().registry}/${repo}`,
        'build-context': context,
        'build-args': `NOTE=${NASTY}\nEQ=a=b==c`,
        tags: 'release-1',
      },
      shim.path,
      runnerTemp,
    )
    expect(built.stderr).toBe('')
    expect(built.outputs.outcome).toBe('succeeded')
    expect(built.code).toBe(0)

    const byCommit = await registryDigest(env().registry, env().user, env().password, repo, SHA)
    const byExtraTag = await registryDigest(env().registry, env().user, env().password, repo, 'release-1')
    expect(byCommit.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(byExtraTag.digest).toBe(byCommit.digest)
    expect(built.outputs.image).toBe(`${env().registry}/${repo}@${byCommit.digest}`)
    expect(await deployedImage('staging')).toBe(built.outputs.image)
    // The summary shows the digest shortened, with the whole reference as the cell's title.
    expect(built.summary).toContain(`title="${built.outputs.image}"`)

    const calls = shim.calls()
    const login = calls.filter((c) => c.argv[0] === 'login')
    expect(login).toHaveLength(1)
    expect(login[0].argv).toEqual(['login', '--username', env().user, '--password-stdin', env().registry])
    const build = calls.find((c) => c.argv.includes('build'))
    // Each build arg is one argv element, exactly as written: no shell split it or ran it.
    expect(build?.argv).toContain(`NOTE=${NASTY}`)
    expect(build?.argv).toContain('EQ=a=b==c')
    for (const file of PWNED) expect(existsSync(file)).toBe(false)
    for (const call of calls) for (const secret of secrets) expect(call.argv.join(' ')).not.toContain(secret)
    // Every call used the temporary docker config, which is gone (logged out) at the end.
    const configs = [...new Set(calls.map((c) => c.dockerConfig))]
    expect(configs).toHaveLength(1)
    expect(configs[0].startsWith(join(runnerTemp, 'ecs-safe-deploy-docker-config-'))).toBe(true)
    expect(calls.at(-1)?.argv).toEqual(['logout', env().registry])
    expect(readdirSync(runnerTemp)).toEqual([])
    expectNoSecrets(built)

    // The ECR side: the token was fetched and the repository checked; nothing pushed through the ECR API.
    const ecrCalls = sandbox.control.calls({ service: 'ecr' }).map((c) => c.operation)
    expect(ecrCalls).toContain('GetAuthorizationToken')
    expect(ecrCalls).toContain('DescribeImages')
    expect(ecrCalls).not.toContain('PutImage')
  })

  test('promotion: the built image output deploys the same digest to another cluster with no docker at all', async () => {
    expect(built?.outputs.image).toMatch(/@sha256:[0-9a-f]{64}$/)
    const shim = dockerShim('no-docker', true)
    const run = await deploy({ cluster: 'production', image: built.outputs.image }, shim.path, join(work, 'runner-temp-promote'))
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)
    expect(run.outputs.image).toBe(built.outputs.image)
    expect(await deployedImage('production')).toBe(built.outputs.image)
    expect(shim.calls()).toEqual([])
    // Looked up by digest in ECR before anything changed.
    const lookups = sandbox.control.calls({ service: 'ecr', operation: 'DescribeImages' })
    expect(lookups.map((c) => c.params.imageIds)).toEqual([[{ imageDigest: built.outputs.image.split('@')[1] }]])
    const firstMutation = sandbox.control.calls({ mutating: true })[0]
    expect(firstMutation.seq).toBeGreaterThan(lookups[0].seq)
    expectNoSecrets(run)
  })

  test('promotion by tag resolves to the digest; a tag never pushed is a preflight error that changes nothing', async () => {
    const shim = dockerShim('no-docker-tags', true)
    const missing = await deploy({ cluster: 'production', image: `${env().registry}/${repo}:never-pushed` }, shim.path, join(work, 'runner-temp-missing'))
    expect(missing.code).toBe(1)
    expect(missing.outputs.outcome).toBe('failed')
    expect(errorAnnotations(missing)).toContain(`ECR repository '${repo}' has no image with tag 'never-pushed'`)
    expect(sandbox.control.calls({ mutating: true })).toEqual([])
    expect(missing.summary).toContain('Nothing was changed')

    const byTag = await deploy({ cluster: 'staging', image: `${env().registry}/${repo}:release-1`, wait: 'false' }, shim.path, join(work, 'runner-temp-tag'))
    expect(byTag.outputs.image).toBe(built.outputs.image)
    expect(shim.calls()).toEqual([])
  })

  test('a build that fails reports the build error and makes no ECS change', async () => {
    const bad = join(work, 'bad-context')
    mkdirSync(bad)
    writeFileSync(join(bad, 'Dockerfile'), 'FROM scratch\nCOPY no-such-file-in-context /x\n')
    const shim = dockerShim('bad-shim')
    const run = await deploy({ cluster: 'staging', image: `${env().registry}/${repo}:bad`, 'build-context': bad }, shim.path, join(work, 'runner-temp-bad'))
    expect(run.code).toBe(1)
    expect(run.outputs.outcome).toBe('failed')
    const annotation = run.commands.find((c) => c.command === 'error')
    expect(annotation?.properties.title).toMatch(/build/)
    expect(annotation?.message).toContain('no-such-file-in-context')
    expect(run.summary).toContain('no-such-file-in-context')
    expect(sandbox.control.calls({ service: 'ecs', mutating: true })).toEqual([])
    expect(sandbox.control.calls({ mutating: true })).toEqual([])
    expect(shim.calls().at(-1)?.argv).toEqual(['logout', env().registry])
    expectNoSecrets(run)
  })

  test('the post step logs out and removes a login the main step left behind', async () => {
    const runnerTemp = join(work, 'runner-temp-post')
    mkdirSync(runnerTemp)
    const dockerConfigDir = mkdtempSync(join(runnerTemp, 'ecs-safe-deploy-docker-config-'))
    writeFileSync(join(dockerConfigDir, 'config.json'), '{"auths":{}}')
    const login = spawnSync(realDocker, ['login', '--username', env().user, '--password-stdin', env().registry], {
      input: env().password,
      env: { ...process.env, DOCKER_HOST: env().dockerHost, DOCKER_CONFIG: dockerConfigDir },
      encoding: 'utf8',
    })
    expect(login.status).toBe(0)
    expect(readFileSync(join(dockerConfigDir, 'config.json'), 'utf8')).toContain(env().registry)
    const run = await runAction({
      inputs: {},
      endpoint: sandbox.url,
      env: {
        DOCKER_HOST: env().dockerHost,
        RUNNER_TEMP: runnerTemp,
        STATE_isPost: 'true',
        STATE_ecrLogin: JSON.stringify({ registries: [env().registry], dockerConfigDir }),
      },
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`Logged out of ${env().registry}`)
    expect(existsSync(dockerConfigDir)).toBe(false)
    expect(run.outputs).toEqual({})
  })
})
