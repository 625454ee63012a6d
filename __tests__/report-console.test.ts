// Console links in the partition and region of the resources: aws, aws-cn, aws-us-gov.
import { describe, expect, it } from '@jest/globals'
import type { DeploymentFacts } from '../src/core/facts.js'
import { arnPlace, consoleLinks } from '../src/report/console.js'

const facts = (partition: string, region: string, extra: Partial<DeploymentFacts> = {}): DeploymentFacts =>
  ({
    kind: 'codedeploy',
    engine: 'CodeDeploy',
    cluster: 'prod',
    service: 'web',
    alarms: [],
    rollbackPolicy: 'on-failure',
    taskDefinitionArn: `arn:${partition}:ecs:${region}:123456789012:task-definition/web:2`,
    deploymentId: 'd-ABCDEFGHI',
    codeDeploy: { deploymentId: 'd-ABCDEFGHI' },
    startedAt: new Date(0),
    waited: true,
    timedOut: false,
    stoppedTasks: [],
    throttled: 0,
    ...extra,
  }) as DeploymentFacts

describe('console links', () => {
  it('reads partition and region from an ARN', () => {
    expect(arnPlace('arn:aws-us-gov:ecs:us-gov-west-1:1:task-definition/web:1')).toEqual({ partition: 'aws-us-gov', region: 'us-gov-west-1' })
    expect(arnPlace('web:1')).toBeUndefined()
  })

  it('opens the console of the partition', () => {
    const aws = consoleLinks(facts('aws', 'eu-west-1'))
    expect(aws?.service).toBe('https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/web/health?region=eu-west-1')
    expect(aws?.codeDeploy).toBe('https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABCDEFGHI?region=eu-west-1')
    expect(aws?.alarm('api 5xx/high')).toBe('https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/api%205xx%2Fhigh')
    expect(aws?.logStream('/ecs/web web/web/abc')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/web$252Fweb$252Fabc',
    )
    expect(consoleLinks(facts('aws-cn', 'cn-north-1'))?.service).toMatch(/^https:\/\/cn-north-1\.console\.amazonaws\.cn\/ecs\/v2\//)
    expect(consoleLinks(facts('aws-us-gov', 'us-gov-west-1'))?.deployment).toMatch(
      /^https:\/\/us-gov-west-1\.console\.amazonaws-us-gov\.com\/ecs\/v2\/clusters\/prod\/services\/web\/deployments\?region=us-gov-west-1$/,
    )
  })

  it('falls back to the region given when no ARN names one; none without either', () => {
    expect(consoleLinks(facts('aws', 'x', { taskDefinitionArn: undefined }), 'cn-northwest-1')?.service).toMatch(/^https:\/\/cn-northwest-1\.console\.amazonaws\.cn\//)
    expect(consoleLinks(facts('aws', 'x', { taskDefinitionArn: undefined }))).toBeUndefined()
  })
})
