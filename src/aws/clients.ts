// The SDK clients the action uses. Region and credentials come from the standard AWS environment
// (configure-aws-credentials sets them); AWS_ENDPOINT_URL is honoured by the SDK itself, which is how the
// sandbox is reached — there is no special code path for it here.
//
// Every call is bounded: a connection timeout, a per-request timeout, and the run's deadline (an abort signal), so
// one call that never answers cannot hang the action. Errors are tagged with the operation that failed. Behind a
// proxy (self-hosted runners), HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured (src/aws/proxy.ts).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { CodeDeployClient } from '@aws-sdk/client-codedeploy'
import { ECRClient } from '@aws-sdk/client-ecr'
import { ECSClient } from '@aws-sdk/client-ecs'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { Deadline } from './deadline.js'
import { proxyAgents } from './proxy.js'

export interface Clients {
  ecs: ECSClient
  ecr: ECRClient
  cloudwatch: CloudWatchClient
  logs: CloudWatchLogsClient
  codedeploy: CodeDeployClient
  /** ECS without the SDK's retries, for calls that must not be applied twice (RegisterTaskDefinition): their caller
   * retries itself after looking whether a lost answer had applied. */
  ecsOnce?: ECSClient
  /** The run's hard stop the clients' calls are bound to; clients made for another region share it. */
  deadline?: Deadline
}

/** Adaptive retry backs off on ThrottlingException ("Rate exceeded") and 5xx before a call is given up. */
const retry = { retryMode: 'adaptive', maxAttempts: 8 } as const

/** ECS, CodeDeploy and CloudWatch control-plane calls answer in well under a second; a call that has said nothing for
 * this long is retried (or given up) rather than waited for. */
const REQUEST_TIMEOUT_MS = 10_000
const CONNECTION_TIMEOUT_MS = 3_000

/** NodeHttpHandler whose every request is also aborted by the run's deadline. */
class DeadlineHttpHandler extends NodeHttpHandler {
  constructor(
    private readonly deadline: Deadline | undefined,
    agents: ReturnType<typeof proxyAgents>,
  ) {
    super({ connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true, ...agents })
  }

  override handle(...[request, options = {}]: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    const own = this.deadline?.signal
    const given = options.abortSignal as AbortSignal | undefined
    const abortSignal = own && given ? AbortSignal.any([own, given]) : (own ?? given)
    return super.handle(request, { ...options, ...(abortSignal ? { abortSignal } : {}) })
  }
}

interface Tagged {
  middlewareStack: { add: (middleware: never, options: { step: 'initialize'; name: string }) => void }
}

/** Puts the operation's name on every error the client throws, so a message can say which call failed. */
function tagErrors(client: Tagged): void {
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown): Promise<unknown> => {
      try {
        return await next(args)
      } catch (error) {
        if (typeof error === 'object' && error !== null && context.commandName) {
          Object.assign(error, { $operation: context.commandName.replace(/Command$/, '') })
        }
        throw error
      }
    }
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'ecsSafeDeployOperationTag' })
}

/** Where the SDK's requests go: AWS_ENDPOINT_URL when set (the SDK's own rule), else the region's AWS endpoints. */
function endpointOf(region: string | undefined): URL {
  const configured = process.env.AWS_ENDPOINT_URL
  return new URL(configured || `https://ecs.${region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'}.amazonaws.com`)
}

export function createClients(options: { region?: string; deadline?: Deadline } = {}): Clients {
  const config = {
    ...retry,
    ...(options.region ? { region: options.region } : {}),
    customUserAgent: 'ecs-safe-deploy',
    requestHandler: new DeadlineHttpHandler(options.deadline, proxyAgents(endpointOf(options.region))),
  }
  const clients: Clients = {
    ecs: new ECSClient(config),
    ecr: new ECRClient(config),
    cloudwatch: new CloudWatchClient(config),
    logs: new CloudWatchLogsClient(config),
    codedeploy: new CodeDeployClient(config),
    ecsOnce: new ECSClient({ ...config, maxAttempts: 1 }),
    ...(options.deadline ? { deadline: options.deadline } : {}),
  }
  for (const client of [clients.ecs, clients.ecsOnce, clients.ecr, clients.cloudwatch, clients.logs, clients.codedeploy]) tagErrors(client as unknown as Tagged)
  return clients
}
