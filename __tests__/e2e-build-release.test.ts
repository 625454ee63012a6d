// End to end: several services, one release, with a build. `service: web, worker, scheduler` and `build-context`: the
// bundled action builds the image and pushes it to a real registry (scripts/docker-env.sh, mirrored by the sandbox's
// ECR) once, then puts the pushed digest in each service's own container and deploys all three.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, type TaskDefinition } from '@aws-sdk/client-ecs'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runAction } from '../scripts/action-runner.js'
import { releaseWorld } from '../scripts/worlds.js'
import { startSandbox, type Sandbox, type WorldSpec } from '../sandbox/index.js'
import { busyboxContext, describeWithDocker } from './helpers/docker-env.js'
import { registryDigest } from './helpers/ecr-stub.js'
import { credentials, RELEASE_NAMES as NAMES, releaseResults } from './helpers/release.js'

// The commit action-runner sets (GITHUB_SHA): the default tag.
const SHA = '0123456789abcdef0123456789abcdef01234567'
describeWithDocker('several services, one release, built and pushed once (real docker and registry)', (env) => {
  // Its own repository path (ending in `app`, the release world's image), so no other run's pushes are in it.
  const repo = `e2e-release-${Date.now().toString(36)}/app`
  let sandbox: Sandbox
  let work: string
  let context: string
  let realDocker: string
  /** Each service's task definition before the release. */
  const before = new Map<string, TaskDefinition>()

  const ecs = () => new ECSClient({ endpoint: sandbox.url, region: 'us-east-1', credentials })

  beforeAll(async () => {
    ;({ work, context, realDocker } = busyboxContext('e2e-build-release-', 'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "httpd", "-f", "-p", "8080"]\n'))

    // The release world, its ECR the real registry: each service runs `<registry>/<repo>:v1` in its own container.
    const world: WorldSpec = releaseWorld(NAMES.length)
    world.ecr = { registryHost: env().registry, proxyEndpoint: `http://${env().registry}`, username: env().user, password: env().password }
    world.repositories = [...(world.repositories ?? []), { repositoryName: repo }]
    world.images = [...(world.images ?? []), { repositoryName: repo, imageTag: 'v1' }]
    for (const family of world.taskDefinitions ?? []) {
      for (const container of family.containerDefinitions as { image: string }[]) container.image = `${env().registry}/${repo}:v1`
    }
    sandbox = await startSandbox({ world, timeScale: 60 })
    for (const name of NAMES) {
      const { taskDefinition } = await ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: `${name}:1` }))
      before.set(name, taskDefinition as TaskDefinition)
    }
  })

  afterAll(async () => {
    await sandbox?.stop()
    spawnSync('docker', ['-H', env().dockerHost, 'image', 'rm', '--force', `${env().registry}/${repo}:${SHA}`], { stdio: 'ignore' })
    rmSync(work, { recursive: true, force: true })
  })

  /** A `docker` first on PATH that records every call's argv (NUL-separated, one line a call), then runs the real one. */
  function dockerShim(): { path: string; calls: () => string[][] } {
    const dir = join(work, 'shim')
    mkdirSync(dir)
    const log = join(dir, 'calls')
    writeFileSync(log, '')
    writeFileSync(join(dir, 'docker'), `#!/bin/sh\nprintf '%s\\000' "$@" >>'${log}'\nprintf '\\n' >>'${log}'\nexec '${realDocker}' "$@"\n`)
    chmodSync(join(dir, 'docker'), 0o755)
    const calls = () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\u0000').slice(0, -1))
    return { path: dir, calls }
  }

  test('one build and one push; each service deploys the pushed digest in its own container, the rest kept', async () => {
    const shim = dockerShim()
    const runnerTemp = join(work, 'runner-temp')
    mkdirSync(runnerTemp)
    sandbox.control.reset()
    const run = await runAction({
      inputs: { cluster: 'demo', service: NAMES.join(', '), image: `${env().registry}/${repo}`, 'build-context': context, timeout: '5m' },
      endpoint: sandbox.url,
      env: { DOCKER_HOST: env().dockerHost, PATH: `${shim.path}:${process.env.PATH}`, RUNNER_TEMP: runnerTemp },
    })
    expect(run.stderr).toBe('')
    expect(run.outputs.outcome).toBe('succeeded')
    expect(run.code).toBe(0)

    // Built and pushed once: one build phase in the log, one docker build, one push of the one tag (buildx pushes
    // with its build), and the registry holds that one tag.
    expect(run.stdout.split('\n').filter((l) => l.includes('── build:'))).toHaveLength(1)
    const calls = shim.calls()
    const builds = calls.filter((argv) => argv.includes('build'))
    expect(builds).toHaveLength(1)
    const pushes = calls.filter((argv) => argv[0] === 'push')
    if (builds[0][0] === 'buildx') expect(pushes).toEqual([])
    else expect(pushes).toEqual([['push', `${env().registry}/${repo}:${SHA}`]])
    const pushed = await registryDigest(env().registry, env().user, env().password, repo, SHA)
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const tags = await fetch(`http://${env().registry}/v2/${repo}/tags/list`, {
      headers: { Authorization: `Basic ${Buffer.from(`${env().user}:${env().password}`).toString('base64')}` },
    })
    expect(((await tags.json()) as { tags: string[] }).tags).toEqual([SHA])

    const image = `${env().registry}/${repo}@${pushed.digest}`
    expect(run.outputs.image).toBe(image)

    // One new revision a service, each in the `services` output, in input order.
    const services = releaseResults(run)
    expect(services.map((s) => [s.service, s.outcome])).toEqual(NAMES.map((name) => [name, 'succeeded']))
    const registered = sandbox.control.calls({ service: 'ecs', operation: 'RegisterTaskDefinition' })
    expect(registered.map((c) => c.params.family).sort()).toEqual([...NAMES].sort())

    const { services: live } = await ecs().send(new DescribeServicesCommand({ cluster: 'demo', services: NAMES }))
    for (const [i, name] of NAMES.entries()) {
      const result = services[i]
      expect(result.previousTaskDefinitionArn).toBe(before.get(name)?.taskDefinitionArn)
      expect(result.taskDefinitionArn).toMatch(new RegExp(`:task-definition/${name}:2$`))
      expect(live?.find((s) => s.serviceName === name)?.taskDefinition).toBe(result.taskDefinitionArn)

      // The new revision is the old one with the pushed digest in the service's own container, nothing else changed.
      const { taskDefinition } = await ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: result.taskDefinitionArn as string }))
      const old = before.get(name) as TaskDefinition
      expect(taskDefinition?.containerDefinitions).toEqual(old.containerDefinitions?.map((c) => ({ ...c, image })))
      expect(taskDefinition?.containerDefinitions?.map((c) => c.name)).toEqual([name])
      const kept = (td: TaskDefinition | undefined) => ({
        family: td?.family,
        cpu: td?.cpu,
        memory: td?.memory,
        networkMode: td?.networkMode,
        requiresCompatibilities: td?.requiresCompatibilities,
        executionRoleArn: td?.executionRoleArn,
        taskRoleArn: td?.taskRoleArn,
        volumes: td?.volumes,
      })
      expect(kept(taskDefinition)).toEqual(kept(old))
    }
  })
})
