import { describe, expect, test } from '@jest/globals'
import type { ECRClient } from '@aws-sdk/client-ecr'
import { ecrRepositoryName, formatImageRef, isEcrImage, parseEcrRegistry, parseImageRef, registryFromProxyEndpoint, resolveImage } from '../src/build/image-ref.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const DIGEST = `sha256:${'ab'.repeat(32)}`

describe('parseImageRef', () => {
  test.each([
    ['web', { registry: undefined, repository: 'web', tag: undefined, digest: undefined }],
    ['web:v1', { registry: undefined, repository: 'web', tag: 'v1', digest: undefined }],
    ['team/web:1.2.3', { registry: undefined, repository: 'team/web', tag: '1.2.3', digest: undefined }],
    [`${ECR}/team/web:v1`, { registry: ECR, repository: 'team/web', tag: 'v1', digest: undefined }],
    [`${ECR}/web@${DIGEST}`, { registry: ECR, repository: 'web', tag: undefined, digest: DIGEST }],
    [`127.0.0.1:5000/web:v1@${DIGEST}`, { registry: '127.0.0.1:5000', repository: 'web', tag: 'v1', digest: DIGEST }],
    ['localhost/web', { registry: 'localhost', repository: 'web', tag: undefined, digest: undefined }],
    ['  web:v1\n', { registry: undefined, repository: 'web', tag: 'v1', digest: undefined }],
  ])('%s', (text, expected) => {
    expect(parseImageRef(text)).toEqual(expected)
  })

  test.each([
    ['', 'it is empty'],
    ['web v1', 'whitespace'],
    ['Web:v1', "the repository 'Web'"],
    [`${ECR}/web:`, "the tag ''"],
    ['web:-x', "the tag '-x'"],
    ['web@sha256:abc', 'the digest must be sha256:'],
    [`${ECR}/`, "the repository ''"],
    ['web//x', "the repository 'web//x'"],
  ])('rejects %j, naming the input', (text, why) => {
    expect(() => parseImageRef(text, 'image')).toThrow(`Input image: '${text.trim()}' is not a valid image reference`)
    expect(() => parseImageRef(text)).toThrow(why)
  })

  test('formatImageRef inverts parseImageRef', () => {
    for (const text of ['web', 'web:v1', `${ECR}/team/web:v1`, `127.0.0.1:5000/web:v1@${DIGEST}`, `${ECR}/web@${DIGEST}`]) {
      expect(formatImageRef(parseImageRef(text))).toBe(text)
    }
  })

  test('ecrRepositoryName is the path without registry, tag or digest', () => {
    expect(ecrRepositoryName(`${ECR}/team/web:v1@${DIGEST}`)).toBe('team/web')
    expect(ecrRepositoryName('web')).toBe('web')
  })
})

describe('registries', () => {
  test('parseEcrRegistry reads account and region of ECR hosts only', () => {
    expect(parseEcrRegistry(ECR)).toEqual({ accountId: '123456789012', region: 'us-east-1' })
    expect(parseEcrRegistry('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com')).toEqual({ accountId: '123456789012', region: 'us-gov-west-1' })
    expect(parseEcrRegistry('123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn')).toEqual({ accountId: '123456789012', region: 'cn-north-1' })
    expect(parseEcrRegistry('ghcr.io')).toBeUndefined()
    expect(parseEcrRegistry('12345.dkr.ecr.us-east-1.amazonaws.com')).toBeUndefined()
  })

  test('registryFromProxyEndpoint strips the scheme and keeps the port', () => {
    expect(registryFromProxyEndpoint(`https://${ECR}`)).toBe(ECR)
    expect(registryFromProxyEndpoint('http://127.0.0.1:5055')).toBe('127.0.0.1:5055')
    expect(registryFromProxyEndpoint('http://127.0.0.1:5055/')).toBe('127.0.0.1:5055')
    expect(registryFromProxyEndpoint(ECR)).toBe(ECR)
  })

  test('isEcrImage: ECR hosts and the listed stand-ins', () => {
    expect(isEcrImage(`${ECR}/web:v1`)).toBe(true)
    expect(isEcrImage('127.0.0.1:5055/web:v1')).toBe(false)
    expect(isEcrImage('127.0.0.1:5055/web:v1', ['127.0.0.1:5055'])).toBe(true)
    expect(isEcrImage('web:v1', ['127.0.0.1:5055'])).toBe(false)
    expect(isEcrImage('ghcr.io/o/web:v1')).toBe(false)
  })
})

/** An ECRClient whose DescribeImages answers from `images` (repository → tag/digest → digest), recording inputs. */
function fakeEcr(images: Record<string, Record<string, string>>) {
  const inputs: Record<string, unknown>[] = []
  const client = {
    send: async (command: { input: { repositoryName: string; registryId?: string; imageIds: { imageTag?: string; imageDigest?: string }[] } }) => {
      inputs.push(command.input as unknown as Record<string, unknown>)
      const repo = images[command.input.repositoryName]
      const error = (name: string) => Object.assign(new Error(`${name} from fake`), { name })
      if (!repo) throw error('RepositoryNotFoundException')
      const id = command.input.imageIds[0]
      const digest = repo[id.imageDigest ?? id.imageTag ?? '']
      if (!digest) throw error('ImageNotFoundException')
      return { imageDetails: [{ imageDigest: digest, imageTags: Object.keys(repo).filter((k) => repo[k] === digest && !k.startsWith('sha256:')) }] }
    },
  }
  return { client: client as unknown as ECRClient, inputs }
}

describe('resolveImage', () => {
  const { client, inputs } = fakeEcr({ 'team/web': { v1: DIGEST, latest: DIGEST, [DIGEST]: DIGEST } })

  test('a tag resolves to repository@digest through DescribeImages, with the registry id from the host', async () => {
    await expect(resolveImage(client, `${ECR}/team/web:v1`)).resolves.toEqual({ imageRef: `${ECR}/team/web@${DIGEST}`, digest: DIGEST, tags: ['v1', 'latest'] })
    expect(inputs.at(-1)).toEqual({ repositoryName: 'team/web', registryId: '123456789012', imageIds: [{ imageTag: 'v1' }] })
  })

  test('no tag means latest', async () => {
    await resolveImage(client, `${ECR}/team/web`)
    expect(inputs.at(-1)).toMatchObject({ imageIds: [{ imageTag: 'latest' }] })
  })

  test('a digest is checked to exist', async () => {
    await expect(resolveImage(client, `${ECR}/team/web@${DIGEST}`)).resolves.toMatchObject({ imageRef: `${ECR}/team/web@${DIGEST}` })
    expect(inputs.at(-1)).toMatchObject({ imageIds: [{ imageDigest: DIGEST }] })
    const other = `sha256:${'cd'.repeat(32)}`
    await expect(resolveImage(client, `${ECR}/team/web@${other}`)).rejects.toThrow(
      `Input image: image '${ECR}/team/web@${other}' does not exist: ECR repository 'team/web' has no image with digest ${other}`,
    )
  })

  test('a missing tag or repository is an error naming the input and the image', async () => {
    await expect(resolveImage(client, `${ECR}/team/web:v9`)).rejects.toThrow(
      `Input image: image '${ECR}/team/web:v9' does not exist: ECR repository 'team/web' has no image with tag 'v9'`,
    )
    await expect(resolveImage(client, `${ECR}/nope:v1`, { input: 'promote-image' })).rejects.toThrow(
      `Input promote-image: image '${ECR}/nope:v1' does not exist: there is no ECR repository 'nope' in registry 123456789012`,
    )
  })

  test('other errors pass through unchanged', async () => {
    const throttled = {
      send: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
      },
    } as unknown as ECRClient
    await expect(resolveImage(throttled, `${ECR}/team/web:v1`)).rejects.toThrow(/^Rate exceeded$/)
  })

  test('an image outside ECR cannot be resolved; a listed stand-in registry can, without a registry id', async () => {
    await expect(resolveImage(client, 'ghcr.io/o/web:v1')).rejects.toThrow("Input image: 'ghcr.io/o/web:v1' is not in an ECR registry")
    await expect(resolveImage(client, '127.0.0.1:5055/team/web:v1', { ecrRegistries: ['127.0.0.1:5055'] })).resolves.toMatchObject({
      imageRef: `127.0.0.1:5055/team/web@${DIGEST}`,
    })
    expect(inputs.at(-1)).toEqual({ repositoryName: 'team/web', registryId: undefined, imageIds: [{ imageTag: 'v1' }] })
  })
})
