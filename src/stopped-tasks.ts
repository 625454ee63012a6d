// Stopped tasks in words: stop code, reason, container exit codes, and the last log lines the essential
// container wrote (awslogs). Used live by the watcher and again by the diagnosis.
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeTasksCommand, ListTasksCommand, type Task, type TaskDefinition } from '@aws-sdk/client-ecs'
import type { Clients } from './aws-clients.js'
import { revisionOf } from './register.js'
import type { StoppedTask } from './timeline.js'

/** Runs one AWS call; the watcher passes its budgeted poller, the diagnosis calls directly. */
export type Call = <T>(send: () => Promise<T>) => Promise<T>
export const direct: Call = (send) => send()

export const LOG_TAIL_LINES = 10

export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1)
}

export function stoppedTaskFrom(task: Task): StoppedTask {
  return {
    taskId: taskIdOf(task.taskArn ?? ''),
    taskDefinitionArn: task.taskDefinitionArn,
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    containers: (task.containers ?? []).map((c) => ({
      name: c.name ?? '',
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
    logTail: [],
  }
}

/** Tasks that stopped for the same reason with the same exit codes are one kind of failure. */
export function kindOf(task: StoppedTask): string {
  const codes = task.containers.map((c) => `${c.name}=${c.exitCode ?? ''}`).join(',')
  return `${task.stopCode ?? ''}|${task.stoppedReason ?? ''}|${codes}`
}

/** Old tasks replaced on purpose by a deployment are not failures. */
export function isScaledIn(task: StoppedTask): boolean {
  return task.stopCode === 'ServiceSchedulerInitiated' && /^Scaling activity initiated by/.test(task.stoppedReason ?? '')
}

/**
 * Stopped tasks of one deployment (ListTasks startedBy + DescribeTasks), STOPPED ones only — or, for tasks that carry
 * no deployment id of ours (a CodeDeploy task set's), those of one task definition revision (ListTasks family).
 */
export async function listStoppedTasks(
  clients: Clients,
  call: Call,
  cluster: string,
  of: { deploymentId: string } | { taskDefinitionArn: string },
  skip: ReadonlySet<string> = new Set(),
): Promise<Task[]> {
  const filter =
    'deploymentId' in of
      ? { startedBy: of.deploymentId }
      : { family: revisionOf(of.taskDefinitionArn, '').split(':')[0] }
  const arns: string[] = []
  let nextToken: string | undefined
  do {
    const page = await call(() => clients.ecs.send(new ListTasksCommand({ cluster, ...filter, desiredStatus: 'STOPPED', nextToken })))
    arns.push(...(page.taskArns ?? []))
    nextToken = page.nextToken
  } while (nextToken && arns.length < 100)
  const fresh = arns.filter((arn) => !skip.has(taskIdOf(arn))).slice(0, 100)
  if (fresh.length === 0) return []
  const described = await call(() => clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: fresh })))
  // A task asked to stop may still be stopping; its exit code comes once it is STOPPED.
  return (described.tasks ?? []).filter(
    (t) => t.lastStatus === 'STOPPED' && ('deploymentId' in of || t.taskDefinitionArn === of.taskDefinitionArn),
  )
}

/** The container whose logs explain the stop: an essential one that exited non-zero, else the first essential. */
function explainingContainer(task: StoppedTask, taskDefinition: TaskDefinition): string | undefined {
  const defs = taskDefinition.containerDefinitions ?? []
  const essential = defs.filter((d) => d.essential !== false).map((d) => d.name ?? '')
  const failed = task.containers.find((c) => essential.includes(c.name) && c.exitCode !== undefined && c.exitCode !== 0)
  return failed?.name ?? essential[0]
}

/** Fills `logTail`/`logLocation` of a stopped task from CloudWatch Logs when its container logs with awslogs. */
export async function addLogTail(
  clients: Clients,
  call: Call,
  task: StoppedTask,
  taskDefinition: TaskDefinition | undefined,
): Promise<StoppedTask> {
  if (!taskDefinition) return task
  const container = explainingContainer(task, taskDefinition)
  const def = taskDefinition.containerDefinitions?.find((d) => d.name === container)
  const options = def?.logConfiguration?.logDriver === 'awslogs' ? def.logConfiguration.options : undefined
  const group = options?.['awslogs-group']
  const prefix = options?.['awslogs-stream-prefix']
  // Without a stream prefix the stream name is the container id, which DescribeTasks does not give us.
  if (!container || !group || !prefix) return task
  const stream = `${prefix}/${container}/${task.taskId}`
  const logLocation = `${group} ${stream}`
  let out
  try {
    out = await call(() =>
      clients.logs.send(
        new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: LOG_TAIL_LINES, startFromHead: false }),
      ),
    )
  } catch (error) {
    // A task that stopped before its container ran never created its stream: it has nothing to tell.
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return task
    throw error
  }
  const logTail = (out.events ?? []).map((e) => (e.message ?? '').replace(/\n$/, '')).slice(-LOG_TAIL_LINES)
  return { ...task, logTail, logLocation }
}
