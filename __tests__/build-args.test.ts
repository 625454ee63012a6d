import { describe, expect, test } from '@jest/globals'
import { buildArguments, buildPlan, composeTags, ociLabels, parseBuildArgs, runnerOffersCache, type BuildOptions } from '../src/build/build-image.js'
import { Docker } from '../src/build/docker.js'

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
const SHA = '0123456789abcdef0123456789abcdef01234567'

describe('parseBuildArgs', () => {
  test('KEY=VALUE per line; the value keeps `=`, spaces, quotes and shell syntax as written', () => {
    const text = ['A=1', 'URL=https://x/?a=b&c=d', '', '  # a comment', 'EMPTY=', `NASTY=a b "c" 'd' ; $(touch /tmp/pwned) \`id\``, 'dotted.name-x=y'].join('\n')
    expect(parseBuildArgs(text)).toEqual([
      { name: 'A', value: '1' },
      { name: 'URL', value: 'https://x/?a=b&c=d' },
      { name: 'EMPTY', value: '' },
      { name: 'NASTY', value: `a b "c" 'd' ; $(touch /tmp/pwned) \`id\`` },
      { name: 'dotted.name-x', value: 'y' },
    ])
  })

  test('CRLF line ends and leading indentation are dropped, trailing spaces of the value kept', () => {
    expect(parseBuildArgs('  A=1\r\nB=two  \r\n')).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two  ' },
    ])
  })

  test('an empty input is no build args', () => {
    expect(parseBuildArgs('')).toEqual([])
    expect(parseBuildArgs('\n\n')).toEqual([])
  })

  test.each([
    ['A=1\nJUSTAWORD', "Input build-args, line 2: 'JUSTAWORD' is not KEY=VALUE"],
    ['=value', "Input build-args, line 1: '' is not a valid build argument name"],
    ['A=1\n\n9X=1', "Input build-args, line 3: '9X' is not a valid build argument name"],
    ['MY KEY=1', "Input build-args, line 1: 'MY KEY' is not a valid build argument name"],
    ['A=1\nB=2\nA=3', 'Input build-args, line 3: A is already set on line 1'],
  ])('%j → error naming the line', (text, message) => {
    expect(() => parseBuildArgs(text)).toThrow(message)
  })
})

describe('composeTags', () => {
  test('a bare repository name goes to the login registry, tagged with the commit by default', () => {
    expect(composeTags('team/web', ECR, SHA)).toEqual({ repository: `${ECR}/team/web`, tags: [`${ECR}/team/web:${SHA}`] })
  })

  test("the image's own tag first, then the extra tags, without duplicates", () => {
    expect(composeTags(`${ECR}/web:v1`, 'ignored:5000', SHA, ['latest', ' v1 ', '', 'main'])).toEqual({
      repository: `${ECR}/web`,
      tags: [`${ECR}/web:v1`, `${ECR}/web:latest`, `${ECR}/web:main`],
    })
  })

  test('errors: a digest, no tag without a commit, a bad extra tag', () => {
    expect(() => composeTags(`web@sha256:${'a'.repeat(64)}`, ECR, SHA)).toThrow("Input image: 'web@sha256:")
    expect(() => composeTags('web', ECR, undefined)).toThrow("Input image: 'web' has no tag and GITHUB_SHA is not set")
    expect(() => composeTags('web', ECR, SHA, ['feature/x'])).toThrow("Input tags: 'feature/x' is not a valid tag")
  })
})

test('ociLabels: source from server URL and repository, revision from the commit', () => {
  expect(ociLabels({ GITHUB_SERVER_URL: 'https://ghe.example.com', GITHUB_REPOSITORY: 'o/r' }, SHA)).toEqual({
    'org.opencontainers.image.source': 'https://ghe.example.com/o/r',
    'org.opencontainers.image.revision': SHA,
  })
  expect(ociLabels({ GITHUB_REPOSITORY: 'o/r' }, undefined)).toEqual({ 'org.opencontainers.image.source': 'https://github.com/o/r' })
  expect(ociLabels({}, undefined)).toEqual({})
})

test('runnerOffersCache needs the runtime token and a cache service URL', () => {
  expect(runnerOffersCache({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'https://c/' })).toBe(true)
  expect(runnerOffersCache({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'https://r/' })).toBe(true)
  expect(runnerOffersCache({ ACTIONS_CACHE_URL: 'https://c/' })).toBe(false)
  expect(runnerOffersCache({ ACTIONS_RUNTIME_TOKEN: 't' })).toBe(false)
})

describe('buildPlan', () => {
  class FakeDocker extends Docker {
    constructor(
      private readonly buildx: boolean,
      private readonly driver?: string,
    ) {
      super()
    }
    override async hasBuildx() {
      return this.buildx
    }
    override async buildxDriver() {
      return this.driver
    }
  }
  const cache = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'https://c/' }

  test('no buildx: docker build, no cache', async () => {
    await expect(buildPlan(new FakeDocker(false), cache)).resolves.toEqual({ buildx: false, ghaCache: false })
  })
  test('buildx with a docker-container builder on a runner with a cache: GitHub cache', async () => {
    await expect(buildPlan(new FakeDocker(true, 'docker-container'), cache)).resolves.toEqual({ buildx: true, ghaCache: true })
  })
  test('the docker driver cannot export cache', async () => {
    await expect(buildPlan(new FakeDocker(true, 'docker'), cache)).resolves.toEqual({ buildx: true, ghaCache: false })
  })
  test('no cache service: no cache', async () => {
    await expect(buildPlan(new FakeDocker(true, 'docker-container'), {})).resolves.toEqual({ buildx: true, ghaCache: false })
  })
})

describe('buildArguments', () => {
  const opts: BuildOptions = {
    docker: new Docker(),
    image: 'web',
    registry: ECR,
    context: 'app',
    dockerfile: 'app/Dockerfile.prod',
    buildArgs: [
      { name: 'NASTY', value: 'a b; $(touch /tmp/pwned)' },
      { name: 'URL', value: 'x=y' },
    ],
    target: 'runtime',
    platform: 'linux/arm64',
    network: 'none',
  }
  const tags = [`${ECR}/web:v1`, `${ECR}/web:latest`]
  const labels = { 'org.opencontainers.image.revision': SHA }

  test('buildx: pushes, writes metadata, GitHub cache scoped to the repository; each value one argument', () => {
    expect(buildArguments(opts, { buildx: true, ghaCache: true }, tags, labels, 'web', '/t/m.json')).toEqual([
      'buildx',
      'build',
      '--file',
      'app/Dockerfile.prod',
      '--target',
      'runtime',
      '--platform',
      'linux/arm64',
      '--network',
      'none',
      '--build-arg',
      'NASTY=a b; $(touch /tmp/pwned)',
      '--build-arg',
      'URL=x=y',
      '--label',
      `org.opencontainers.image.revision=${SHA}`,
      '--tag',
      `${ECR}/web:v1`,
      '--tag',
      `${ECR}/web:latest`,
      '--push',
      '--metadata-file',
      '/t/m.json',
      '--cache-from',
      'type=gha,scope=web',
      '--cache-to',
      'type=gha,mode=max,scope=web',
      'app',
    ])
  })

  test('docker build: no push or metadata flags (pushed tag by tag afterwards)', () => {
    const args = buildArguments(
      { ...opts, dockerfile: undefined, target: undefined, platform: undefined, network: undefined, buildArgs: [] },
      { buildx: false, ghaCache: false },
      tags,
      {},
      'web',
      '/t/m.json',
    )
    expect(args).toEqual(['build', '--tag', `${ECR}/web:v1`, '--tag', `${ECR}/web:latest`, 'app'])
  })

  test('a context starting with - stays a path', () => {
    expect(buildArguments({ ...opts, context: '-' }, { buildx: false, ghaCache: false }, tags, {}, 'web', '').at(-1)).toBe('./-')
  })
})
