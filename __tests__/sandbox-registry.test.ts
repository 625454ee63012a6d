// Sandbox ECR backed by a real local registry (scripts/docker-env.sh): images pushed there with docker are what
// ECR reports and what ECS tasks can pull. The merge rules are checked without Docker first.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageNotFoundException,
  ListImagesCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr'
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
} from '@aws-sdk/client-ecs'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Ecr, generatedManifest, sha256 } from '../sandbox/ecr.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { registryAccess, type RegistryImage } from '../sandbox/registry-mirror.js'
import { describeWithDocker } from './helpers/docker-env.js'
import { registryDigest } from './helpers/ecr-stub.js'
import { clientConfig } from './sandbox-helpers.js'

describe('which ECR settings name a registry to mirror', () => {
  it('mirrors an explicit loopback registryHost, through proxyEndpoint when given, with basic auth when credentials are', () => {
    expect(registryAccess(undefined)).toBeUndefined()
    expect(registryAccess({ username: 'ci', password: 'x' })).toBeUndefined()
    expect(registryAccess({ registryHost: '123456789012.dkr.ecr.us-east-1.amazonaws.com' })).toBeUndefined()
    expect(registryAccess({ registryHost: 'registry.example.com:5000', proxyEndpoint: 'https://registry.example.com:5000' })).toBeUndefined()
    expect(registryAccess({ registryHost: '127.0.0.1:5055' })).toEqual({ baseUrl: 'http://127.0.0.1:5055', authorization: undefined })
    expect(registryAccess({ registryHost: 'localhost:5055', proxyEndpoint: 'https://localhost:5443/', username: 'ci', password: 'pw' })).toEqual({
      baseUrl: 'https://localhost:5443',
      authorization: `Basic ${Buffer.from('ci:pw').toString('base64')}`,
    })
  })
})

describe('Ecr.applyRegistry', () => {
  const HOST = '127.0.0.1:5055'
  const account = { region: 'us-east-1', accountId: '123456789012' }
  const pushed = (seed: string, tags: string[]): RegistryImage => {
    const manifest = generatedManifest(seed)
    return { digest: sha256(manifest), mediaType: 'application/vnd.docker.distribution.manifest.v2+json', manifest, tags }
  }
  const details = (e: Ecr, repositoryName: string) =>
    (e.handle('DescribeImages', { repositoryName }).imageDetails as { imageDigest: string; imageTags?: string[] }[]).map((d) => [d.imageDigest, d.imageTags ?? []])

  it('shows registry images in created repositories only, and a repository created later at once', () => {
    const e = new Ecr({ now: () => 1_700_000_000_000 }, account, { registryHost: HOST })
    const a = pushed('a', ['v1'])
    e.handle('CreateRepository', { repositoryName: 'web' })
    e.applyRegistry(
      new Map([
        ['web', [a]],
        ['other', [pushed('o', ['v1'])]],
      ]),
    )
    expect(details(e, 'web')).toEqual([[a.digest, ['v1']]])
    expect(e.resolve(`${HOST}/web:v1`)).toBe(a.digest)
    expect(e.resolve(`${HOST}/web@${a.digest}`)).toBe(a.digest)
    expect(e.resolve(`${HOST}/other:v1`)).toBeUndefined()
    expect(() => e.handle('DescribeImages', { repositoryName: 'other' })).toThrow("The repository with name 'other' does not exist")
    e.handle('CreateRepository', { repositoryName: 'other' })
    expect(details(e, 'other')).toHaveLength(1)
    const batch = e.handle('BatchGetImage', { repositoryName: 'web', imageIds: [{ imageTag: 'v1' }] }).images as { imageManifest: string }[]
    expect(batch[0].imageManifest).toBe(a.manifest)
  })

  it('lets the registry decide its own tags, keeps PutImage images and tags, and drops images the registry lost', () => {
    const e = new Ecr({ now: () => 1_700_000_000_000 }, account, { registryHost: HOST })
    e.handle('CreateRepository', { repositoryName: 'web' })
    const put = (e.handle('PutImage', { repositoryName: 'web', imageTag: 'v1', imageManifest: generatedManifest('put') }).image as { imageId: { imageDigest: string } }).imageId
      .imageDigest
    e.handle('PutImage', { repositoryName: 'web', imageTag: 'keep', imageManifest: generatedManifest('keep') })
    const a = pushed('a', ['v1', 'latest'])
    e.applyRegistry(new Map([['web', [a]]]))
    // The registry's v1 wins over PutImage's; the PutImage image stays, untagged.
    expect(e.resolve(`${HOST}/web:v1`)).toBe(a.digest)
    expect(e.resolve(`${HOST}/web@${put}`)).toBe(put)
    expect(e.resolve(`${HOST}/web:keep`)).toBeDefined()

    // latest moves to b; a keeps v1; a dropped tag leaves.
    const b = pushed('b', ['latest'])
    e.applyRegistry(new Map([['web', [{ ...a, tags: ['v1'] }, b]]]))
    expect(e.resolve(`${HOST}/web:latest`)).toBe(b.digest)
    expect(e.resolve(`${HOST}/web:v1`)).toBe(a.digest)
    e.applyRegistry(new Map([['web', [{ ...a, tags: [] }, b]]]))
    expect(e.resolve(`${HOST}/web:v1`)).toBeUndefined()
    expect(e.resolve(`${HOST}/web@${a.digest}`)).toBe(a.digest)

    e.applyRegistry(new Map([['web', [b]]]))
    expect(e.resolve(`${HOST}/web@${a.digest}`)).toBeUndefined()
    expect(e.resolve(`${HOST}/web@${put}`)).toBe(put)
    expect(e.resolve(`${HOST}/web:keep`)).toBeDefined()
  })
})

describeWithDocker('sandbox ECR mirrors a real registry (real docker and registry)', (env) => {
  const repo = `sandbox/reg-${Date.now().toString(36)}`
  const otherRepo = `${repo}-not-created`
  let work: string
  let sandbox: Sandbox
  let ecr: ECRClient
  let ecs: ECSClient
  const built: string[] = []
  const ref = (repository: string, tag: string) => `${env().registry}/${repository}:${tag}`

  function docker(args: string[], input?: string): string {
    const r = spawnSync('docker', ['-H', env().dockerHost, ...args], {
      encoding: 'utf8',
      input,
      timeout: 120_000,
      env: { ...process.env, DOCKER_CONFIG: join(work, 'docker-config') },
    })
    if (r.error) throw r.error
    if (r.status !== 0) throw new Error(`docker ${args[0]} failed (exit code ${r.status}): ${r.stderr}`)
    return r.stdout
  }

  /** Builds a FROM scratch busybox image (distinct per `label`), pushes it under each tag, returns the registry's digest. */
  async function buildAndPush(repository: string, label: string, tags: string[]): Promise<string> {
    docker(['build', '--network', 'none', '--label', `sandbox-registry-test=${label}`, ...tags.flatMap((t) => ['-t', ref(repository, t)]), join(work, 'context')])
    built.push(...tags.map((t) => ref(repository, t)))
    for (const t of tags) docker(['push', ref(repository, t)])
    const found = await registryDigest(env().registry, env().user, env().password, repository, tags[0])
    expect(found.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    return found.digest as string
  }

  const container = (image: string): ContainerDefinition => ({ name: 'app', image, essential: true })
  const deployments = async () => (await ecs.send(new DescribeServicesCommand({ cluster: 'reg', services: ['app'] }))).services![0]!.deployments!

  /** Lets simulated time pass until `done`, asking through the SDK (so the registry is read as by a client). */
  async function advanceUntil(done: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 60; i++) {
      if (await done()) return
      sandbox.control.advance(10)
    }
    throw new Error(`not reached within 600 simulated seconds: ${what}`)
  }

  let v1: string

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sandbox-registry-test-'))
    mkdirSync(join(work, 'context'))
    mkdirSync(join(work, 'docker-config'))
    copyFileSync('/bin/busybox', join(work, 'context', 'busybox'))
    writeFileSync(join(work, 'context', 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\n')
    docker(['login', '--username', env().user, '--password-stdin', env().registry], env().password)
    v1 = await buildAndPush(repo, 'one', ['v1'])
    await buildAndPush(otherRepo, 'one', ['v1'])
    sandbox = await startSandbox({
      timeScale: 0,
      ecr: { registryHost: env().registry, proxyEndpoint: `http://${env().registry}`, username: env().user, password: env().password },
      world: {
        repositories: [{ repositoryName: repo }],
        clusters: [{ clusterName: 'reg' }],
        taskDefinitions: [
          { family: 'app', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512', containerDefinitions: [container(ref(repo, 'v1'))] },
        ],
        services: [
          {
            cluster: 'reg',
            serviceName: 'app',
            taskDefinition: 'app:1',
            desiredCount: 2,
            launchType: 'FARGATE',
            networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
            deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
          },
        ],
      },
    })
    ecr = new ECRClient(clientConfig(sandbox.url))
    ecs = new ECSClient(clientConfig(sandbox.url))
  })

  afterAll(async () => {
    ecr?.destroy()
    ecs?.destroy()
    await sandbox?.stop()
    if (built.length) docker(['image', 'rm', '--force', ...built])
    rmSync(work, { recursive: true, force: true })
  })

  it('reports a pushed image with the registry digest, and the world-file service pulled it at startup', async () => {
    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }))
    expect(described.imageDetails).toEqual([
      expect.objectContaining({ repositoryName: repo, imageDigest: v1, imageTags: ['v1'], imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json' }),
    ])
    expect(described.imageDetails![0]!.imageSizeInBytes).toBeGreaterThan(500_000)
    expect((await ecr.send(new ListImagesCommand({ repositoryName: repo }))).imageIds).toEqual([{ imageDigest: v1, imageTag: 'v1' }])
    const batch = await ecr.send(new BatchGetImageCommand({ repositoryName: repo, imageIds: [{ imageDigest: v1 }] }))
    expect(sha256(batch.images![0]!.imageManifest!)).toBe(v1)
    expect((await ecr.send(new DescribeRepositoriesCommand({}))).repositories!.map((r) => r.repositoryUri)).toEqual([`${env().registry}/${repo}`])
    // In the registry, but never created in sandbox ECR.
    await expect(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [otherRepo] }))).rejects.toBeInstanceOf(RepositoryNotFoundException)

    expect(await deployments()).toEqual([expect.objectContaining({ rolloutState: 'COMPLETED', runningCount: 2 })])
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'reg', serviceName: 'app' }))
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'reg', tasks: taskArns }))
    expect(tasks!.map((t) => t.containers![0]!.imageDigest)).toEqual([v1, v1])
  })

  let v2: string

  it('sees a push made after startup: a moved tag points at the new image, the old one stays by digest', async () => {
    v2 = await buildAndPush(repo, 'two', ['v1', 'v2'])
    expect(v2).not.toBe(v1)
    // A push is visible to requests arriving more than 300 ms after it finished (the read throttle).
    await sleep(350)
    const byTag = await ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: 'v1' }] }))
    expect(byTag.imageDetails!.map((d) => [d.imageDigest, d.imageTags])).toEqual([[v2, ['v1', 'v2']]])
    const old = await ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageDigest: v1 }] }))
    expect(old.imageDetails!.map((d) => [d.imageDigest, d.imageTags])).toEqual([[v1, undefined]])
  })

  it('an ECS service updated to a pushed digest completes; a digest not in the registry fails with CannotPullContainerError', async () => {
    const register = async (image: string) =>
      (
        await ecs.send(
          new RegisterTaskDefinitionCommand({
            family: 'app',
            requiresCompatibilities: ['FARGATE'],
            networkMode: 'awsvpc',
            cpu: '256',
            memory: '512',
            containerDefinitions: [container(image)],
          }),
        )
      ).taskDefinition!.taskDefinitionArn!
    const good = await register(`${env().registry}/${repo}@${v2}`)
    await ecs.send(new UpdateServiceCommand({ cluster: 'reg', service: 'app', taskDefinition: good }))
    await advanceUntil(
      async () => (await deployments()).some((d) => d.taskDefinition === good && d.rolloutState === 'COMPLETED' && d.runningCount === 2),
      'the v2 deployment COMPLETED',
    )

    const missingImage = `${env().registry}/${repo}@${sha256('never pushed')}`
    const bad = await register(missingImage)
    await ecs.send(new UpdateServiceCommand({ cluster: 'reg', service: 'app', taskDefinition: bad }))
    await advanceUntil(async () => (await deployments()).some((d) => d.taskDefinition === bad && d.rolloutState === 'FAILED'), 'the missing-digest deployment FAILED')
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'reg', serviceName: 'app', desiredStatus: 'STOPPED' }))
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'reg', tasks: taskArns }))
    const failed = tasks!.filter((t) => t.taskDefinitionArn === bad)
    expect(failed.length).toBeGreaterThanOrEqual(1)
    for (const t of failed) {
      expect(t).toMatchObject({
        stopCode: 'TaskFailedToStart',
        stoppedReason: `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${missingImage}: not found`,
      })
    }
    // The breaker rolled back to the pushed digest.
    await advanceUntil(async () => (await deployments()).every((d) => d.taskDefinition === good), 'the rollback to v2')
  })

  it('forgets an image deleted from the registry', async () => {
    const res = await fetch(`http://${env().registry}/v2/${repo}/manifests/${v1}`, {
      method: 'DELETE',
      headers: { Authorization: `Basic ${Buffer.from(`${env().user}:${env().password}`).toString('base64')}` },
    })
    expect(res.status).toBe(202)
    await sleep(350)
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageDigest: v1 }] }))).rejects.toBeInstanceOf(ImageNotFoundException)
    expect((await ecr.send(new ListImagesCommand({ repositoryName: repo }))).imageIds!.map((i) => i.imageDigest)).toEqual([v2, v2])
  })
})
