// The watches' looks at their service (DescribeServices) and service deployment (DescribeServiceDeployments), shared
// per cluster by the concurrent watches of one run (shared-reads.ts): one call answers every watch of the cluster.
// Callers that look once (the wait for idle, the diagnosis, preflight) keep describeService, a call of their own.
import { DescribeServiceDeploymentsCommand, DescribeServicesCommand, type Service, type ServiceDeployment } from '@aws-sdk/client-ecs'
import type { Clients } from '../aws/clients.js'
import type { RunContext } from './context.js'
import { serviceNotFound } from './service.js'
import { perPoller, SharedReads } from './shared-reads.js'

/** DescribeServices' limit on services, DescribeServiceDeployments' on ARNs. */
const SERVICES_PER_CALL = 10
const SERVICE_DEPLOYMENTS_PER_CALL = 20

/** What DescribeServices said of one service: the service, or ECS's failure reason (`MISSING`). */
type ServiceAnswer = Service | { failure: string }

/** Each name's item; a call for one name takes the one item as today's single-name reads do, whatever it is called. */
function byName<T>(names: string[], items: T[], matches: (item: T, name: string) => boolean): Map<string, T> {
  const found = new Map<string, T>()
  for (const name of names) {
    const item = items.find((i) => matches(i, name)) ?? (names.length === 1 ? items[0] : undefined)
    if (item) found.set(name, item)
  }
  return found
}

const services = perPoller<ServiceAnswer>(
  (clients, poller) =>
    new SharedReads<ServiceAnswer>(
      poller,
      async (call, cluster, names) => {
        const out = await call((options) => clients.ecs.send(new DescribeServicesCommand({ cluster, services: names }), options))
        const found = new Map<string, ServiceAnswer>(byName(names, out.services ?? [], (s, name) => s.serviceName === name || s.serviceArn === name))
        // A failure names the service by ARN: …:service/<cluster>/<name>.
        const failed = byName(names, out.failures ?? [], (f, name) => f.arn === name || (f.arn ?? '').endsWith(`/${name}`))
        for (const [name, f] of failed) if (!found.has(name) && f.reason) found.set(name, { failure: f.reason })
        return found
      },
      SERVICES_PER_CALL,
    ),
)

const serviceDeployments = perPoller<ServiceDeployment>(
  (clients, poller) =>
    new SharedReads<ServiceDeployment>(
      poller,
      async (call, _cluster, arns) => {
        const out = await call((options) => clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: arns }), options))
        return byName(arns, out.serviceDeployments ?? [], (sd, arn) => sd.serviceDeploymentArn === arn)
      },
      SERVICE_DEPLOYMENTS_PER_CALL,
    ),
)

export interface ServiceWatch {
  /** The service, as fresh as a look of one's own (see shared-reads.ts); throws when ECS did not return it. */
  describe(): Promise<Service>
  /** The same, with when its request went out (for a service deployment read no older than it). */
  look(): Promise<{ service: Service; sent: number }>
  close(): void
}

/** Opened once the service was updated (its first look never takes an answer from before), closed when the watch ends. */
export function watchService(clients: Clients, run: RunContext, cluster: string, service: string): ServiceWatch {
  const reader = services(clients, run.poller).watch(cluster, [service], (send) => run.call(send))
  const look = async (): Promise<{ service: Service; sent: number }> => {
    const read = await reader.read()
    const answer = read.values.get(service)
    if (!answer || 'failure' in answer) throw serviceNotFound(cluster, service, answer?.failure)
    return { service: answer, sent: read.sent }
  }
  return {
    describe: async () => (await look()).service,
    look,
    close: () => reader.close(),
  }
}

export interface ServiceDeploymentWatch {
  /** The service deployment; undefined when ECS does not return it. `after`: from a request sent after that one. */
  describe(after?: number): Promise<ServiceDeployment | undefined>
  close(): void
}

/** The service deployment `arn` of `cluster`, looked at with the cluster's other watched service deployments. */
export function watchServiceDeployment(clients: Clients, run: RunContext, cluster: string, arn: string): ServiceDeploymentWatch {
  const reader = serviceDeployments(clients, run.poller).watch(cluster, [arn], (send) => run.call(send))
  return {
    describe: async (after?: number) => (await reader.read(after)).values.get(arn),
    close: () => reader.close(),
  }
}
