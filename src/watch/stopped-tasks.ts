// Stopped tasks of our deployment: found with ListTasks/DescribeTasks, with the last log lines the essential
// container wrote (awslogs). Collected live by the watch (StoppedTaskCollector) and again by the diagnosis.
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { DescribeTasksCommand, ListTasksCommand, type Task, type TaskDefinition } from '@aws-sdk/client-ecs'
import { familyOf, taskIdOf } from '../aws/arn.js'
import type { Clients } from '../aws/clients.js'
import { errorText, errorName, isThrottling } from '../aws/errors.js'
import { kindOf, stoppedTaskFrom } from '../core/stopped.js'
import type { StoppedTask, Timeline } from '../core/timeline.js'
import type { RunContext } from './context.js'
import type { CallOptions } from './poller.js'

/** Runs one AWS call; the watch passes its run context's, the diagnosis calls directly. */
export type Call = <T>(send: (options: CallOptions) => Promise<T>) => Promise<T>
export const direct: Call = (send) => send({})
/** Calls that end, answered or not, by `until` (epoch ms). */
export const until =
  (epochMs: number): Call =>
  (send) =>
    send({ abortSignal: AbortSignal.timeout(Math.max(1, epochMs - Date.now())) })

// Enough to reach back past a stack trace to its throw site; the reports pick the telling lines (tellingTail).
const LOG_TAIL_LINES = 50

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
  const filter = 'deploymentId' in of ? { startedBy: of.deploymentId } : { family: familyOf(of.taskDefinitionArn) }
  const arns: string[] = []
  let nextToken: string | undefined
  do {
    const page = await call((options) => clients.ecs.send(new ListTasksCommand({ cluster, ...filter, desiredStatus: 'STOPPED', nextToken }), options))
    arns.push(...(page.taskArns ?? []))
    nextToken = page.nextToken
  } while (nextToken && arns.length < 100)
  const fresh = arns.filter((arn) => !skip.has(taskIdOf(arn))).slice(0, 100)
  if (fresh.length === 0) return []
  const described = await call((options) => clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: fresh }), options))
  // A task asked to stop may still be stopping; its exit code comes once it is STOPPED.
  return (described.tasks ?? []).filter((t) => t.lastStatus === 'STOPPED' && ('deploymentId' in of || t.taskDefinitionArn === of.taskDefinitionArn))
}

/** The container whose logs explain the stop: an essential one that exited non-zero, else the first essential. */
function explainingContainer(task: StoppedTask, taskDefinition: TaskDefinition): string | undefined {
  const defs = taskDefinition.containerDefinitions ?? []
  const essential = defs.filter((d) => d.essential !== false).map((d) => d.name ?? '')
  const failed = task.containers.find((c) => essential.includes(c.name) && c.exitCode !== undefined && c.exitCode !== 0)
  return failed?.name ?? essential[0]
}

/** Fills `logTail`/`logLocation` of a stopped task from CloudWatch Logs when its container logs with awslogs. */
export async function addLogTail(clients: Clients, call: Call, task: StoppedTask, taskDefinition: TaskDefinition | undefined): Promise<StoppedTask> {
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
    out = await call((options) => clients.logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: LOG_TAIL_LINES, startFromHead: false }), options))
  } catch (error) {
    // A task that stopped before its container ran never created its stream: it has nothing to tell.
    if (errorName(error) === 'ResourceNotFoundException') return task
    throw error
  }
  const logTail = (out.events ?? []).map((e) => (e.message ?? '').replace(/\n$/, '')).slice(-LOG_TAIL_LINES)
  return { ...task, logTail, logLocation }
}

/**
 * Stopped tasks of one deployment not yet shown, as the watch finds them: a `tasks-stopped` event per batch, the log
 * tail of the first task of each kind. A failed lookup is left wanted, for the next look.
 */
export class StoppedTaskCollector {
  readonly stopped: StoppedTask[] = []
  /** Set when something hinted that tasks stopped (a service event, a failed count). */
  wanted = false
  private readonly ids = new Set<string>()
  private readonly kinds = new Set<string>()
  private logsProblemShown = false

  constructor(
    private readonly clients: Clients,
    private readonly run: RunContext,
    private readonly timeline: Timeline,
    private readonly cluster: string,
    private readonly of: { deploymentId: string } | { taskDefinitionArn: string },
    private readonly taskDefinition: TaskDefinition | undefined,
  ) {}

  /** True when new stopped tasks were found. */
  async collect(): Promise<boolean> {
    const call: Call = (send) => this.run.call(send)
    try {
      const tasks = await listStoppedTasks(this.clients, call, this.cluster, this.of, this.ids)
      this.wanted = false
      if (tasks.length === 0) return false
      const fresh: StoppedTask[] = []
      for (const task of tasks) {
        let stopped = stoppedTaskFrom(task)
        this.ids.add(stopped.taskId)
        const kind = kindOf(stopped)
        if (!this.kinds.has(kind)) {
          this.kinds.add(kind)
          stopped = await this.withLogTail(stopped, call)
        }
        fresh.push(stopped)
      }
      this.stopped.push(...fresh)
      this.timeline.emit({ type: 'tasks-stopped', at: new Date(this.run.clock.now()), tasks: fresh })
      return true
    } catch (error) {
      if (isThrottling(error)) this.run.throttled++
      return false
    }
  }

  private async withLogTail(task: StoppedTask, call: Call): Promise<StoppedTask> {
    try {
      return await addLogTail(this.clients, call, task, this.taskDefinition)
    } catch (error) {
      if (!this.logsProblemShown) {
        this.logsProblemShown = true
        this.timeline.emit({ type: 'warning', at: new Date(this.run.clock.now()), message: `Could not read the task's logs: ${errorText(error)}` })
      }
      return task
    }
  }
}
