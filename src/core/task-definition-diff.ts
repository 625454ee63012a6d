// What a deployment changes: the task definition to register against the one it replaces, in words a reviewer reads
// (image, environment variable names whose values changed, CPU/memory, command, ports, health check, logs). Values
// of variables that look secret, and everything about `secrets`, are never shown: only their names.
import type { ContainerDefinition, RegisterTaskDefinitionCommandInput, TaskDefinition } from '@aws-sdk/client-ecs'

export interface TaskDefinitionChange {
  /** `task` for task-level fields, else the container's name. */
  scope: string
  /** `image`, `environment FOO`, `cpu`, `secret DB_PASSWORD`, … */
  field: string
  /** Shown only when safe to show; `undefined` when added or hidden. */
  from?: string
  to?: string
  /** `added`, `removed`, `changed` (`from` → `to`), or `hidden` (changed; the values are secret). */
  kind: 'added' | 'removed' | 'changed' | 'hidden'
}

type TaskDefinitionLike = RegisterTaskDefinitionCommandInput | TaskDefinition

/** Names that suggest a credential: their values are never printed. */
const SECRET_NAME = /secret|passw|pwd|token|api[_-]?key|access[_-]?key|private|credential|auth|session|signing|salt|cert|dsn|conn(ection)?[_-]?str|database[_-]?url|db[_-]?url/i
/** A value that carries credentials (`postgres://user:pass@host`) or looks like a key, whatever its name. */
const SECRET_VALUE = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@|^(AKIA|ASIA)[A-Z0-9]{16}$|^(ghp|gho|ghs|github_pat|xox[abp]|sk)[_-][A-Za-z0-9_-]{10,}|-----BEGIN /

export const looksSecret = (name: string, value?: string): boolean => SECRET_NAME.test(name) || (value !== undefined && SECRET_VALUE.test(value))

const show = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Stable JSON: keys sorted, so two equal objects compare equal whatever their key order. */
export function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`)
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'undefined'
}

function field(changes: TaskDefinitionChange[], scope: string, name: string, before: unknown, after: unknown): void {
  const from = before === undefined || before === null ? undefined : stable(before)
  const to = after === undefined || after === null ? undefined : stable(after)
  if (from === to) return
  const kind = from === undefined ? 'added' : to === undefined ? 'removed' : 'changed'
  changes.push({ scope, field: name, kind, ...(show(before) !== undefined ? { from: show(before) } : {}), ...(show(after) !== undefined ? { to: show(after) } : {}) })
}

const ports = (c: ContainerDefinition | undefined) =>
  (c?.portMappings ?? [])
    .map((p) => `${p.containerPort ?? '?'}${p.hostPort && p.hostPort !== p.containerPort ? `:${p.hostPort}` : ''}/${p.protocol ?? 'tcp'}${p.name ? ` (${p.name})` : ''}`)
    .join(', ') || undefined

const healthCheck = (c: ContainerDefinition | undefined) => {
  const h = c?.healthCheck
  if (!h) return undefined
  return `${(h.command ?? []).join(' ')} every ${h.interval ?? 30}s, timeout ${h.timeout ?? 5}s, ${h.retries ?? 3} retries, start period ${h.startPeriod ?? 0}s`
}

const logConfiguration = (c: ContainerDefinition | undefined) => {
  const l = c?.logConfiguration
  if (!l) return undefined
  const options = Object.entries(l.options ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
  return `${l.logDriver ?? '?'}${options.length > 0 ? ` (${options.join(', ')})` : ''}`
}

const labels = (c: ContainerDefinition | undefined) =>
  Object.entries(c?.dockerLabels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || undefined

/** Each name whose value differs between `before` and `after`, in name order, with both values (undefined: absent). */
function changedNames(before: Map<string, string>, after: Map<string, string>): [string, string | undefined, string | undefined][] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort()
  return names.flatMap((name) => (before.get(name) === after.get(name) ? [] : [[name, before.get(name), after.get(name)]]))
}

/** A change whose values are not shown. */
const hidden = (scope: string, field: string, from: string | undefined, to: string | undefined): TaskDefinitionChange => ({
  scope,
  field,
  kind: from === undefined ? 'added' : to === undefined ? 'removed' : 'hidden',
})

function environment(changes: TaskDefinitionChange[], scope: string, before: ContainerDefinition | undefined, after: ContainerDefinition | undefined): void {
  const variables = (c: ContainerDefinition | undefined) => new Map((c?.environment ?? []).map((e) => [e.name ?? '', e.value ?? '']))
  for (const [name, from, to] of changedNames(variables(before), variables(after))) {
    const label = `environment ${name}`
    if (looksSecret(name, from) || looksSecret(name, to)) changes.push(hidden(scope, label, from, to))
    else field(changes, scope, label, from, to)
  }
  // Secrets: only names. Even the ARN a value comes from says more than a reviewer needs here.
  const secrets = (c: ContainerDefinition | undefined) => new Map((c?.secrets ?? []).map((s) => [s.name ?? '', s.valueFrom ?? '']))
  for (const [name, from, to] of changedNames(secrets(before), secrets(after))) changes.push(hidden(scope, `secret ${name}`, from, to))
}

/** What `next` changes against `previous`; empty when nothing a reviewer cares about differs. */
export function diffTaskDefinitions(previous: TaskDefinitionLike | undefined, next: TaskDefinitionLike | undefined): TaskDefinitionChange[] {
  if (!previous || !next) return []
  const changes: TaskDefinitionChange[] = []
  field(changes, 'task', 'cpu', previous.cpu, next.cpu)
  field(changes, 'task', 'memory', previous.memory, next.memory)
  field(changes, 'task', 'task role', previous.taskRoleArn, next.taskRoleArn)
  field(changes, 'task', 'execution role', previous.executionRoleArn, next.executionRoleArn)
  field(changes, 'task', 'network mode', previous.networkMode, next.networkMode)
  const old = new Map((previous.containerDefinitions ?? []).map((c) => [c.name ?? '', c]))
  const now = new Map((next.containerDefinitions ?? []).map((c) => [c.name ?? '', c]))
  for (const name of [...new Set([...old.keys(), ...now.keys()])]) {
    const before = old.get(name)
    const after = now.get(name)
    if (!before || !after) {
      changes.push({ scope: name, field: 'container', kind: before ? 'removed' : 'added', ...(after?.image ? { to: after.image } : {}) })
      continue
    }
    field(changes, name, 'image', before.image, after.image)
    environment(changes, name, before, after)
    field(changes, name, 'cpu', before.cpu, after.cpu)
    field(changes, name, 'memory', before.memory, after.memory)
    field(changes, name, 'memory reservation', before.memoryReservation, after.memoryReservation)
    field(changes, name, 'command', before.command?.join(' '), after.command?.join(' '))
    field(changes, name, 'entry point', before.entryPoint?.join(' '), after.entryPoint?.join(' '))
    field(changes, name, 'ports', ports(before), ports(after))
    field(changes, name, 'health check', healthCheck(before), healthCheck(after))
    field(changes, name, 'log configuration', logConfiguration(before), logConfiguration(after))
    field(changes, name, 'docker labels', labels(before), labels(after))
    field(changes, name, 'environment files', before.environmentFiles?.map((f) => f.value).join(', '), after.environmentFiles?.map((f) => f.value).join(', '))
    field(changes, name, 'essential', before.essential ?? true, after.essential ?? true)
  }
  return changes
}

/** One line a person reads: `web: environment LOG_LEVEL: info → debug`, `web: secret DB_PASSWORD: changed (hidden)`. */
export function describeChange(change: TaskDefinitionChange): string {
  const what = `${change.scope === 'task' ? 'task' : `container ${change.scope}`}: ${change.field}`
  switch (change.kind) {
    case 'added':
      return `${what}: added${change.to !== undefined ? ` (${change.to})` : ''}`
    case 'removed':
      return `${what}: removed`
    case 'hidden':
      return `${what}: changed (value not shown)`
    case 'changed':
      return `${what}: ${change.from ?? '—'} → ${change.to ?? '—'}`
  }
}
