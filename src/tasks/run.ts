// A one-off task of the new revision (`pre-deploy-command`, `post-deploy-command`): RunTask where the service runs
// (its cluster, network configuration, capacity provider strategy or launch type, platform version, tags), waited for
// on the run's one poll loop within the deployment's deadline, explained like a stopped task of a deployment (stop
// reason, stop code, exit code, log tail), and stopped when the deadline or the release's stop comes first.
import { mutate, retriedLine } from '../aws/mutate.js'
import { randomUUID } from 'node:crypto'
import { DescribeTasksCommand, RunTaskCommand, StopTaskCommand, type RunTaskCommandInput, type Service, type Task } from '@aws-sdk/client-ecs'
import { taskIdOf } from '../aws/arn.js'
import type { Clients } from '../aws/clients.js'
import { errorText } from '../aws/errors.js'
import type { DeploymentFacts } from '../core/facts.js'
import type { OneOffTask, OneOffWhen } from '../core/one-off.js'
import { stoppedTaskFrom } from '../core/stopped.js'
import type { Timeline } from '../core/timeline.js'
import { consoleLinks } from '../report/console.js'
import type { RunContext } from '../watch/context.js'
import { pollLoop } from '../watch/loop.js'
import { addLogTail, direct, type Call } from '../watch/stopped-tasks.js'

/** What to run, decided once for the run (src/tasks/spec.ts). */
export interface OneOffSpec {
  when: OneOffWhen
  cluster: string
  /** The service whose network the task runs in, as preflight's DescribeServices (include TAGS) returned it. */
  service: Service
  container: string
  command: string[]
  /** The command as the input gave it, for messages. */
  commandText: string
  environment: { name: string; value: string }[]
  startedBy: string
}

/** Where in the lifecycle a one-off task runs (engines/lifecycle.ts hands it these). */
export interface OneOffStep {
  taskDefinitionArn: string
  facts: DeploymentFacts
  run: RunContext
  timeline: Timeline
  deadline: number
  /** Handed the task as soon as it was started (a cancel stops it). */
  onStarted: (task: OneOffTask) => void
}

/** RunTask's input: the service's placement and tags, the command and environment for the container. */
function runTaskInput(spec: OneOffSpec, taskDefinitionArn: string): RunTaskCommandInput {
  const s = spec.service
  const providers = s.capacityProviderStrategy ?? []
  // AWS reserves `aws:` tags; RunTask refuses propagateTags SERVICE, so the service's tags are passed as they are.
  const tags = (s.tags ?? []).filter((t) => !(t.key ?? '').startsWith('aws:'))
  return {
    cluster: spec.cluster,
    taskDefinition: taskDefinitionArn,
    count: 1,
    ...(providers.length > 0 ? { capacityProviderStrategy: providers } : s.launchType ? { launchType: s.launchType } : {}),
    ...(s.platformVersion ? { platformVersion: s.platformVersion } : {}),
    ...(s.networkConfiguration ? { networkConfiguration: s.networkConfiguration } : {}),
    overrides: { containerOverrides: [{ name: spec.container, command: spec.command, ...(spec.environment.length > 0 ? { environment: spec.environment } : {}) }] },
    startedBy: spec.startedBy,
    ...(tags.length > 0 ? { tags } : {}),
    ...(s.enableECSManagedTags ? { enableECSManagedTags: true } : {}),
    // A retry after a lost answer starts no second task.
    clientToken: randomUUID(),
  }
}

/** Runs the task and waits for it; never throws: how it ended is on the task returned. */
export async function runOneOff(clients: Clients, spec: OneOffSpec, step: OneOffStep): Promise<OneOffTask> {
  const { run, timeline } = step
  const task: OneOffTask = { when: spec.when, command: spec.commandText, container: spec.container, startedAt: new Date(run.clock.now()), end: 'not-started' }
  timeline.emit({ type: 'phase', at: task.startedAt, phase: spec.when, detail: `running \`${spec.commandText}\` in container ${spec.container}` })
  try {
    // One clientToken for every attempt: a throttled RunTask sent again starts one task.
    const input = runTaskInput(spec, step.taskDefinitionArn)
    const send = () => run.call((options) => clients.ecs.send(new RunTaskCommand(input), options))
    const out = await run.within(step.deadline, () => mutate('RunTask', send, step.deadline, (r) => timeline.emit({ type: 'warning', at: new Date(), message: retriedLine(r) })))
    const started = out.tasks?.[0]
    if (!started?.taskArn) {
      const failure = out.failures?.[0]
      task.problem = failure ? `RunTask answered ${failure.reason ?? 'a failure'}${failure.detail ? ` (${failure.detail})` : ''}` : 'RunTask started no task'
      return finish(task, run)
    }
    task.taskArn = started.taskArn
    task.consoleUrl = consoleLinks(step.facts)?.task(taskIdOf(started.taskArn))
    step.onStarted(task)
    timeline.emit({ type: 'tasks-started', at: new Date(run.clock.now()), taskIds: [taskIdOf(started.taskArn)] })
  } catch (error) {
    task.problem = `RunTask failed: ${errorText(error)}`
    return finish(task, run)
  }
  await waitFor(clients, spec, step, task)
  return finish(task, run)
}

async function waitFor(clients: Clients, spec: OneOffSpec, step: OneOffStep, task: OneOffTask): Promise<void> {
  const { run, timeline } = step
  const arn = task.taskArn!
  let last: string | undefined
  try {
    const looped = await pollLoop<Task>(run, timeline, step.deadline, { doing: `waiting for the ${spec.when} task` }, async () => {
      const out = await run.call((options) => clients.ecs.send(new DescribeTasksCommand({ cluster: spec.cluster, tasks: [arn] }), options))
      const seen = out.tasks?.[0]
      if (seen && seen.lastStatus === 'STOPPED') return { end: seen }
      const changed = seen?.lastStatus !== last
      last = seen?.lastStatus
      return { changed }
    })
    if ('end' in looped) return await ended(clients, step, task, looped.end, spec.container)
    task.end = looped.cut === 'deadline' ? 'timed-out' : 'stopped'
    if (looped.cut === 'stopped') task.problem = looped.why
  } catch (error) {
    task.end = 'error'
    task.problem = errorText(error)
  }
  await stopOneOff(clients, spec.cluster, arn, `ecs-safe-deploy: ${task.end === 'timed-out' ? 'timed out' : (task.problem ?? task.end)}`.slice(0, 255), direct)
}

/** The stopped task in ECS's words, with its container's exit code and log tail. */
async function ended(clients: Clients, step: OneOffStep, task: OneOffTask, seen: Task, container: string): Promise<void> {
  const call: Call = (send) => step.run.call(send)
  let stopped = stoppedTaskFrom(seen)
  stopped = await addLogTail(clients, call, stopped, step.facts.taskDefinition).catch(() => stopped)
  task.stopped = stopped
  task.exitCode = stopped.containers.find((c) => c.name === container)?.exitCode
  // No exit code: the container never ran (an image it could not pull, a missing log group, no capacity).
  task.end = task.exitCode === undefined ? 'not-started' : 'exited'
}

function finish(task: OneOffTask, run: RunContext): OneOffTask {
  task.finishedAt = new Date(run.clock.now())
  return task
}

/** StopTask on a one-off task; false when it could not be stopped (it is then left to its own end). */
export async function stopOneOff(clients: Clients, cluster: string, taskArn: string, reason: string, call: Call): Promise<boolean> {
  try {
    await mutate('StopTask', () => call((options) => clients.ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason }), options)), clients.deadline?.hardStop ?? Date.now())
    return true
  } catch {
    return false
  }
}
