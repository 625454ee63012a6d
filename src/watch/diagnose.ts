// Why the deployment did not succeed, in words a person acts on: ECS's reason, our deployment's stopped tasks
// (grouped by reason, with stop codes, exit codes and the essential container's last log lines), recent service
// events and the alarms in ALARM. Never throws: what cannot be found out becomes a warning on the timeline.
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type TaskDefinition } from '@aws-sdk/client-ecs'
import type { Clients } from '../aws/clients.js'
import { errorText } from '../aws/errors.js'
import type { CodeDeployFacts, CodeDeployObservation, DeploymentFacts } from '../core/facts.js'
import { stoppedTasksOf } from '../core/facts-view.js'
import { describeStop, groupStoppedTasks, isFailure, stoppedTaskFrom } from '../core/stopped.js'
import type { FailureCause, StoppedTask, Timeline } from '../core/timeline.js'
import { readAlarms } from './alarms.js'
import { addLogTail, listStoppedTasks, until, type Call } from './stopped-tasks.js'

/** The diagnosis is a last look, not a wait: whatever it cannot find out in this time, the reports do without. */
const DIAGNOSIS_BUDGET_MS = 15_000
const MAX_TASKS = 20
const MAX_EVENTS = 10

/** CodeDeploy's own words: the lifecycle event (hook) that failed, else errorInformation. */
function codeDeployHeadline(facts: CodeDeployFacts, cd: CodeDeployObservation): string | undefined {
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

/** What ECS said through the service: only the rolling and ECS-native facts carry these. */
function ecsHeadline(facts: DeploymentFacts): string | undefined {
  if ('ecsRollback' in facts && facts.ecsRollback) return facts.ecsRollback.reason
  if ('final' in facts && facts.final?.rolloutState === 'FAILED' && facts.final.rolloutStateReason) return facts.final.rolloutStateReason
  if ('serviceDeployment' in facts && facts.serviceDeployment?.statusReason && facts.serviceDeployment.status !== 'IN_PROGRESS') return facts.serviceDeployment.statusReason
  if ('supersededBy' in facts && facts.supersededBy) return `Deployment ${facts.deploymentId} was superseded by deployment ${facts.supersededBy.deploymentId}`
  return undefined
}

function headline(facts: DeploymentFacts): string {
  const fired = facts.bake?.fired
  if (fired) return `Alarm ${fired.name} went to ALARM during the bake${fired.reason ? `: ${fired.reason}` : ''}`
  // Each engine's own words: CodeDeploy's facts carry its look at the deployment, ECS's what the service said.
  const codeDeploy = 'codeDeploy' in facts && facts.codeDeploy && codeDeployHeadline(facts, facts.codeDeploy)
  if (codeDeploy) return codeDeploy
  const ecs = ecsHeadline(facts)
  if (ecs) return ecs
  if (facts.error) return facts.error
  if (facts.timedOut) {
    const c = 'final' in facts ? facts.final?.counts : undefined
    return `Timed out: deployment ${facts.deploymentId} ${c ? `had ${c.running}/${c.desired} tasks running, ${c.pending} pending` : 'was not seen'}`
  }
  return `Deployment ${facts.deploymentId ?? ''} did not complete`.trim()
}

/** The alarms in ALARM, with their reasons: the one that ended the bake, those the service deployment saw trigger,
 * then those of input `alarms` in ALARM now. */
async function alarmsInAlarm(clients: Clients, call: Call, facts: DeploymentFacts, note: (what: string, error: unknown) => void): Promise<Map<string, string | undefined>> {
  const alarms = new Map<string, string | undefined>()
  if (facts.bake?.fired) alarms.set(facts.bake.fired.name, facts.bake.fired.reason)
  const triggered = ('serviceDeployment' in facts ? facts.serviceDeployment?.alarms?.triggeredAlarmNames : undefined) ?? []
  for (const name of triggered) if (!alarms.has(name)) alarms.set(name, undefined)
  if (facts.alarms.length > 0) {
    try {
      for (const [name, alarm] of await readAlarms(clients, call, facts.alarms, { stateValue: 'ALARM' })) {
        if (!alarms.get(name)) alarms.set(name, alarm.reason)
      }
    } catch (error) {
      note('read the alarms', error)
    }
  }
  return alarms
}

export async function diagnose(clients: Clients, facts: DeploymentFacts, timeline: Timeline): Promise<FailureCause> {
  const call = until(Date.now() + DIAGNOSIS_BUDGET_MS)
  const note = (what: string, error: unknown): void => timeline.emit({ type: 'warning', at: new Date(), message: `Diagnosis: could not ${what}: ${errorText(error)}` })

  let taskDefinition: TaskDefinition | undefined = facts.taskDefinition
  if (!taskDefinition && facts.taskDefinitionArn) {
    try {
      taskDefinition = (await call((options) => clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: facts.taskDefinitionArn }), options))).taskDefinition
    } catch (error) {
      note(`describe ${facts.taskDefinitionArn}`, error)
    }
  }

  const tasks = [...facts.stoppedTasks]
  const of = stoppedTasksOf(facts)
  if (of) {
    try {
      const known = new Set(tasks.map((t) => t.taskId))
      const found = await listStoppedTasks(clients, call, facts.cluster, of, known)
      tasks.push(...found.map(stoppedTaskFrom))
    } catch (error) {
      note(`list the stopped tasks of ${'deploymentId' in of ? of.deploymentId : of.taskDefinitionArn}`, error)
    }
  }
  // Only tasks that failed explain a failure: those a deployment or its rollback removed on purpose (scaled in, their
  // task set deleted) would blame a healthy revision, so they are counted, not shown.
  const groups = groupStoppedTasks(tasks.filter(isFailure))
  const removedTasks = tasks.length - groups.flat().length
  const stoppedTasks: StoppedTask[] = []
  for (const group of groups) {
    const [first, ...rest] = group
    let lead = first
    if (lead.logTail.length === 0) {
      try {
        lead = await addLogTail(clients, call, lead, taskDefinition)
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
      const out = await call((options) => clients.ecs.send(new DescribeServicesCommand({ cluster: facts.cluster, services: [facts.service] }), options))
      serviceEvents = (out.services?.[0]?.events ?? [])
        .filter((e) => !e.createdAt || e.createdAt >= facts.startedAt)
        .slice(0, MAX_EVENTS)
        .map((e) => e.message ?? '')
    } catch (error) {
      note('read the service events', error)
    }
  }

  const alarms = await alarmsInAlarm(clients, call, facts, note)
  const failing = groups[0]
  const tasksPart = failing ? ` — ${failing.length} task${failing.length === 1 ? '' : 's'} stopped: ${describeStop(failing[0])}` : ''
  return {
    summary: `${headline(facts).replace(/\.$/, '')}${tasksPart}`,
    stoppedTasks: stoppedTasks.slice(0, MAX_TASKS),
    ...(removedTasks > 0 ? { removedTasks } : {}),
    serviceEvents,
    alarms: [...alarms].map(([name, reason]) => (reason ? { name, reason } : { name })),
  }
}
