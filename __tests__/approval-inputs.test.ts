// `approval`, `approval-timeout` and `test-url`, and the inputs of the verbs `approve` and `reject`: each problem
// names the input, the value and what is accepted.
import { describe, expect, it } from '@jest/globals'
import { getInputs, getVerbInputs, InputError, verbOf } from '../src/inputs/context.js'

const ARN = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/NCWGC2ZR-taawPAYrIaU5'
const read = (values: Record<string, string>) => (name: string) => values[name] ?? ''
const base = { cluster: 'prod', service: 'web', 'force-new-deployment': 'true' }

function problems(get: () => unknown): string[] {
  try {
    get()
  } catch (err) {
    expect(err).toBeInstanceOf(InputError)
    return (err as InputError).problems
  }
  throw new Error('expected an InputError')
}

describe('approval inputs', () => {
  it('test-traffic with the default timeout of 1h; test-url becomes the record’s environment URL', () => {
    const inputs = getInputs(read({ ...base, approval: 'test-traffic', 'test-url': 'https://test.example.com:8443' }))
    expect(inputs.approval).toEqual({ pauseAt: 'test-traffic', timeoutMinutes: 60 })
    expect(inputs.testUrl).toBe('https://test.example.com:8443')
    expect(inputs.github.environmentUrl).toBe('https://test.example.com:8443')
  })

  it('rounds approval-timeout up to whole minutes; environment-url wins over test-url', () => {
    const inputs = getInputs(read({ ...base, approval: 'test-traffic', 'approval-timeout': '90s', 'test-url': 'https://t.example.com', 'environment-url': 'https://example.com' }))
    expect(inputs.approval?.timeoutMinutes).toBe(2)
    expect(inputs.github.environmentUrl).toBe('https://example.com')
  })

  it('no approval by default or with none', () => {
    expect(getInputs(read(base)).approval).toBeUndefined()
    expect(getInputs(read({ ...base, approval: 'none' })).approval).toBeUndefined()
  })

  it('refuses a bad value, a timeout beyond ECS’s 14 days, several services, wait false and a lone timeout', () => {
    expect(problems(() => getInputs(read({ ...base, approval: 'production' })))).toEqual([
      'Input `approval` is `production`: expected test-traffic (pause after test traffic moved, before any production traffic) or none.',
    ])
    expect(problems(() => getInputs(read({ ...base, approval: 'test-traffic', 'approval-timeout': '337h' })))).toEqual([
      "Input `approval-timeout` is `337h`: expected a number of minutes, or a duration such as 90s, 10m, 1h, from 1m to 336h (ECS's longest lifecycle hook timeout).",
    ])
    expect(problems(() => getInputs(read({ ...base, service: 'web,api', approval: 'test-traffic' })))).toContainEqual(
      expect.stringMatching(/^Input `approval` is `test-traffic`: expected one service/),
    )
    expect(problems(() => getInputs(read({ ...base, approval: 'test-traffic', wait: 'false' })))).toContainEqual(
      expect.stringMatching(/^Input `approval` is `test-traffic`: expected wait to be true/),
    )
    expect(problems(() => getInputs(read({ ...base, 'approval-timeout': '2h' })))).toEqual([
      'Input `approval-timeout` is `2h` but `approval` is not set: set approval to test-traffic, or leave approval-timeout empty.',
    ])
    expect(problems(() => getInputs(read({ ...base, approval: 'test-traffic', 'test-url': 'test.example.com' })))).toEqual([
      "Input `test-url` is `test.example.com`: expected the test listener's http(s) URL, such as https://test.example.com:8443.",
    ])
  })
})

describe('approve and reject', () => {
  it('is a verb only when approve or reject is set', () => {
    expect(verbOf(read(base))).toBeUndefined()
    expect(verbOf(read({ approve: ARN }))).toBe('approve')
    expect(verbOf(read({ reject: 'd-ABCDEFGHI' }))).toBe('reject')
  })

  it('takes a service deployment ARN or a CodeDeploy id, the service, the timeout and the record', () => {
    expect(getVerbInputs(read({ cluster: 'prod', service: 'web', approve: ARN, timeout: '20m' }))).toMatchObject({
      verb: 'approve',
      id: ARN,
      cluster: 'prod',
      service: 'web',
      timeoutMs: 20 * 60_000,
      github: { environment: 'prod' },
    })
    expect(getVerbInputs(read({ cluster: 'prod', service: 'web', reject: 'd-ABCDEFGHI' }))).toMatchObject({ verb: 'reject', id: 'd-ABCDEFGHI' })
  })

  it('refuses both verbs at once, an id that is neither, and anything that would deploy', () => {
    expect(problems(() => getVerbInputs(read({ cluster: 'prod', service: 'web', approve: ARN, reject: ARN })))).toEqual([
      `Inputs \`approve\` and \`reject\` are both set (\`${ARN}\`, \`${ARN}\`): a run either approves or rejects; set one.`,
    ])
    expect(problems(() => getVerbInputs(read({ cluster: 'prod', service: 'web', approve: 'ecs-svc/123' })))).toEqual([
      'Input `approve` is `ecs-svc/123`: expected the `deployment-id` output of the run that paused: an ECS service deployment ARN (arn:aws:ecs:…:service-deployment/…) or a CodeDeploy deployment id (d-…).',
    ])
    expect(problems(() => getVerbInputs(read({ cluster: 'prod', service: 'web', reject: ARN, image: 'web:v2' })))).toEqual([
      'Input `image` is set with `reject`: a run that rejects deploys nothing new; leave image empty.',
    ])
  })
})
