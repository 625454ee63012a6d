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

/** The progressive world with CodeDeploy keeping the blue task set `terminationWaitMinutes` after the shift (an hour
 * unless told; 0 in the world file), so a bake can roll back. */
export function progressiveWithBake(terminationWaitMinutes = 60): WorldSpec {
  const spec = world('progressive.yaml') as WorldSpec & { codeDeploy: { deploymentGroups: Group[] } }
  for (const group of spec.codeDeploy.deploymentGroups) {
    group.blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes = terminationWaitMinutes
  }
  return spec
}

/** The demo world's service with 20 tasks, replaced two at a time (maximumPercent 110): a crash loop takes the
 * circuit breaker (threshold 10) several rounds. */
export function twentyTasks(): WorldSpec {
  const spec = world('demo.yaml')
  const service = spec.services![0] as Record<string, unknown> & { deploymentConfiguration: Record<string, unknown> }
  service.desiredCount = 20
  service.deploymentConfiguration = { ...service.deploymentConfiguration, maximumPercent: 110, minimumHealthyPercent: 100 }
  return spec
}

const ELB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012'
const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com'
/** The role ECS shifts traffic with, in the ECS-native world. */
export const LOAD_BALANCER_ROLE = 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers'

/** A task definition file's content for the demo world's service `web` (Fargate, container `web` running `web:v1`);
 * `extra` adds to the task definition, `container` to its container. */
export function webTaskDefinition(extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    family: 'web',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'web', image: `${ECR}/web:v1`, essential: true, ...container }],
    ...extra,
  }
}

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

/** The services of the release world, in order: `releaseWorld(n)` has the first n. */
export const RELEASE_SERVICES = ['web', 'worker', 'scheduler', 'api', 'mailer', 'search', 'billing', 'reports', 'auth', 'notifier'] as const

/** "Several services, one release": cluster `demo` with `count` rolling Fargate services (`web`, `worker`, `scheduler`,
 * … of RELEASE_SERVICES), 2 tasks each, all built from one monorepo image `app` (`app:v1` running, `app:v2` healthy
 * and pushed). Each service's task definition family and its single container are named after the service, so a
 * behaviour keyed by container name makes one service fail on an image the others run healthy:
 * `sandbox.control.setBehavior('worker=app:v2', { kind: 'crash' })` (see sandbox/README.md, "Behaviours"). */
export function releaseWorld(count = 3): WorldSpec {
  if (count < 1 || count > RELEASE_SERVICES.length) throw new Error(`releaseWorld: 1 to ${RELEASE_SERVICES.length} services, not ${count}`)
  const names = RELEASE_SERVICES.slice(0, count)
  return {
    logGroups: names.map((name) => `/ecs/${name}`),
    repositories: [{ repositoryName: 'app' }],
    images: [
      { repositoryName: 'app', imageTag: 'v1' },
      { repositoryName: 'app', imageTag: 'v2' },
    ],
    behaviors: { 'app:v1': { kind: 'healthy', logLines: ['started (v1)'] }, 'app:v2': { kind: 'healthy', logLines: ['started (v2)'] } },
    clusters: [{ clusterName: 'demo' }],
    taskDefinitions: names.map((name) => ({
      family: name,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
      containerDefinitions: [
        {
          name,
          image: `${ECR}/app:v1`,
          essential: true,
          command: ['node', `${name}.js`],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': `/ecs/${name}`, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': name } },
        },
      ],
    })),
    services: names.map((name) => ({
      cluster: 'demo',
      serviceName: name,
      taskDefinition: `${name}:1`,
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
    })),
  }
}
