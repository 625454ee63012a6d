import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  PutImageCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr'
import { Behaviors } from '../sandbox/behaviors.js'
import { Ecr, generatedManifest, sha256 } from '../sandbox/ecr.js'
import { startSandbox, type Sandbox } from '../sandbox/index.js'
import { clientConfig } from './sandbox-helpers.js'

const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
let sandbox: Sandbox
let ecr: ECRClient

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 0 })
  ecr = new ECRClient(clientConfig(sandbox.url))
})
afterAll(async () => {
  ecr.destroy()
  await sandbox.stop()
})

describe('ECR through the AWS SDK', () => {
  let v1Digest = ''

  it('creates and describes repositories', async () => {
    const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/web' }))
    expect(created.repository).toMatchObject({
      repositoryName: 'team/web',
      repositoryUri: `${HOST}/team/web`,
      repositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/team/web',
      registryId: '123456789012',
      imageTagMutability: 'MUTABLE',
    })
    expect(created.repository?.createdAt).toBeInstanceOf(Date)
    await expect(ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/web' }))).rejects.toBeInstanceOf(RepositoryAlreadyExistsException)
    const all = await ecr.send(new DescribeRepositoriesCommand({}))
    expect(all.repositories?.map((r) => r.repositoryName)).toEqual(['team/web'])
    await expect(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] }))).rejects.toBeInstanceOf(RepositoryNotFoundException)
  })

  it('puts images and resolves tags and digests with DescribeImages', async () => {
    const manifest = generatedManifest('v1')
    const put = await ecr.send(new PutImageCommand({ repositoryName: 'team/web', imageManifest: manifest, imageTag: 'v1' }))
    v1Digest = put.image?.imageId?.imageDigest as string
    expect(v1Digest).toBe(sha256(manifest))
    const byTag = await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/web', imageIds: [{ imageTag: 'v1' }] }))
    expect(byTag.imageDetails?.[0]).toMatchObject({ imageDigest: v1Digest, imageTags: ['v1'], repositoryName: 'team/web' })
    expect(byTag.imageDetails?.[0].imagePushedAt).toBeInstanceOf(Date)
    const byDigest = await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/web', imageIds: [{ imageDigest: v1Digest }] }))
    expect(byDigest.imageDetails?.[0].imageTags).toEqual(['v1'])
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: 'team/web', imageIds: [{ imageTag: 'v9' }] }))).rejects.toBeInstanceOf(ImageNotFoundException)
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: 'other', imageIds: [{ imageTag: 'v1' }] }))).rejects.toBeInstanceOf(RepositoryNotFoundException)
  })

  it('moves a mutable tag to a new image', async () => {
    await ecr.send(new PutImageCommand({ repositoryName: 'team/web', imageManifest: generatedManifest('v2'), imageTag: 'latest' }))
    await ecr.send(new PutImageCommand({ repositoryName: 'team/web', imageManifest: generatedManifest('v3'), imageTag: 'latest' }))
    const latest = await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/web', imageIds: [{ imageTag: 'latest' }] }))
    expect(latest.imageDetails?.[0].imageDigest).toBe(sha256(generatedManifest('v3')))
    const untagged = await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/web', filter: { tagStatus: 'UNTAGGED' } }))
    expect(untagged.imageDetails?.map((d) => d.imageDigest)).toEqual([sha256(generatedManifest('v2'))])
  })

  it('BatchGetImage returns found images and failures for missing ones', async () => {
    const out = await ecr.send(new BatchGetImageCommand({ repositoryName: 'team/web', imageIds: [{ imageTag: 'v1' }, { imageTag: 'gone' }, {}] }))
    expect(out.images?.map((i) => i.imageId)).toEqual([{ imageDigest: v1Digest, imageTag: 'v1' }])
    expect(out.images?.[0].imageManifest).toBe(generatedManifest('v1'))
    expect(out.failures).toEqual([
      { imageId: { imageTag: 'gone' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
      { imageId: {}, failureCode: 'MissingDigestAndTag', failureReason: expect.any(String) },
    ])
  })

  it('GetAuthorizationToken returns base64 AWS:<password> and the proxy endpoint', async () => {
    const out = await ecr.send(new GetAuthorizationTokenCommand({}))
    const data = out.authorizationData?.[0]
    expect(Buffer.from(data?.authorizationToken as string, 'base64').toString()).toBe('AWS:sandbox')
    expect(data?.proxyEndpoint).toBe(`https://${HOST}`)
    expect((data?.expiresAt as Date).getTime()).toBe(sandbox.control.now() + 12 * 3600_000)
  })
})

describe('ECR settings and the image catalog', () => {
  const clock = { now: () => 1_700_000_000_000 }

  it('points sandbox ECR at a configured registry and credentials', async () => {
    const local = await startSandbox({ timeScale: 0, ecr: { registryHost: '127.0.0.1:5000', proxyEndpoint: 'http://127.0.0.1:5000', username: 'ci', password: 's3cret' } })
    const client = new ECRClient(clientConfig(local.url))
    try {
      const data = (await client.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]
      expect(Buffer.from(data?.authorizationToken as string, 'base64').toString()).toBe('ci:s3cret')
      expect(data?.proxyEndpoint).toBe('http://127.0.0.1:5000')
      const repo = await client.send(new CreateRepositoryCommand({ repositoryName: 'web' }))
      expect(repo.repository?.repositoryUri).toBe('127.0.0.1:5000/web')
    } finally {
      client.destroy()
      await local.stop()
    }
  })

  it('resolves sandbox-ECR references by tag or digest, and fakes a stable digest for others', () => {
    const e = new Ecr(clock, { region: 'us-east-1', accountId: '123456789012' })
    e.handle('CreateRepository', { repositoryName: 'web' })
    const digest = (e.handle('PutImage', { repositoryName: 'web', imageTag: 'v1', imageManifest: generatedManifest('x') }).image as { imageId: { imageDigest: string } }).imageId
      .imageDigest
    expect(e.isSandboxEcr(`${HOST}/web:v1`)).toBe(true)
    expect(e.isSandboxEcr('public.ecr.aws/nginx/nginx:1')).toBe(false)
    expect(e.resolve(`${HOST}/web:v1`)).toBe(digest)
    expect(e.resolve(`${HOST}/web@${digest}`)).toBe(digest)
    expect(e.resolve(`${HOST}/web:v2`)).toBeUndefined()
    expect(e.resolve(`${HOST}/web`)).toBeUndefined()
    expect(e.resolve(`${HOST}/missing:v1`)).toBeUndefined()
    expect(e.resolve('nginx:1.27')).toBe(e.resolve('nginx:1.27'))
    expect(e.resolve('nginx:1.27')).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(e.resolve('nginx:1.27')).not.toBe(e.resolve('nginx:1.28'))
  })
})

describe('behaviour book', () => {
  const crash = { kind: 'crash', exitCode: 2 } as const
  const digest = `sha256:${'a'.repeat(64)}`

  it('defaults to healthy and looks up by repo:tag, full path, full reference and digest', () => {
    const b = new Behaviors()
    expect(b.behaviorFor(`${HOST}/team/web:v2`, undefined)).toEqual({ kind: 'healthy' })
    b.set('web:v2', crash)
    expect(b.behaviorFor(`${HOST}/team/web:v2`, digest)).toEqual(crash)
    expect(b.behaviorFor(`${HOST}/team/web:v3`, digest)).toEqual({ kind: 'healthy' })
    b.set('team/api:v1', { kind: 'unhealthy' })
    expect(b.behaviorFor(`${HOST}/team/api:v1`, undefined)).toEqual({ kind: 'unhealthy' })
    b.set(digest, { kind: 'slow-start', seconds: 30 })
    expect(b.behaviorFor('anything:else', digest)).toEqual({ kind: 'slow-start', seconds: 30 })
    b.set('nginx:latest', crash)
    expect(b.behaviorFor('nginx', undefined)).toEqual(crash)
    b.set(`${HOST}/exact:v1`, { kind: 'unhealthy' })
    expect(b.behaviorFor(`${HOST}/exact:v1`, undefined)).toEqual({ kind: 'unhealthy' })
    expect(b.behaviorFor('other.example.com/exact:v1', undefined)).toEqual({ kind: 'healthy' })
  })

  it('applies a repo:tag behaviour to a by-digest reference of that tag in sandbox ECR', () => {
    const b = new Behaviors((image, d) => (image.includes('/web@') && d === digest ? ['v2'] : []))
    b.set('web:v2', crash)
    expect(b.behaviorFor(`${HOST}/web@${digest}`, digest)).toEqual(crash)
    b.set(`web@${digest}`, { kind: 'unhealthy' })
    expect(b.behaviorFor(`${HOST}/web@${digest}`, digest)).toEqual({ kind: 'unhealthy' })
  })

  it('applies a key qualified with a container name only to containers of that name, before any unqualified key', () => {
    const b = new Behaviors()
    b.set('app:v2', { kind: 'unhealthy' })
    b.set(' worker = app:v2 ', crash)
    expect(b.entries()).toEqual({ 'app:v2': { kind: 'unhealthy' }, 'worker=app:v2': crash })
    expect(b.behaviorFor(`${HOST}/app:v2`, digest, 'worker')).toEqual(crash)
    expect(b.behaviorFor(`${HOST}/app:v2`, digest, 'web')).toEqual({ kind: 'unhealthy' })
    expect(b.behaviorFor(`${HOST}/app:v2`, digest)).toEqual({ kind: 'unhealthy' })
    // Qualified beats unqualified even when the unqualified key is more specific (the digest).
    b.set(digest, { kind: 'slow-start', seconds: 30 })
    expect(b.behaviorFor(`${HOST}/app:v2`, digest, 'worker')).toEqual(crash)
    expect(b.behaviorFor(`${HOST}/app:v1`, undefined, 'worker')).toEqual({ kind: 'healthy' })
    expect(() => b.set('=app:v2', crash)).toThrow(/container name/)
    expect(() => b.set('worker=', crash)).toThrow(/container name/)
  })

  it('rejects malformed behaviours', () => {
    const b = new Behaviors()
    expect(() => b.set('x:y', { kind: 'explode' } as never)).toThrow(/kind/)
    expect(() => b.set('x:y', { kind: 'slow-start' } as never)).toThrow(/seconds/)
  })
})
