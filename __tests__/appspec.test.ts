import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Service } from '@aws-sdk/client-ecs'
import {
  AppSpecError,
  appSpecContent,
  appSpecFromService,
  checkAgainstTaskDefinition,
  hooksOf,
  parseAppSpec,
  readAppSpecFile,
  renderAppSpec,
  type AppSpec,
} from '../src/engines/codedeploy/appspec.js'
import { createHash } from 'node:crypto'

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'
const service: Service = {
  serviceName: 'web',
  platformVersion: '1.4.0',
  loadBalancers: [{ targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/1', containerName: 'app', containerPort: 8080 }],
  networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
  capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2, base: 1 }],
}

function problems(fn: () => unknown): string[] {
  try {
    fn()
  } catch (error) {
    if (error instanceof AppSpecError) return error.problems
    throw error
  }
  throw new Error('expected an AppSpecError')
}

describe('appSpecFromService', () => {
  it('takes container, port, network configuration, capacity providers and platform version from the service', () => {
    const spec = appSpecFromService(service) as AppSpec
    expect(renderAppSpec(spec, TD)).toEqual({
      version: 0.0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: TD,
              LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 },
              PlatformVersion: '1.4.0',
              NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-1', 'subnet-2'], SecurityGroups: ['sg-1'], AssignPublicIp: 'DISABLED' } },
              CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 2, Base: 1 }],
            },
          },
        },
      ],
    })
  })

  it('leaves out what the service does not have', () => {
    const spec = appSpecFromService({ serviceName: 'web', loadBalancers: [{ containerName: 'app', containerPort: 80 }] }) as AppSpec
    expect(Object.keys(spec.Resources[0].TargetService.Properties)).toEqual(['TaskDefinition', 'LoadBalancerInfo'])
  })

  it('a service without a load balancer is a problem that points at the appspec input', () => {
    expect(appSpecFromService({ serviceName: 'web' })).toEqual({ problem: expect.stringMatching(/Service `web` has no load balancer.*input `appspec`/) })
  })
})

describe('parseAppSpec', () => {
  it('reads YAML as AWS documents it', () => {
    const spec = parseAppSpec(
      [
        'version: 0.0',
        'Resources:',
        '  - TargetService:',
        '      Type: AWS::ECS::Service',
        '      Properties:',
        '        TaskDefinition: <TASK_DEFINITION>',
        '        LoadBalancerInfo: { ContainerName: app, ContainerPort: 80 }',
        'Hooks:',
        '  - BeforeInstall: pre',
        '  - AfterAllowTestTraffic: smoke',
      ].join('\n'),
      'file',
    )
    expect(hooksOf(spec)).toEqual({ BeforeInstall: 'pre', AfterAllowTestTraffic: 'smoke' })
    expect(renderAppSpec(spec, TD).Resources[0].TargetService.Properties.TaskDefinition).toBe(TD)
  })

  it('reports every problem at once', () => {
    const found = problems(() =>
      parseAppSpec(
        JSON.stringify({ Resources: [{ TargetService: { Type: 'AWS::Lambda::Function', Properties: { LoadBalancerInfo: { ContainerPort: '80' } } } }], Hooks: [{ Install: 'x' }] }),
        'f',
      ),
    )
    expect(found).toEqual([
      'f: `version` is missing (use 0.0).',
      'f: TargetService.Type is `AWS::Lambda::Function`: expected AWS::ECS::Service.',
      'f: TargetService.Properties.LoadBalancerInfo.ContainerName is missing.',
      'f: TargetService.Properties.LoadBalancerInfo.ContainerPort must be a port number.',
      'f: hook `Install` is not one of BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic.',
    ])
  })

  it('not YAML, or not an object, says so', () => {
    expect(problems(() => parseAppSpec('a: [', 'f'))[0]).toMatch(/^f is not valid YAML or JSON/)
    expect(problems(() => parseAppSpec('', 'f'))[0]).toMatch(/got an empty file/)
  })

  it('a file that cannot be read names the path', async () => {
    await expect(readAppSpecFile('/nonexistent/appspec.yaml')).rejects.toThrow(/AppSpec file `\/nonexistent\/appspec.yaml` cannot be read/)
    const path = join(mkdtempSync(join(tmpdir(), 'appspec-')), 'appspec.json')
    writeFileSync(path, JSON.stringify(renderAppSpec(appSpecFromService(service) as AppSpec, TD)))
    expect((await readAppSpecFile(path)).Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerName).toBe('app')
  })
})

describe('hooks and content', () => {
  it('input hooks override the file, in CodeDeploy order', () => {
    const spec = { ...(appSpecFromService(service) as AppSpec), Hooks: [{ AfterAllowTraffic: 'late' }, { BeforeInstall: 'file-pre' }] }
    const rendered = renderAppSpec(spec, TD, { BeforeInstall: 'input-pre', AfterInstall: 'after' })
    expect(rendered.Hooks).toEqual([{ BeforeInstall: 'input-pre' }, { AfterInstall: 'after' }, { AfterAllowTraffic: 'late' }])
  })

  it('content is JSON with version 0.0 and its sha256', () => {
    const { content, sha256 } = appSpecContent(renderAppSpec(appSpecFromService(service) as AppSpec, TD))
    expect(content.startsWith('{"version":0.0,"Resources":')).toBe(true)
    expect(JSON.parse(content).Resources[0].TargetService.Properties.TaskDefinition).toBe(TD)
    expect(sha256).toBe(createHash('sha256').update(content).digest('hex'))
  })

  it('the container and port must be in the task definition', () => {
    const spec = appSpecFromService(service) as AppSpec
    expect(checkAgainstTaskDefinition(spec, { family: 'web', containerDefinitions: [{ name: 'app', portMappings: [{ containerPort: 8080 }] }] })).toEqual([])
    expect(checkAgainstTaskDefinition(spec, { family: 'web', containerDefinitions: [{ name: 'api' }] })[0]).toMatch(
      /container `app`, which task definition web does not have \(it has `api`\)/,
    )
    expect(checkAgainstTaskDefinition(spec, { family: 'web', containerDefinitions: [{ name: 'app', portMappings: [{ containerPort: 80 }] }] })[0]).toMatch(
      /port 8080 of container `app`/,
    )
  })
})
