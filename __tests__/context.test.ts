import { describe, expect, it } from '@jest/globals'
import { getInputs, InputError, type Inputs } from '../src/inputs/context.js'

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2'

/** Inputs as a name → value map; anything not set reads as '' like core.getInput. */
function read(values: Record<string, string>) {
  return (name: string) => values[name] ?? ''
}

// An explicit redeploy unless a test gives something to deploy: an empty `image` alone is an input error.
const REDEPLOY = { 'force-new-deployment': 'true' }

function inputs(values: Record<string, string>): Inputs {
  return getInputs(read({ cluster: 'prod', service: 'web', ...REDEPLOY, ...values }))
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

const invalid = (values: Record<string, string>) => problems({ cluster: 'prod', service: 'web', ...REDEPLOY, ...values })

/** What getInputs reads when no render input is set. */
const NO_RENDER = { environment: [], secrets: [], environmentFiles: [], images: [], dockerLabels: [], logOptions: [] }

describe('getInputs', () => {
  it('applies the defaults', () => {
    expect(inputs({})).toEqual({
      cluster: 'prod',
      services: ['web'],
      image: undefined,
      containerName: undefined,
      taskDefinitionFile: undefined,
      forceNewDeployment: true,
      strategy: { kind: 'auto' },
      codeDeploy: { application: undefined, deploymentGroup: undefined, deploymentConfig: undefined, appspecFile: undefined, hooks: {} },
      bakeTimeMs: 0,
      alarms: [],
      timeoutMs: 30 * 60_000,
      rollback: 'on-failure',
      onCancel: 'leave',
      maxTaskFailures: 3,
      wait: true,
      github: { deployment: true, token: undefined, environment: 'prod', environmentUrl: undefined },
      render: NO_RENDER,
      analysis: { mode: 'report', rule: { errorRatePoints: 1, latencyPercent: 20, latencyMinutes: 3, minRequests: 100, alpha: 0.01 } },
    })
  })

  it('reads every input', () => {
    expect(
      getInputs(
        read({
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
          'on-cancel': 'rollback',
          'max-task-failures': '0',
          wait: 'true',
          'github-token': 'ghs_x',
          environment: ' staging ',
          'environment-url': 'https://staging.example.com',
          'github-deployment': 'false',
          'keep-revisions': '10',
          'desired-count': '4',
          'force-new-deployment': 'true',
          'propagate-tags': 'SERVICE',
          'enable-ecs-managed-tags': 'false',
          analysis: 'OFF',
          'analysis-error-rate': '0.5',
          'analysis-latency': '25%',
          'analysis-min-requests': '200',
        }),
      ),
    ).toEqual({
      render: NO_RENDER,
      propagateTags: 'SERVICE',
      enableEcsManagedTags: false,
      cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
      services: ['web-api_2'],
      image: IMAGE,
      containerName: 'app',
      taskDefinitionFile: 'deploy/task-def.yaml',
      keepRevisions: 10,
      desiredCount: 4,
      forceNewDeployment: true,
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
      onCancel: 'rollback',
      maxTaskFailures: 0,
      wait: true,
      github: { deployment: false, token: 'ghs_x', environment: 'staging', environmentUrl: 'https://staging.example.com' },
      analysis: { mode: 'off', rule: { errorRatePoints: 0.5, latencyPercent: 25, latencyMinutes: 3, minRequests: 200, alpha: 0.01 } },
    })
  })

  it('checks the canary analysis inputs, each problem naming the input, the value and what is accepted', () => {
    expect(inputs({ analysis: 'rollback' }).analysis?.mode).toBe('rollback')
    expect(invalid({ analysis: 'judge', 'analysis-error-rate': '0', 'analysis-latency': 'fast', 'analysis-min-requests': '1.5' })).toEqual([
      'Input `analysis` is `judge`: expected off, report, rollback.',
      'Input `analysis-error-rate` is `0`: expected percentage points of 5xx rate above the baseline, more than 0 and at most 100, such as 1 or 0.5.',
      'Input `analysis-latency` is `fast`: expected a percentage of p99 above the baseline, more than 0 and at most 1000, such as 20 or 20%.',
      'Input `analysis-min-requests` is `1.5`: expected a whole number of requests on each side from 1 to 1000000000, such as 100.',
    ])
    expect(invalid({ analysis: 'rollback', rollback: 'never' })).toEqual([
      'Input `analysis` is `rollback` but `rollback` is `never`: nothing would roll back a failed verdict; set analysis to report, or rollback to on-failure.',
    ])
    expect(invalid({ analysis: 'rollback', wait: 'false' })).toEqual([
      'Input `analysis` is `rollback` but `wait` is `false`: the analysis runs while the action watches; set wait to true or analysis to report.',
    ])
  })

  it('names the environment after the cluster by default, and checks the GitHub deployment inputs', () => {
    expect(inputs({ cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/production' }).github.environment).toBe('production')
    expect(invalid({ 'github-deployment': 'yes', 'environment-url': 'staging.example.com', environment: 'x'.repeat(256) })).toEqual([
      'Input `github-deployment` is `yes`: expected true or false.',
      `Input \`environment\` is \`${'x'.repeat(256)}\`: expected a GitHub environment name of at most 255 characters on one line, such as production.`,
      'Input `environment-url` is `staging.example.com`: expected an http(s) URL such as https://staging.example.com.',
    ])
  })

  it('reads a registered task definition (ARN or family:revision) apart from a file', () => {
    const arn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:5'
    expect(inputs({ 'task-definition': arn })).toMatchObject({ taskDefinitionRef: arn, taskDefinitionFile: undefined })
    expect(inputs({ 'task-definition': 'web:5' })).toMatchObject({ taskDefinitionRef: 'web:5', taskDefinitionFile: undefined })
    expect(inputs({ 'task-definition': 'web.json' })).toMatchObject({ taskDefinitionFile: 'web.json' })
  })

  it('reads rollback-to and refuses it together with something new to deploy', () => {
    expect(getInputs(read({ cluster: 'prod', service: 'web', 'rollback-to': 'previous' })).rollbackTo).toBe('previous')
    expect(getInputs(read({ cluster: 'prod', service: 'web', 'rollback-to': 'web:5' })).rollbackTo).toBe('web:5')
    expect(problems({ cluster: 'prod', service: 'web', 'rollback-to': 'last' })).toEqual([
      'Input `rollback-to` is `last`: expected `previous`, a task definition ARN, or `family:revision` such as web:5.',
    ])
    expect(problems({ cluster: 'prod', service: 'web', 'rollback-to': 'previous', image: IMAGE })[0]).toMatch(
      /^Input `rollback-to` is `previous` and `image` is set: a rollback deploys/,
    )
  })

  it('refuses an empty image with nothing else to deploy, naming the dropped job output and the fix', () => {
    const [problem, ...rest] = problems({ cluster: 'prod', service: 'web' })
    expect(rest).toEqual([])
    expect(problem).toContain('Input `image` is empty')
    expect(problem).toContain('the runner drops a job output that contains a masked value')
    expect(problem).toContain('force-new-deployment: true')
  })

  it('checks keep-revisions, desired-count and force-new-deployment', () => {
    expect(invalid({ 'keep-revisions': '0', 'desired-count': '-1', 'force-new-deployment': 'yes' })).toEqual([
      'Input `keep-revisions` is `0`: expected a whole number of revisions to keep, from 1 to 1000 (leave it empty to keep all).',
      "Input `desired-count` is `-1`: expected a whole number of tasks from 0 to 5000 (leave it empty to keep the service's).",
      'Input `force-new-deployment` is `yes`: expected true or false.',
      expect.stringContaining('Input `image` is empty'),
    ])
  })

  it('requires cluster and service, reporting both', () => {
    expect(problems(REDEPLOY)).toEqual([
      'Input `cluster` is empty: expected the name or ARN of the ECS cluster.',
      'Input `service` is empty and so is `task-definition`: expected the name or ARN of the ECS service (or several, separated by commas or newlines), or, to register a task definition without deploying it, `task-definition` (a file or a registered revision).',
      expect.stringContaining('Input `force-new-deployment` is `true` but `service` is empty'),
    ])
  })

  it('rejects a cluster or service that is neither a name nor an ARN', () => {
    expect(problems({ cluster: 'my cluster', service: 'web!', ...REDEPLOY })).toEqual([
      'Input `cluster` is `my cluster`: expected the name (letters, digits, - and _) or ARN of the ECS cluster.',
      'Input `service` is `web!`: expected the name (letters, digits, - and _) or ARN of the ECS service, or several separated by commas or newlines (not `web!`).',
    ])
  })

  describe('several services, one release', () => {
    it('takes names separated by commas and newlines, in order', () => {
      const got = inputs({ service: 'web, worker\n scheduler,\n' })
      expect({ services: got.services }).toEqual({ services: ['web', 'worker', 'scheduler'] })
    })

    it('refuses a name twice, more than 10 names, and a bad name, naming the input and the value', () => {
      expect(invalid({ service: 'web, worker, web' })).toEqual(['Input `service` is `web, worker, web`: expected each service once (web named twice).'])
      const eleven = Array.from({ length: 11 }, (_, i) => `s${i}`).join(',')
      expect(invalid({ service: eleven })).toEqual([`Input \`service\` is \`${eleven}\`: expected at most 10 services in one release (got 11); split them into several steps.`])
      expect(invalid({ service: 'web, wor ker' })).toEqual([
        'Input `service` is `web, wor ker`: expected the name (letters, digits, - and _) or ARN of the ECS service, or several separated by commas or newlines (not `wor ker`).',
      ])
    })

    it.each([
      ['task-definition', 'task-def.json'],
      ['rollback-to', 'previous'],
      ['codedeploy-application', 'app'],
      ['codedeploy-deployment-group', 'group'],
      ['appspec', 'appspec.yaml'],
    ])('refuses %s, which belongs to one service', (input, value) => {
      const got = invalid({ service: 'web, worker', [input]: value })
      expect(got).toContainEqual(
        expect.stringMatching(new RegExp(`^Input \`${input}\` is \`${value.replace('.', '\\.')}\` but \`service\` names 2 services: ${input} belongs to one service`)),
      )
    })

    it('keeps one service as it was', () => {
      expect(inputs({ service: 'web' }).services).toEqual(['web'])
    })
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
    ['5h30m', 19_800_000],
  ])('reads bake-time %p', (text, ms) => {
    // timeout 6h: a bake must end before the timeout.
    expect(inputs({ 'bake-time': text, timeout: '6h' }).bakeTimeMs).toBe(ms)
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
    expect(invalid({ 'on-cancel': 'stop' })).toEqual(['Input `on-cancel` is `stop`: expected leave or rollback.'])
    expect(invalid({ 'max-task-failures': '-1' })).toEqual([
      'Input `max-task-failures` is `-1`: expected a whole number of failed tasks from 0 to 200 (0 leaves it to the circuit breaker).',
    ])
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

  it('rejects a bake time that does not end before the timeout, naming both inputs', () => {
    expect(invalid({ 'bake-time': '10m', timeout: '10m' })).toEqual([
      'Input `bake-time` is `10m` and `timeout` is `10m`: the deployment and then the bake must both end within timeout, so bake-time must be shorter than timeout; raise timeout (such as 40m) or shorten bake-time.',
    ])
    expect(invalid({ 'bake-time': '45m' })).toEqual([
      'Input `bake-time` is `45m` and `timeout` is `30m` (the default): the deployment and then the bake must both end within timeout, so bake-time must be shorter than timeout; raise timeout (such as 1h15m) or shorten bake-time.',
    ])
    expect(invalid({ 'bake-time': '6h', timeout: '1h' })).toEqual([
      'Input `bake-time` is `6h` and `timeout` is `1h`: the deployment and then the bake must both end within timeout, so bake-time must be shorter than timeout; raise timeout or shorten bake-time.',
    ])
    expect(inputs({ 'bake-time': '9m', timeout: '10m' })).toMatchObject({ bakeTimeMs: 540_000, timeoutMs: 600_000 })
    // A duration that does not parse is reported once, not compared.
    expect(invalid({ 'bake-time': '10x', timeout: '1m' })).toEqual(['Input `bake-time` is `10x`: expected 0, a number of minutes, or a duration such as 90s, 10m, 1h.'])
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
