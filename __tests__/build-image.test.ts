// Build and push against a real dockerd and a real registry (scripts/docker-env.sh); promotion through an ECR API
// stand-in that reads the same registry.
import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildAndPush, buildPlan, parseBuildArgs, type BuildPlan, type BuiltImage } from '../src/build/build-image.js'
import { Docker } from '../src/build/docker.js'
import { loginToEcr, logoutFromEcr, type EcrLogin } from '../src/build/ecr-login.js'
import { resolveImage } from '../src/build/image-ref.js'
import { captureStdout, leaks } from './helpers/capture.js'
import { describeWithDocker, ProcessWatcher } from './helpers/docker-env.js'
import { registryDigest, startEcrStub, type EcrStub } from './helpers/ecr-stub.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const NASTY = `spaces  and "double" 'single' ; touch /tmp/pwned-semicolon $(touch /tmp/pwned) \`touch /tmp/pwned-backtick\` | & > < \\ $HOME`
const PWNED = ['/tmp/pwned', '/tmp/pwned-semicolon', '/tmp/pwned-backtick']

const DOCKERFILE = `FROM scratch AS base
COPY busybox /bin/busybox

FROM base AS final
ARG VALUE
ARG EQ
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox printf '%s' \\"$VALUE\\" > /value.txt && /bin/busybox printf '%s' \\"$EQ\\" > /eq.txt && /bin/busybox printf final > /stage.txt"]

FROM final AS other
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox printf other > /stage.txt"]
`

describeWithDocker('buildAndPush and promotion (real docker and registry)', (env) => {
  let stub: EcrStub
  let login: EcrLogin
  let work: string
  let context: string
  const repo = `test/web-${Date.now().toString(36)}`
  const built: string[] = []
  const saved = { ...process.env }
  const docker = () => new Docker({ DOCKER_HOST: env().dockerHost })
  // Debian's docker.io has no buildx (docker build + docker push); a GitHub runner's Docker has it (buildx --push).
  let plan: BuildPlan

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'build-image-test-'))
    mkdirSync(join(work, 'runner-temp'))
    process.env.RUNNER_TEMP = join(work, 'runner-temp')
    process.env.GITHUB_STATE = join(work, 'state')
    writeFileSync(process.env.GITHUB_STATE, '')
    context = join(work, 'context')
    mkdirSync(context)
    copyFileSync('/bin/busybox', join(context, 'busybox'))
    writeFileSync(join(context, 'Dockerfile.test'), DOCKERFILE)
    stub = await startEcrStub(env().registry, env().user, env().password)
    login = await loginToEcr(stub.client, undefined, { docker: docker() })
    plan = await buildPlan(login.docker, {})
    console.info(`build path under test: ${plan.buildx ? 'docker buildx build --push' : 'docker build + docker push'}`)
  })

  afterAll(async () => {
    if (login) await logoutFromEcr(login, docker())
    await stub?.stop()
    if (built.length) await docker().exec(['image', 'rm', '--force', ...built], { silent: true })
    process.env = { ...saved }
    rmSync(work, { recursive: true, force: true })
  })

  /** Reads a file out of an image without running it (no network needed): docker create + docker cp. */
  async function readFromImage(image: string, path: string): Promise<string> {
    const id = (await docker().run(['create', image, '/bin/busybox', 'true'], { silent: true })).stdout.trim()
    const out = join(work, `copy-${Date.now()}`)
    try {
      await docker().run(['cp', `${id}:${path}`, out], { silent: true })
      return readFileSync(out, 'utf8')
    } finally {
      await docker().run(['rm', id], { silent: true })
      rmSync(out, { force: true })
    }
  }

  let image: BuiltImage

  test('builds with every option, pushes each tag, and returns the digest the registry has', async () => {
    for (const f of PWNED) rmSync(f, { force: true })
    const watcher = new ProcessWatcher().start()
    const run = await captureStdout(() =>
      buildAndPush({
        docker: login.docker,
        image: repo,
        registry: login.registry,
        context,
        dockerfile: join(context, 'Dockerfile.test'),
        buildArgs: parseBuildArgs(`VALUE=${NASTY}\nEQ=a=b==c`),
        target: 'final',
        platform: 'linux/amd64',
        // The test engine runs without a bridge network (scripts/docker-env.sh).
        network: 'none',
        tags: ['latest', 'release-1'],
        env: { GITHUB_SHA: SHA, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/web', RUNNER_TEMP: join(work, 'runner-temp') },
      }),
    )
    watcher.stop()
    if (run.error) throw run.error
    image = run.result!
    const repository = `${env().registry}/${repo}`
    built.push(...image.tags)

    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(image.imageRef).toBe(`${repository}@${image.digest}`)
    expect(image.tags).toEqual([`${repository}:${SHA}`, `${repository}:latest`, `${repository}:release-1`])
    for (const tag of [SHA, 'latest', 'release-1']) {
      await expect(registryDigest(env().registry, env().user, env().password, repo, tag)).resolves.toEqual({ digest: image.digest })
    }

    // The build arguments arrived byte for byte, and nothing in them ran on this machine.
    expect(await readFromImage(image.tags[0], '/value.txt')).toBe(NASTY)
    expect(await readFromImage(image.tags[0], '/eq.txt')).toBe('a=b==c')
    expect(PWNED.filter((f) => existsSync(f))).toEqual([])
    // --target stopped at `final`.
    expect(await readFromImage(image.tags[0], '/stage.txt')).toBe('final')
    const labels = JSON.parse((await docker().run(['image', 'inspect', '--format', '{{json .Config.Labels}}', image.tags[0]], { silent: true })).stdout) as Record<string, string>
    expect(labels).toEqual({ 'org.opencontainers.image.source': 'https://github.com/acme/web', 'org.opencontainers.image.revision': SHA })

    // docker build and docker push ran with argument arrays; none saw the password, in argv or environment.
    // Only this test's own commands: another test file may be building at the same time (the watcher sees every
    // process on the machine).
    const commands = watcher.seen.map((p) => p.cmdline).filter((c) => c.includes(repository))
    const expected = plan.buildx ? [/buildx build .* --push --metadata-file /] : [/docker build /, /docker push /]
    expect(commands).toEqual(expect.arrayContaining(expected.map((re) => expect.stringMatching(re))))
    expect(commands.find((c) => / build /.test(c))).toContain(`--build-arg VALUE=${NASTY} --build-arg EQ=a=b==c`)
    for (const p of watcher.seen) {
      expect(p.cmdline).not.toContain(env().password)
      expect(p.environ).not.toContain(env().password)
    }
    expect(leaks(run.stdout, env().password)).toEqual([])
  })

  test('promotion: a pushed tag resolves to the same digest through ECR DescribeImages', async () => {
    expect(image).toBeDefined()
    const ecrRegistries = [env().registry]
    await expect(resolveImage(stub.client, `${env().registry}/${repo}:release-1`, { ecrRegistries })).resolves.toMatchObject({ imageRef: image.imageRef, digest: image.digest })
    await expect(resolveImage(stub.client, `${env().registry}/${repo}@${image.digest}`, { ecrRegistries })).resolves.toMatchObject({ imageRef: image.imageRef })
  })

  test('promotion: a missing tag or repository is an error naming the input', async () => {
    const ecrRegistries = [env().registry]
    await expect(resolveImage(stub.client, `${env().registry}/${repo}:never-pushed`, { ecrRegistries })).rejects.toThrow(
      `Input image: image '${env().registry}/${repo}:never-pushed' does not exist: ECR repository '${repo}' has no image with tag 'never-pushed'`,
    )
    await expect(resolveImage(stub.client, `${env().registry}/test/no-such-repo:v1`, { ecrRegistries })).rejects.toThrow(
      `Input image: image '${env().registry}/test/no-such-repo:v1' does not exist: there is no ECR repository 'test/no-such-repo'`,
    )
  })

  test("a Dockerfile error is in the thrown error's message", async () => {
    writeFileSync(join(context, 'Dockerfile.bad'), 'FROM scratch\nBOGUS instruction\n')
    await expect(
      buildAndPush({ docker: login.docker, image: `${repo}:bad`, registry: login.registry, context, dockerfile: join(context, 'Dockerfile.bad'), network: 'none', env: {} }),
    ).rejects.toThrow(/^docker build failed \(exit code 1\):\n[\s\S]*unknown instruction: BOGUS/i)
  })

  test("a failing RUN step's output and exit code are in the thrown error's message", async () => {
    writeFileSync(
      join(context, 'Dockerfile.fail'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo step-output-marker; echo step-error-marker >&2; exit 3"]\n',
    )
    const error = await buildAndPush({
      docker: login.docker,
      image: `${repo}:fail`,
      registry: login.registry,
      context,
      dockerfile: join(context, 'Dockerfile.fail'),
      network: 'none',
      env: {},
    }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/^docker build failed \(exit code \d+\):\n/)
    expect((error as Error).message).toContain('\nstep-output-marker\n')
    expect((error as Error).message).toContain('\nstep-error-marker\n')
    // The legacy builder's words, or BuildKit's.
    expect((error as Error).message).toMatch(/returned a non-zero code: 3|did not complete successfully: exit code: 3/)
  })
})
