// The ECS controller's deployment history (rolling and ECS-native services), for `rollback-to: previous`:
// ListServiceDeployments → DescribeServiceDeployments → DescribeServiceRevisions. A revision whose service deployment
// ended in a rollback (ROLLBACK_*) counts as rolled back.
import { DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, ListServiceDeploymentsCommand, type Service } from '@aws-sdk/client-ecs'
import { revisionOf } from '../aws/arn.js'
import type { Clients } from '../aws/clients.js'
import type { History } from '../core/history.js'

const HISTORY_PAGES = 3

const chunks = <T>(list: T[], size: number): T[][] => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size))

/** The ECS controller's service deployments and the revisions they deployed. */
export async function ecsHistory(clients: Clients, service: Service): Promise<History> {
  const arns: string[] = []
  let nextToken: string | undefined
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const out = await clients.ecs.send(
      new ListServiceDeploymentsCommand({ cluster: service.clusterArn, service: service.serviceArn ?? service.serviceName, maxResults: 100, nextToken }),
    )
    arns.push(...(out.serviceDeployments ?? []).map((d) => d.serviceDeploymentArn ?? '').filter((a) => a !== ''))
    nextToken = out.nextToken
    if (!nextToken) break
  }
  const deployments = []
  for (const batch of chunks(arns, 20)) {
    deployments.push(...((await clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: batch }))).serviceDeployments ?? []))
  }
  const revisionArns = [
    ...new Set(deployments.flatMap((d) => [d.targetServiceRevision?.arn, ...(d.sourceServiceRevisions ?? []).map((r) => r.arn)]).filter((a): a is string => !!a)),
  ]
  const revisions = new Map<string, { taskDefinition?: string; image?: string }>()
  for (const batch of chunks(revisionArns, 20)) {
    for (const r of (await clients.ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch }))).serviceRevisions ?? []) {
      const image = r.containerImages?.find((c) => c.imageDigest)
      revisions.set(r.serviceRevisionArn ?? '', {
        taskDefinition: r.taskDefinition,
        ...(image ? { image: image.image?.includes('@') ? image.image : `${image.image?.replace(/:[^:/]+$/, '')}@${image.imageDigest}` } : {}),
      })
    }
  }
  const history: History = { completed: [], rolledBack: new Set(), notes: [] }
  for (const d of deployments) {
    const target = revisions.get(d.targetServiceRevision?.arn ?? '')
    if (!target?.taskDefinition) continue
    if (d.status === 'SUCCESSFUL') {
      const from = (d.sourceServiceRevisions ?? []).map((r) => revisions.get(r.arn ?? '')?.taskDefinition).filter((t): t is string => !!t)
      history.completed.push({
        taskDefinitionArn: target.taskDefinition,
        at: d.finishedAt ?? d.updatedAt ?? d.createdAt ?? new Date(0),
        ...(target.image ? { image: target.image } : {}),
        from,
        id: revisionOf(d.serviceDeploymentArn, '?'),
      })
    } else if (d.status?.startsWith('ROLLBACK_')) history.rolledBack.add(target.taskDefinition)
  }
  return history
}
