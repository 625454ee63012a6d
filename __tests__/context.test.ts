import { describe, expect, it } from '@jest/globals'
import { getInputs, InputError, type Inputs } from '../src/inputs/context.js'

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2'

/** Inputs as a name → value map; anything not set reads as '' like core.getInput. */
function read(values: Record<string, string>) {
  return (name: string) => values[name] ?? ''
}

function inputs(values: Record<string, string>): Inputs {
  return getInputs(read({ cluster: 'prod', service: 'web', ...values }))
}

function problems(values: Record<string, string>): string[] {
  try {
    getInputs(read(values))
  } catch (err) {
    expect(err).toBeInstanceOf(InputError)
    return (err as InputError).problems
  }
  throw new Error('expected an InputError')
}

const invalid = (values: Record<string, string>) => problems({ cluster: 'prod', service: 'web', ...values })

describe('getInputs', () => {
  it('applies the defaults', () => {
    expect(inputs({})).toEqual({
      cluster: 'prod',
      service: 'web',
      image: undefined,
      containerName: undefined,
      taskDefinitionFile: undefined,
      strategy: { kind: 'auto' },
      codeDeploy: { application: undefined, deploymentGroup: undefined, deploymentConfig: undefined, appspecFile: undefined, hooks: {} },
      bakeTimeMs: 0,
      alarms: [],
      timeoutMs: 30 * 60_000,
      rollback: 'on-failure',
      wait: true,
    })
  })

  it('reads every input', () => {
    expect(
      inputs({
        cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
        service: 'web-api_2',
        image: IMAGE,
        'container-name': 'app',
        'task-definition': ' deploy/task-def.yaml ',
        strategy: 'canary 20% 5m',
        'codedeploy-application': 'AppECS-prod-web',
        'codedeploy-deployment-group': 'DgpECS-prod-web',
        appspec: ' deploy/appspec.yaml ',
        'codedeploy-hooks': 'AfterAllowTestTraffic = smoke-test\n# comment\n\nBeforeAllowTraffic=arn:aws:lambda:us-east-1:123456789012:function:gate:live',
        'bake-time': '90s',
        alarms: 'web-5xx',
        timeout: '1h',
        rollback: 'never',
        wait: 'true',
      }),
    ).toEqual({
      cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
      service: 'web-api_2',
      image: IMAGE,
      containerName: 'app',
      taskDefinitionFile: 'deploy/task-def.yaml',
      strategy: { kind: 'canary', percent: 20, intervalMs: 300_000 },
      codeDeploy: {
        application: 'AppECS-prod-web',
        deploymentGroup: 'DgpECS-prod-web',
        deploymentConfig: undefined,
        appspecFile: 'deploy/appspec.yaml',
        hooks: { AfterAllowTestTraffic: 'smoke-test', BeforeAllowTraffic: 'arn:aws:lambda:us-east-1:123456789012:function:gate:live' },
      },
      bakeTimeMs: 90_000,
      alarms: ['web-5xx'],
      timeoutMs: 3_600_000,
      rollback: 'never',
      wait: true,
    })
  })

  it('requires cluster and service, reporting both', () => {
    expect(problems({})).toEqual([
      'Input `cluster` is empty: expected the name or ARN of the ECS cluster.',
      'Input `service` is empty: expected the name or ARN of the ECS service.',
    ])
  })

  it('rejects a cluster or service that is neither a name nor an ARN', () => {
    expect(problems({ cluster: 'my cluster', service: 'web!' })).toEqual([
      'Input `cluster` is `my cluster`: expected the name (letters, digits, - and _) or ARN of the ECS cluster.',
      'Input `service` is `web!`: expected the name (letters, digits, - and _) or ARN of the ECS service.',
    ])
  })

  it.each([IMAGE, `${IMAGE.replace(':1.4.2', '')}@sha256:${'a'.repeat(64)}`, 'nginx:1.27', 'ghcr.io/org/app:v1', 'localhost:5000/app:dev'])('accepts image %p', (image) => {
    expect(inputs({ image }).image).toBe(image)
  })

  it('rejects an image without tag or digest, and one that is not a reference', () => {
    const [noTag, upper] = invalid({ image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/web' }).concat(invalid({ image: 'Web:1' }))
    expect(noTag).toBe(
      'Input `image` is `123456789012.dkr.ecr.us-east-1.amazonaws.com/web`: expected a full image reference with a tag or digest, ' +
        'such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2 or …/web@sha256:<64 hex> (it has neither a tag nor a digest).',
    )
    expect(upper).toMatch(/^Input `image` is `Web:1`: expected a full image reference .*\(the repository 'Web' must be lowercase/)
  })

  it('checks container-name', () => {
    expect(inputs({ 'container-name': 'app-1' }).containerName).toBe('app-1')
    expect(invalid({ 'container-name': 'app 1' })).toEqual(['Input `container-name` is `app 1`: expected a container name from the task definition (letters, digits, - and _).'])
  })

  it.each<[string, unknown]>([
    ['auto', { kind: 'auto' }],
    ['Rolling', { kind: 'rolling' }],
    ['blue-green', { kind: 'blue-green' }],
    ['canary', { kind: 'canary', percent: 10, intervalMs: 300_000 }],
    ['canary 20% 5m', { kind: 'canary', percent: 20, intervalMs: 300_000 }],
    ['canary 2.5% then 15m', { kind: 'canary', percent: 2.5, intervalMs: 900_000 }],
    ['linear', { kind: 'linear', percent: 10, intervalMs: 60_000 }],
    ['linear 10% every 1m', { kind: 'linear', percent: 10, intervalMs: 60_000 }],
    ['Linear 25% every 3m', { kind: 'linear', percent: 25, intervalMs: 180_000 }],
  ])('reads strategy %p', (strategy, expected) => {
    expect(inputs({ strategy }).strategy).toEqual(expected)
  })

  it.each([
    ['fast', 'expected auto, rolling, blue-green'],
    ['canary 150% 5m', 'the canary percent must be more than 0 and less than 100'],
    ['linear 10% every 90s', 'the linear interval must be whole minutes from 1m to 24h, not 90s'],
    ['canary 10% 5m please', 'unexpected `please`'],
    ['rolling 10%', 'rolling takes no settings'],
  ])('names what is wrong with strategy %p', (strategy, message) => {
    const [problem] = invalid({ strategy })
    expect(problem).toContain(`Input \`strategy\` is \`${strategy}\`: `)
    expect(problem).toContain(message)
  })

  it('refuses deployment-config together with a strategy, and bad hook lines', () => {
    expect(invalid({ strategy: 'canary', 'deployment-config': 'CodeDeployDefault.ECSAllAtOnce' })).toEqual([
      'Input `deployment-config` is `CodeDeployDefault.ECSAllAtOnce` and `strategy` is `canary`: give one of them (deployment-config names an existing CodeDeploy configuration; strategy describes the traffic shift).',
    ])
    expect(invalid({ 'codedeploy-hooks': 'AfterInstall=ok\nBeforeDinner=fn' })).toEqual([
      'Input `codedeploy-hooks` is `BeforeDinner=fn`: line 2: expected HOOK=LAMBDA with HOOK one of BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic and LAMBDA a function name or ARN.',
    ])
  })

  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['5', 300_000],
    ['6h', 21_600_000],
  ])('reads bake-time %p', (text, ms) => {
    expect(inputs({ 'bake-time': text }).bakeTimeMs).toBe(ms)
  })

  it('rejects a bake-time that is not a duration, or over 6h', () => {
    expect(invalid({ 'bake-time': '10x' })).toEqual(['Input `bake-time` is `10x`: expected 0, a number of minutes, or a duration such as 90s, 10m, 1h.'])
    expect(invalid({ 'bake-time': '7h' })).toEqual(['Input `bake-time` is `7h`: expected at most 6h (GitHub stops a job after 6 hours), such as 10m.'])
  })

  it.each([
    ['45s', 45_000],
    ['6h', 21_600_000],
    ['5h59m59s', 21_599_000],
    ['20', 1_200_000],
  ])('reads timeout %p', (text, ms) => {
    expect(inputs({ timeout: text }).timeoutMs).toBe(ms)
  })

  it('rejects a timeout over 6h, of 0, or not a duration', () => {
    expect(invalid({ timeout: '6h1s' })).toEqual(['Input `timeout` is `6h1s`: expected more than 0 and at most 6h (GitHub stops a job after 6 hours), such as 30m.'])
    expect(invalid({ timeout: '361' })).toHaveLength(1)
    expect(invalid({ timeout: '0' })).toEqual(['Input `timeout` is `0`: expected more than 0 and at most 6h (GitHub stops a job after 6 hours), such as 30m.'])
    expect(invalid({ timeout: 'soon' })).toEqual(['Input `timeout` is `soon`: expected a number of minutes, or a duration such as 90s, 10m, 1h, greater than 0.'])
  })

  it('splits alarms on commas and newlines, trimming, dropping empties and duplicates', () => {
    expect(inputs({ alarms: 'web-5xx, web-latency-p99\n  web-errors ,\n\nweb-5xx,' }).alarms).toEqual(['web-5xx', 'web-latency-p99', 'web-errors'])
    expect(inputs({ alarms: 'Web Latency (p99)' }).alarms).toEqual(['Web Latency (p99)'])
  })

  it('rejects an alarm name longer than CloudWatch allows', () => {
    const long = 'a'.repeat(256)
    expect(invalid({ alarms: `ok,${long}` })).toEqual([
      `Input \`alarms\` is \`${long}\`: expected CloudWatch alarm names of at most 255 characters, separated by commas or newlines.`,
    ])
  })

  it('reads rollback', () => {
    expect(inputs({ rollback: 'on-failure' }).rollback).toBe('on-failure')
    expect(inputs({ rollback: 'never' }).rollback).toBe('never')
    expect(invalid({ rollback: 'always' })).toEqual(['Input `rollback` is `always`: expected on-failure or never.'])
  })

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('reads wait %p', (text, wait) => {
    expect(inputs({ wait: text }).wait).toBe(wait)
  })

  it('rejects a wait that is not a boolean, and a bake time without waiting', () => {
    expect(invalid({ wait: 'yes' })).toEqual(['Input `wait` is `yes`: expected true or false.'])
    expect(invalid({ wait: 'false', 'bake-time': '10m' })).toEqual([
      'Input `bake-time` is `10m` but `wait` is `false`: a bake time needs the action to wait; set wait to true or bake-time to 0.',
    ])
  })

  it('reports every problem at once, in input order', () => {
    let error: unknown
    try {
      getInputs(
        read({
          service: 'web',
          image: 'registry.example.com/app',
          strategy: 'canary 0%',
          'bake-time': '10x',
          timeout: '7h',
          rollback: 'sometimes',
          wait: 'maybe',
        }),
      )
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(InputError)
    const { problems: found, message } = error as InputError
    expect(found.map((p) => /^Input `([a-z-]+)`/.exec(p)?.[1])).toEqual(['cluster', 'image', 'strategy', 'bake-time', 'timeout', 'rollback', 'wait'])
    for (const p of found) expect(message).toContain(p)
  })
})

describe('getInputs: building', () => {
  const sha = { GITHUB_SHA: '0123abc' }
  const withBuild = (values: Record<string, string>, env: NodeJS.ProcessEnv = sha) => getInputs(read({ cluster: 'prod', service: 'web', ...values }), env)
  const buildProblems = (values: Record<string, string>, env: NodeJS.ProcessEnv = sha): string[] => {
    try {
      withBuild(values, env)
    } catch (err) {
      expect(err).toBeInstanceOf(InputError)
      return (err as InputError).problems
    }
    throw new Error('expected an InputError')
  }

  it('reads the build inputs; image may be a bare repository name; build-args values keep = and shell syntax', () => {
    const got = withBuild({
      image: 'web',
      'build-context': 'app',
      dockerfile: 'app/Dockerfile.prod',
      'build-args': 'A=1\nURL=postgres://u:p@h/db?x=1&y=$(id)\n# note\n',
      'build-target': 'runtime',
      platform: 'linux/arm64',
      tags: 'latest, release-1\nstable',
    })
    expect(got.image).toBe('web')
    expect(got.build).toEqual({
      context: 'app',
      dockerfile: 'app/Dockerfile.prod',
      buildArgs: [
        { name: 'A', value: '1' },
        { name: 'URL', value: 'postgres://u:p@h/db?x=1&y=$(id)' },
      ],
      target: 'runtime',
      platform: 'linux/arm64',
      tags: ['latest', 'release-1', 'stable'],
    })
  })

  it('no build-context: no build, and the build-only inputs are refused', () => {
    expect(withBuild({ image: IMAGE }).build).toBeUndefined()
    expect(buildProblems({ image: IMAGE, dockerfile: 'Dockerfile', tags: 'x' })).toEqual([
      'Input `dockerfile` is set but `build-context` is not: dockerfile is only used when the action builds the image; set build-context (e.g. `.`) or remove dockerfile.',
      'Input `tags` is set but `build-context` is not: tags is only used when the action builds the image; set build-context (e.g. `.`) or remove tags.',
    ])
  })

  it('reports every build problem together', () => {
    expect(buildProblems({ 'build-context': '.', 'build-args': 'NOEQUALS', 'build-target': '-x', platform: 'arm64' })).toEqual([
      'Input `image` is empty but `build-context` is set: when building, image names the ECR repository to push to, such as `web`, `web:1.4.2` or 123456789012.dkr.ecr.us-east-1.amazonaws.com/web.',
      "Input `build-args`, line 1: 'NOEQUALS' is not KEY=VALUE.",
      'Input `build-target` is `-x`: expected the name of a stage in the Dockerfile (FROM … AS <name>).',
      'Input `platform` is `arm64`: expected os/arch[/variant] such as linux/amd64 or linux/arm64, comma separated for several.',
    ])
    expect(buildProblems({ 'build-context': '.', image: `web@sha256:${'a'.repeat(64)}` })[0]).toMatch(/^Input `image`: '.*' has a digest; when building/)
    expect(buildProblems({ 'build-context': '.', image: 'web', tags: 'ok, -bad' })[0]).toMatch(/^Input `tags`: '-bad' is not a valid tag/)
    expect(buildProblems({ 'build-context': '.', image: 'web' }, {})[0]).toMatch(/^Input `image`: 'web' has no tag and GITHUB_SHA is not set/)
  })
})
