// The sandbox worlds the demo and the benchmark run.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { WorldSpec } from '../sandbox/index.js'
import { repoRoot } from './action-runner.js'

export const world = (name: string) => parse(readFileSync(join(repoRoot, 'sandbox', 'worlds', name), 'utf8')) as WorldSpec

interface Group {
  blueGreenDeploymentConfiguration: { terminateBlueInstancesOnDeploymentSuccess: { terminationWaitTimeInMinutes: number } }
}

/** The progressive world with CodeDeploy keeping the blue task set an hour after the shift, so a bake can roll back. */
export function progressiveWithBake(): WorldSpec {
  const spec = world('progressive.yaml') as WorldSpec & { codeDeploy: { deploymentGroups: Group[] } }
  for (const group of spec.codeDeploy.deploymentGroups) {
    group.blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes = 60
  }
  return spec
}

const ELB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012'
const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
/** The role ECS shifts traffic with, in the ECS-native world. */
export const LOAD_BALANCER_ROLE = 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers'

/** What ECS's own blue/green, canary and linear deployments need of a load balancer. */
export const advanced = {
  alternateTargetGroupArn: `${ELB}:targetgroup/web-green/0123456789abcdef`,
  productionListenerRule: `${ELB}:listener-rule/app/web/0123456789abcdef/0123456789abcdef/0123456789abcdef`,
  testListenerRule: `${ELB}:listener-rule/app/web/0123456789abcdef/0123456789abcdef/fedcba9876543210`,
  roleArn: LOAD_BALANCER_ROLE,
}
export const loadBalancer = { targetGroupArn: `${ELB}:targetgroup/web-blue/0123456789abcdef`, containerName: 'web', containerPort: 8080 }

/** Cluster `demo`, service `web` (3 Fargate tasks behind a load balancer ready for ECS-native strategies), alarm
 * `web-5xx`; `service` adds to the service, `extra` to the world. */
export function nativeWorld(service: Record<string, unknown>, extra: Partial<WorldSpec> = {}): WorldSpec {
  return {
    repositories: [{ repositoryName: 'web' }],
    images: [{ repositoryName: 'web', imageTag: 'v1' }],
    alarms: [
      {
        AlarmName: 'web-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        state: 'OK',
      },
    ],
    clusters: [{ clusterName: 'demo' }],
    taskDefinitions: [
      {
        family: 'web',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: `${ECR}/web:v1`, essential: true, portMappings: [{ containerPort: 8080, protocol: 'tcp' }] }],
      },
    ],
    services: [
      {
        cluster: 'demo',
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 3,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        loadBalancers: [{ ...loadBalancer, advancedConfiguration: advanced }],
        ...service,
      },
    ],
    ...extra,
  }
}
