// Walks a request or response body along its model shape and lists what does not fit: wrong JSON types (what AWS's
// deserializer refuses), missing required members and broken constraints (what its validator refuses), and, for
// responses, members the model does not have.
import type { SchemaService, SchemaShape } from './schema.js'

/** A step into a value: a structure member, a list index or a map key. */
export type Step = { member: string } | { index: number } | { key: string }

export type Problem =
  /** The JSON type does not fit the shape (AWS: SerializationException). */
  | { kind: 'type'; path: Step[]; message: string }
  | { kind: 'required'; path: Step[] }
  /** `constraint` in AWS's words: `Member must have length less than or equal to 100`. */
  | { kind: 'constraint'; path: Step[]; value: unknown; constraint: string }
  /** A response member the model does not have. */
  | { kind: 'unknown'; path: Step[] }

export type Direction = 'request' | 'response'

/** Epoch seconds stay below this; epoch milliseconds do not (a response timestamp in ms is a sandbox bug). */
const MAX_EPOCH_SECONDS = 1e11

const JAVA_TYPES: Record<SchemaShape['type'], string> = {
  structure: 'Structure',
  list: 'List',
  map: 'Map',
  string: 'String',
  integer: 'Integer',
  long: 'Long',
  float: 'Float',
  double: 'Double',
  boolean: 'Boolean',
  timestamp: 'Date',
  blob: 'ByteBuffer',
}

const patterns = new Map<string, RegExp>()

/** A model pattern (Java syntax, whole-string match) as a JS RegExp: with the `u` flag for \p{…}, without where `u` rejects Java's escapes. */
function modelPattern(pattern: string): RegExp {
  let re = patterns.get(pattern)
  if (!re) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 'u')
    } catch {
      re = new RegExp(`^(?:${pattern})$`)
    }
    patterns.set(pattern, re)
  }
  return re
}

function jsonToken(value: unknown): string {
  if (typeof value === 'string') return 'STRING_VALUE'
  if (typeof value === 'number') return 'NUMBER_VALUE'
  if (typeof value === 'boolean') return value ? 'TRUE_VALUE' : 'FALSE_VALUE'
  return 'VALUE'
}

/** Why `value` cannot be read as `shape`, in the words of AWS's JSON deserializer; undefined when it can. */
function typeMismatch(shape: SchemaShape, value: unknown, direction: Direction): string | undefined {
  if (shape.document) return undefined
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  const fits = (() => {
    switch (shape.type) {
      case 'structure':
      case 'map':
        return isObject
      case 'list':
        return Array.isArray(value)
      case 'string':
        return typeof value === 'string'
      case 'boolean':
        return typeof value === 'boolean'
      case 'integer':
        return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31
      case 'long':
        return Number.isSafeInteger(value)
      case 'float':
      case 'double':
        return typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity'
      case 'timestamp':
        return typeof value === 'number' && (direction === 'request' || Math.abs(value) < MAX_EPOCH_SECONDS)
      case 'blob':
        return typeof value === 'string' || value instanceof Uint8Array
    }
  })()
  if (fits) return undefined
  if (Array.isArray(value)) return 'Start of list found where not expected.'
  if (isObject) return 'Start of structure or map found where not expected.'
  if (shape.type === 'timestamp' && typeof value === 'number') return `${value} is not in epoch seconds`
  return `${jsonToken(value)} cannot be converted to ${JAVA_TYPES[shape.type]}`
}

/** The constraints a present, well-typed value breaks, in AWS's words. */
function broken(shape: SchemaShape, value: unknown): string[] {
  const out: string[] = []
  const size = typeof value === 'string' || Array.isArray(value) ? value.length : shape.type === 'map' ? Object.keys(value as object).length : undefined
  const unit = size === undefined ? 'value' : 'length'
  const n = size ?? (typeof value === 'number' ? value : undefined)
  if (n !== undefined && shape.type !== 'structure') {
    if (shape.min !== undefined && n < shape.min) out.push(`Member must have ${unit} greater than or equal to ${shape.min}`)
    if (shape.max !== undefined && n > shape.max) out.push(`Member must have ${unit} less than or equal to ${shape.max}`)
  }
  if (typeof value === 'string' && shape.pattern !== undefined && !modelPattern(shape.pattern).test(value)) {
    out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`)
  }
  if (typeof value === 'string' && shape.enum && !shape.enum.includes(value)) {
    out.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`)
  }
  return out
}

const isScalar = (shape: SchemaShape) => shape.type !== 'structure' && shape.type !== 'list' && shape.type !== 'map'

/** Everything in `value` that does not fit the shape `shapeName` of `service`. */
export function check(service: SchemaService, shapeName: string, value: unknown, direction: Direction): Problem[] {
  const problems: Problem[] = []
  walk(service, shapeName, value, [], direction, problems)
  return problems
}

function walk(service: SchemaService, shapeName: string, value: unknown, path: Step[], direction: Direction, problems: Problem[]): void {
  const shape = service.shapes[shapeName]
  const mismatch = typeMismatch(shape, value, direction)
  if (mismatch) {
    problems.push({ kind: 'type', path, message: mismatch })
    return
  }
  for (const constraint of broken(shape, value)) problems.push({ kind: 'constraint', path, value, constraint })
  if (shape.document) return
  if (shape.type === 'structure') {
    const obj = value as Record<string, unknown>
    for (const name of shape.required ?? []) {
      if (obj[name] === undefined || obj[name] === null) problems.push({ kind: 'required', path: [...path, { member: name }] })
    }
    for (const [name, v] of Object.entries(obj)) {
      if (v === undefined || v === null) continue
      const member = shape.members?.[name]
      if (member) walk(service, member, v, [...path, { member: name }], direction, problems)
      // Requests may carry members the model lacks (AWS ignores them); responses must not.
      else if (direction === 'response') problems.push({ kind: 'unknown', path: [...path, { member: name }] })
    }
  } else if (shape.type === 'list') {
    elements(
      service,
      shape.member as string,
      (value as unknown[]).map((v, i) => [{ index: i }, v]),
      value,
      path,
      direction,
      problems,
    )
  } else if (shape.type === 'map') {
    const entries = Object.entries(value as Record<string, unknown>)
    const keyShape = service.shapes[shape.key as string]
    const keyProblems = [...new Set(entries.flatMap(([k]) => broken(keyShape, k)))]
    if (keyProblems.length) problems.push({ kind: 'constraint', path, value, constraint: `Map keys must satisfy constraint: [${keyProblems.join(', ')}]` })
    elements(
      service,
      shape.value as string,
      entries.map(([k, v]) => [{ key: k }, v]),
      value,
      path,
      direction,
      problems,
    )
  }
}

/**
 * List and map elements. Like AWS, a broken constraint of scalar elements is reported once, at the collection
 * (`Member must satisfy constraint: [...]`); structures are walked into (`logEvents.1.member.timestamp`).
 */
function elements(service: SchemaService, shapeName: string, items: [Step, unknown][], whole: unknown, path: Step[], direction: Direction, problems: Problem[]) {
  const shape = service.shapes[shapeName]
  const inner = new Set<string>()
  for (const [step, v] of items) {
    if (v === null || v === undefined) {
      inner.add('Member must not be null')
      continue
    }
    if (!isScalar(shape)) {
      walk(service, shapeName, v, [...path, step], direction, problems)
      continue
    }
    const mismatch = typeMismatch(shape, v, direction)
    if (mismatch) problems.push({ kind: 'type', path: [...path, step], message: mismatch })
    else broken(shape, v).forEach((c) => inner.add(c))
  }
  if (inner.size) problems.push({ kind: 'constraint', path, value: whole, constraint: `Member must satisfy constraint: [${[...inner].join(', ')}]` })
}
