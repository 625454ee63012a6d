// Links into the AWS console for what a deployment touched: the service and its deployments, an alarm, a task's log
// stream, a CodeDeploy deployment. The partition (aws, aws-cn, aws-us-gov) and region come from the ARNs the run saw,
// so a link opens the console the resources live in.
import type { DeploymentFacts } from '../core/facts.js'

export interface ConsoleLinks {
  service?: string
  deployment?: string
  codeDeploy?: string
  alarm: (name: string) => string
  /** `logLocation` is `group stream`, as the diagnosis records it. */
  logStream: (logLocation: string) => string | undefined
  task: (taskId: string) => string
}

/** `{ partition, region }` of an ARN (`arn:aws-cn:ecs:cn-north-1:…`). */
export function arnPlace(arn: string | undefined): { partition: string; region: string } | undefined {
  const m = /^arn:(aws[a-z-]*):[^:]*:([a-z0-9-]+):/.exec(arn ?? '')
  return m ? { partition: m[1], region: m[2] } : undefined
}

/** The console's origin for a partition and region. */
function consoleOrigin(partition: string, region: string): string {
  if (partition === 'aws-cn') return `https://${region}.console.amazonaws.cn`
  if (partition === 'aws-us-gov') return `https://${region}.console.amazonaws-us-gov.com`
  return `https://${region}.console.aws.amazon.com`
}

/** The CloudWatch console's fragment encoding: URI-encoded, then `%` as `$25` (`/` becomes `$252F`). */
const fragment = (text: string) => encodeURIComponent(text).replace(/%/g, '$25')

export function consoleLinks(facts: DeploymentFacts, region?: string): ConsoleLinks | undefined {
  const serviceDeploymentArn = 'serviceDeploymentArn' in facts ? facts.serviceDeploymentArn : undefined
  const place = arnPlace(facts.taskDefinitionArn) ?? arnPlace(facts.previousTaskDefinitionArn) ?? arnPlace(serviceDeploymentArn)
  const where = place ?? (region ? { partition: region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws', region } : undefined)
  if (!where) return undefined
  const origin = consoleOrigin(where.partition, where.region)
  const q = `region=${where.region}`
  const service = `${origin}/ecs/v2/clusters/${encodeURIComponent(facts.cluster)}/services/${encodeURIComponent(facts.service)}`
  const codeDeployId = 'codeDeploy' in facts ? facts.codeDeploy?.deploymentId : undefined
  return {
    service: `${service}/health?${q}`,
    deployment: facts.deploymentId || serviceDeploymentArn ? `${service}/deployments?${q}` : undefined,
    codeDeploy: codeDeployId ? `${origin}/codesuite/codedeploy/deployments/${encodeURIComponent(codeDeployId)}?${q}` : undefined,
    alarm: (name) => `${origin}/cloudwatch/home?${q}#alarmsV2:alarm/${encodeURIComponent(name)}`,
    logStream: (logLocation) => {
      const [group, stream] = logLocation.split(' ')
      if (!group || !stream) return undefined
      return `${origin}/cloudwatch/home?${q}#logsV2:log-groups/log-group/${fragment(group)}/log-events/${fragment(stream)}`
    },
    task: (taskId) => `${origin}/ecs/v2/clusters/${encodeURIComponent(facts.cluster)}/tasks/${encodeURIComponent(taskId)}/configuration?${q}`,
  }
}
