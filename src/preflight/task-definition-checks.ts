// The rendered task definition, checked before it is registered: ECS's size limit, and the CloudWatch Logs groups its
// awslogs containers write to. A missing group is not an error ECS gives at registration: every task of the new
// revision stops with ResourceInitializationError, and the circuit breaker rolls back minutes later. One read-only
// call per group says so now.
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs'
import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { createClients, type Clients } from '../aws/clients.js'
import { callProblem } from '../aws/errors.js'

/** RegisterTaskDefinition takes at most this many bytes of JSON ("the maximum size of a task definition is 64 KiB"). */
const MAX_TASK_DEFINITION_BYTES = 65_536

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** A problem when the task definition, as the RegisterTaskDefinition input in JSON, is over ECS's limit. */
export function sizeProblem(taskDefinition: RegisterTaskDefinitionCommandInput, where: string): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(taskDefinition), 'utf8')
  if (bytes <= MAX_TASK_DEFINITION_BYTES) return undefined
  return (
    `${capitalize(where)} is ${bytes.toLocaleString('en-US')} bytes as RegisterTaskDefinition JSON: ECS accepts at most ` +
    `${MAX_TASK_DEFINITION_BYTES.toLocaleString('en-US')} (64 KiB); move large values out of it (environment values to secrets in SSM Parameter Store or Secrets Manager, or an environmentFiles entry in S3).`
  )
}

/**
 * Every awslogs group of the task definition that does not exist (and that the container does not create with
 * `awslogs-create-group: "true"`) is a problem. When DescribeLogGroups itself fails (say the role may not call it),
 * nothing is proved: that is a warning, never a refusal.
 */
export async function checkLogGroups(
  clients: Clients,
  taskDefinition: RegisterTaskDefinitionCommandInput,
  region: string | undefined,
  where: string,
): Promise<{ problems: string[]; warnings: string[] }> {
  // region → group → containers writing to it
  const groups = new Map<string, Map<string, string[]>>()
  for (const container of taskDefinition.containerDefinitions ?? []) {
    const log = container.logConfiguration
    const options = log?.options ?? {}
    const group = options['awslogs-group']
    if (log?.logDriver !== 'awslogs' || !group || options['awslogs-create-group']?.toLowerCase() === 'true') continue
    const groupRegion = options['awslogs-region'] || region || ''
    const inRegion = groups.get(groupRegion) ?? new Map<string, string[]>()
    inRegion.set(group, [...(inRegion.get(group) ?? []), container.name ?? '?'])
    groups.set(groupRegion, inRegion)
  }
  const problems: string[] = []
  const warnings: string[] = []
  const checks: Promise<void>[] = []
  for (const [groupRegion, inRegion] of groups) {
    const logs = groupRegion === '' || groupRegion === region ? clients.logs : createClients({ region: groupRegion, deadline: clients.deadline }).logs
    for (const [group, containers] of inRegion) {
      checks.push(
        (async () => {
          try {
            // The exact name sorts first among the groups it is a prefix of.
            const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group, limit: 50 }))
            if ((out.logGroups ?? []).some((g) => g.logGroupName === group)) return
            const who = containers.length === 1 ? `container \`${containers[0]}\`` : `containers ${containers.map((c) => `\`${c}\``).join(', ')}`
            problems.push(
              `${capitalize(where)}: ${who} ${containers.length === 1 ? 'logs' : 'log'} to CloudWatch Logs group \`${group}\`` +
                `${groupRegion ? ` in ${groupRegion}` : ''} (logConfiguration awslogs-group), which does not exist: every task would stop with ResourceInitializationError ` +
                `and the deployment would be rolled back minutes later. Create the group (aws logs create-group --log-group-name ${group}), fix the name, ` +
                `or set \`awslogs-create-group: "true"\` in the logConfiguration options (the task execution role then needs logs:CreateLogGroup).`,
            )
          } catch (err) {
            warnings.push(
              `Could not check that CloudWatch Logs group \`${group}\` exists: ${callProblem('CloudWatch Logs DescribeLogGroups', err)} ` +
                `If the group does not exist, every task of the new revision stops with ResourceInitializationError.`,
            )
          }
        })(),
      )
    }
  }
  await Promise.all(checks)
  return { problems: problems.sort(), warnings: warnings.sort() }
}
