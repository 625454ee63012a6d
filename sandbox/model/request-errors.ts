// The error each service answers a request its model rejects with, in that service's code and wording:
// - wrong JSON types: SerializationException (`STRING_VALUE cannot be converted to Integer`), every service;
// - ECS, CloudWatch Logs: InvalidParameterException `1 validation error detected: Value '5000' at 'limit' failed to
//   satisfy constraint: Member must have value less than or equal to 10000` (ECS answers its own checks the same way);
// - CloudWatch (query-compatible): MissingParameter `The parameter AlarmName is required.`, else ValidationError
//   with the same `N validation errors detected` text;
// - ECR: InvalidParameterException `Invalid parameter at 'registryId' failed to satisfy constraint: '…'`;
// - CodeDeploy: the member's own exception from the operation's model (InvalidApplicationNameException,
//   ApplicationNameRequiredException, InvalidDeploymentIdException…), ValidationException when it has none.
import { AwsError } from '../types.js'
import type { Problem, Step } from './check.js'
import type { SchemaService } from './schema.js'

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1)
const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/** `logEvents.1.member.timestamp`, as AWS's validator names a member. */
function validatorPath(path: Step[]): string {
  return path.map((s) => ('member' in s ? lowerFirst(s.member) : 'index' in s ? `${s.index + 1}.member` : s.key)).join('.')
}

/** `MetricData.member.16.Dimensions.member.3.Value`, as the query protocol names a parameter. */
function queryPath(path: Step[]): string {
  return path.map((s) => ('member' in s ? s.member : 'index' in s ? `member.${s.index + 1}` : s.key)).join('.')
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`
  if (value && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${show(v)}`)
      .join(', ')}}`
  return String(value)
}

function described(p: Problem): string {
  if (p.kind === 'required') return `Value null at '${validatorPath(p.path)}' failed to satisfy constraint: Member must not be null`
  if (p.kind === 'constraint') return `Value '${show(p.value)}' at '${validatorPath(p.path)}' failed to satisfy constraint: ${p.constraint}`
  return ''
}

function validationMessage(problems: Problem[]): string {
  const n = problems.length
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${problems.map(described).join('; ')}`
}

/** CodeDeploy names its exceptions after the member: applicationName → ApplicationNameRequiredException / InvalidApplicationNameException. */
function codeDeployError(service: SchemaService, operation: string, problem: Problem): string {
  const op = service.operations[operation]
  const first = problem.path[0]
  const member = first && 'member' in first ? first.member : ''
  const shape = service.shapes[op.input as string]?.members?.[member] ?? ''
  const names = [...new Set([upperFirst(member), upperFirst(member).replace(/s$/, ''), shape, shape.replace(/List$/, ''), shape.replace(/s$/, '')])].filter(Boolean)
  const wanted = problem.kind === 'required' ? (n: string) => new RegExp(`^\\w*${n}RequiredException$`) : (n: string) => new RegExp(`^Invalid\\w*${n}Exception$`)
  for (const n of names) {
    const found = op.errors.find((e) => wanted(n).test(e))
    if (found) return found
  }
  return 'ValidationException'
}

/** The error for a request with `problems` (none: undefined). */
export function requestError(service: SchemaService, operation: string, problems: Problem[]): AwsError | undefined {
  const serialization = problems.find((p) => p.kind === 'type')
  if (serialization?.kind === 'type') return new AwsError('SerializationException', serialization.message)
  const invalid = problems.filter((p) => p.kind === 'required' || p.kind === 'constraint')
  if (invalid.length === 0) return undefined
  switch (service.serviceId) {
    case 'CloudWatch': {
      const missing = invalid.filter((p) => p.kind === 'required')
      if (missing.length) return new AwsError('MissingParameter', missing.map((p) => `The parameter ${queryPath(p.path)} is required.`).join('\n'))
      return new AwsError('ValidationError', validationMessage(invalid))
    }
    case 'ECR': {
      const p = invalid[0]
      const constraint = p.kind === 'constraint' ? p.constraint : 'Member must not be null'
      return new AwsError('InvalidParameterException', `Invalid parameter at '${validatorPath(p.path)}' failed to satisfy constraint: '${constraint}'`)
    }
    case 'CodeDeploy':
      return new AwsError(codeDeployError(service, operation, invalid[0]), validationMessage([invalid[0]]))
    default:
      return new AwsError('InvalidParameterException', validationMessage(invalid))
  }
}
