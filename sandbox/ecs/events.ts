// Service events in ECS's wording, newest first, at most 100 kept.
import { toEpochSeconds, uuid } from './ids.js'
import type { Service } from './state.js'

const MAX_EVENTS = 100

export function addEvent(service: Service, atMs: number, message: string): void {
  service.events.unshift({ id: uuid(), createdAt: atMs, message: `(service ${service.name}) ${message}` })
  if (service.events.length > MAX_EVENTS) service.events.length = MAX_EVENTS
}

export function eventsWire(service: Service): { id: string; createdAt: number; message: string }[] {
  return service.events.map((e) => ({ id: e.id, createdAt: toEpochSeconds(e.createdAt), message: e.message }))
}

const taskList = (ids: string[]): string => ids.map((id) => `(task ${id})`).join(' ')

export const messages = {
  started: (ids: string[]) => `has started ${ids.length} tasks: ${taskList(ids)}.`,
  stopped: (ids: string[]) => `has stopped ${ids.length} running tasks: ${taskList(ids)}.`,
  steadyState: () => 'has reached a steady state.',
  completed: (deploymentId: string) => `(deployment ${deploymentId}) deployment completed.`,
  failed: (deploymentId: string, why: string) => `(deployment ${deploymentId}) deployment failed: ${why}`,
  rollingBack: (toDeploymentId: string) => `rolling back to deployment ${toDeploymentId}.`,
  failedHealthChecks: (taskId: string) => `(task ${taskId}) failed container health checks.`,
  elbUnhealthy: (taskId: string, port: number | undefined, targetGroupArn: string) =>
    `(task ${taskId}) (port ${port ?? 80}) is unhealthy in (target-group ${targetGroupArn}) due to (reason Health checks failed).`,
}
