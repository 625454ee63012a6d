// Why the deployment did not succeed, in words a person acts on: ECS's reason, our deployment's stopped tasks
// (grouped by reason, with stop codes, exit codes and the essential container's last log lines), recent service
// events and the alarms in ALARM. Never throws: what cannot be found out becomes a warning on the timeline.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch'
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type TaskDefinition } from '@aws-sdk/client-ecs'
import type { Clients } from './aws-clients.js'
import type { CodeDeployObservation, DeploymentFacts } from './facts.js'
import { errorText } from './poller.js'
import { addLogTail, direct, isScaledIn, kindOf, listStoppedTasks, stoppedTaskFrom } from './stopped-tasks.js'
import type { FailureCause, StoppedTask, Timeline } from './timeline.js'

const MAX_TASKS = 20
const MAX_EVENTS = 10

/** Failures before tasks scaled in on purpose; within each, the most frequent kind first. */
export function groupStoppedTasks(tasks: StoppedTask[]): StoppedTask[][] {
  const groups = new Map<string, StoppedTask[]>()
  for (const task of tasks) {
    const kind = kindOf(task)
    groups.set(kind, [...(groups.get(kind) ?? []), task])
  }
  return [...groups.values()].sort(
    (a, b) => Number(isScaledIn(a[0])) - Number(isScaledIn(b[0])) || b.length - a.length,
  )
}

/** "Essential container in task exited (exit code 1 in app)" */
export function describeStop(task: StoppedTask): string {
  const exited = task.containers.filter((c) => c.exitCode !== undefined)
  // A sidecar that exited 0 because the task stopped is noise next to the container that failed.
  const failed = exited.filter((c) => c.exitCode !== 0)
  const codes = (failed.length > 0 ? failed : exited).map((c) => `exit code ${c.exitCode} in ${c.name}`)
  const reason = task.stoppedReason ?? task.stopCode ?? 'stopped'
  return codes.length > 0 ? `${reason} (${codes.join(', ')})` : reason
}

/** CodeDeploy's own words: the lifecycle event (hook) that failed, else errorInformation. */
function codeDeployHeadline(facts: DeploymentFacts, cd: CodeDeployObservation): string | undefined {
  const event = cd.failedEvent
  if (event) {
    const what = facts.hook?.name === event.name && facts.hook.target ? `Hook ${event.name} (Lambda ${facts.hook.target})` : `Lifecycle event ${event.name}`
    return `${what} failed${event.errorCode && event.errorCode !== 'ScriptFailed' ? ` [${event.errorCode}]` : ''}${event.message ? `: ${event.message}` : ''}`
  }
  if (cd.errorInformation?.message) return cd.errorInformation.message
  if (cd.errorInformation?.code) return `CodeDeploy deployment ${cd.deploymentId} ended ${cd.status} (${cd.errorInformation.code})`
  if (facts.timedOut) return `Timed out: CodeDeploy deployment ${cd.deploymentId} was ${cd.status ?? 'not seen'}`
  return undefined
}

function headline(facts: DeploymentFacts): string {
  const fired = facts.bake?.fired
  if (fired) return `Alarm ${fired.name} went to ALARM during the bake${fired.reason ? `: ${fired.reason}` : ''}`
  const codeDeploy = facts.codeDeploy && codeDeployHeadline(facts, facts.codeDeploy)
  if (codeDeploy) return codeDeploy
  if (facts.ecsRollback) return facts.ecsRollback.reason
  if (facts.final?.rolloutState === 'FAILED' && facts.final.rolloutStateReason) return facts.final.rolloutStateReason
  if (facts.serviceDeployment?.statusReason && facts.serviceDeployment.status !== 'IN_PROGRESS') return facts.serviceDeployment.statusReason
  if (facts.supersededBy) return `Deployment ${facts.deploymentId} was superseded by deployment ${facts.supersededBy.deploymentId}`
  if (facts.error) return facts.error
  if (facts.timedOut) {
    const c = facts.final?.counts
    return `Timed out: deployment ${facts.deploymentId} ${c ? `had ${c.running}/${c.desired} tasks running, ${c.pending} pending` : 'was not seen'}`
  }
  return `Deployment ${facts.deploymentId ?? ''} did not complete`.trim()
}

export async function diagnose(clients: Clients, facts: DeploymentFacts, timeline: Timeline): Promise<FailureCause> {
  const note = (what: string, error: unknown): void =>
    timeline.emit({ type: 'warning', at: new Date(), message: `Diagnosis: could not ${what}: ${errorText(error)}` })

  let taskDefinition: TaskDefinition | undefined = facts.taskDefinition
  if (!taskDefinition && facts.taskDefinitionArn) {
    try {
      taskDefinition = (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: facts.taskDefinitionArn }))).taskDefinition
    } catch (error) {
      note(`describe ${facts.taskDefinitionArn}`, error)
    }
  }

  const tasks = [...facts.stoppedTasks]
  // A CodeDeploy task set's tasks do not carry the deployment id: find them by our task definition revision.
  const of = facts.codeDeploy
    ? facts.taskDefinitionArn && { taskDefinitionArn: facts.taskDefinitionArn }
    : facts.deploymentId && { deploymentId: facts.deploymentId }
  if (of) {
    try {
      const known = new Set(tasks.map((t) => t.taskId))
      const found = await listStoppedTasks(clients, direct, facts.cluster, of, known)
      tasks.push(...found.map(stoppedTaskFrom))
    } catch (error) {
      note(`list the stopped tasks of ${'deploymentId' in of ? of.deploymentId : of.taskDefinitionArn}`, error)
    }
  }
  const groups = groupStoppedTasks(tasks)
  const stoppedTasks: StoppedTask[] = []
  for (const group of groups) {
    const [first, ...rest] = group
    let lead = first
    if (lead.logTail.length === 0 && !isScaledIn(lead)) {
      try {
        lead = await addLogTail(clients, direct, lead, taskDefinition)
      } catch (error) {
        note(`read the logs of task ${lead.taskId}`, error)
      }
    }
    stoppedTasks.push(lead, ...rest)
  }

  let serviceEvents = timeline.events
    .flatMap((e) => (e.type === 'service-event' ? [e.message] : []))
    .reverse()
    .slice(0, MAX_EVENTS)
  if (serviceEvents.length === 0) {
    try {
      const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: facts.cluster, services: [facts.service] }))
      serviceEvents = (out.services?.[0]?.events ?? [])
        .filter((e) => !e.createdAt || e.createdAt >= facts.startedAt)
        .slice(0, MAX_EVENTS)
        .map((e) => e.message ?? '')
    } catch (error) {
      note('read the service events', error)
    }
  }

  const alarms = new Map<string, string | undefined>()
  if (facts.bake?.fired) alarms.set(facts.bake.fired.name, facts.bake.fired.reason)
  for (const name of facts.serviceDeployment?.alarms?.triggeredAlarmNames ?? []) if (!alarms.has(name)) alarms.set(name, undefined)
  if (facts.alarms.length > 0) {
    try {
      const out = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: facts.alarms.slice(0, 100), StateValue: 'ALARM' }))
      for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        if (a.AlarmName && !alarms.get(a.AlarmName)) alarms.set(a.AlarmName, a.StateReason)
      }
    } catch (error) {
      note('read the alarms', error)
    }
  }

  const failing = groups.find((g) => !isScaledIn(g[0]))
  const tasksPart = failing ? ` — ${failing.length} task${failing.length === 1 ? '' : 's'} stopped: ${describeStop(failing[0])}` : ''
  return {
    summary: `${headline(facts).replace(/\.$/, '')}${tasksPart}`,
    stoppedTasks: stoppedTasks.slice(0, MAX_TASKS),
    serviceEvents,
    alarms: [...alarms].map(([name, reason]) => (reason ? { name, reason } : { name })),
  }
}
