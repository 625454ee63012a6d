// The SDK clients the action uses. Region and credentials come from the standard AWS environment
// (configure-aws-credentials sets them); AWS_ENDPOINT_URL is honoured by the SDK itself, which is how the
// sandbox is reached — there is no special code path for it here.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'

export interface Clients {
  ecs: ECSClient
  ecr: ECRClient
  cloudwatch: CloudWatchClient
  logs: CloudWatchLogsClient
  codedeploy: CodeDeployClient
}

/** Adaptive retry backs off on ThrottlingException ("Rate exceeded") and 5xx before a call is given up. */
const retry = { retryMode: 'adaptive', maxAttempts: 8 } as const

export function createClients(region?: string): Clients {
  const config = { ...retry, ...(region ? { region } : {}), customUserAgent: 'ecs-safe-deploy' }
  return {
    ecs: new ECSClient(config),
    ecr: new ECRClient(config),
    cloudwatch: new CloudWatchClient(config),
    logs: new CloudWatchLogsClient(config),
    codedeploy: new CodeDeployClient(config),
  }
}
