// Input checks with the exceptions and messages ECS uses: InvalidParameterException for bad values,
// ClientException for malformed requests (missing members, wrong types).
import { AwsError, type JsonObject } from '../types.js'

export const invalidParameter = (message: string): AwsError => new AwsError('InvalidParameterException', message)
export const clientError = (message: string): AwsError => new AwsError('ClientException', message)

export function requireString(input: JsonObject, name: string): string {
  const v = input[name]
  if (v === undefined || v === null) throw invalidParameter(`${name} must be specified.`)
  if (typeof v !== 'string') throw clientError(`${name} must be a string.`)
  if (v === '') throw invalidParameter(`${name} can not be blank.`)
  return v
}

export function optionalString(input: JsonObject, name: string): string | undefined {
  const v = input[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw clientError(`${name} must be a string.`)
  return v
}

export function optionalBoolean(input: JsonObject, name: string): boolean | undefined {
  const v = input[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw clientError(`${name} must be a boolean.`)
  return v
}

export function optionalInt(input: JsonObject, name: string, min: number, max: number): number | undefined {
  const v = input[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v)) throw clientError(`${name} must be an integer.`)
  if (v < min || v > max) throw invalidParameter(`${name} must be between ${min} and ${max}, got ${v}.`)
  return v
}

export function optionalEnum<T extends string>(input: JsonObject, name: string, values: readonly T[]): T | undefined {
  const v = optionalString(input, name)
  if (v === undefined) return undefined
  if (!(values as readonly string[]).includes(v)) {
    throw invalidParameter(`${name} '${v}' is not valid. Valid values: ${values.join(', ')}.`)
  }
  return v as T
}

export function optionalObject(input: JsonObject, name: string): JsonObject | undefined {
  const v = input[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw clientError(`${name} must be an object.`)
  return v as JsonObject
}

export function optionalArray(input: JsonObject, name: string): unknown[] | undefined {
  const v = input[name]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw clientError(`${name} must be a list.`)
  return v
}

export function optionalStringList(input: JsonObject, name: string): string[] | undefined {
  const list = optionalArray(input, name)
  if (list === undefined) return undefined
  if (!list.every((x) => typeof x === 'string')) throw clientError(`${name} must be a list of strings.`)
  return list as string[]
}

export function requireStringList(input: JsonObject, name: string, maxItems: number): string[] {
  const list = optionalStringList(input, name)
  if (list === undefined) throw invalidParameter(`${name} must be specified.`)
  if (list.length === 0) throw invalidParameter(`${name} can not be empty.`)
  if (list.length > maxItems) throw invalidParameter(`${name} can have at most ${maxItems} items.`)
  return list
}

export interface Tag {
  key: string
  value: string
}

export function parseTags(input: JsonObject, name = 'tags'): Tag[] | undefined {
  const list = optionalArray(input, name)
  if (list === undefined) return undefined
  if (list.length > 50) throw invalidParameter('Too many tags: at most 50 tags per resource.')
  return list.map((t) => {
    const o = (t ?? {}) as JsonObject
    const key = o.key
    const value = o.value ?? ''
    if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
      throw invalidParameter('Tag keys must be between 1 and 128 characters.')
    }
    if (typeof value !== 'string' || value.length > 256) throw invalidParameter('Tag values must be at most 256 characters.')
    return { key, value }
  })
}

/** Merge tags by key, later ones winning (TagResource semantics). */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.key, t.value]))
  for (const t of added) byKey.set(t.key, t.value)
  return [...byKey].map(([key, value]) => ({ key, value }))
}

/** Opaque pagination: the token is the offset of the next item. */
export function paginate<T>(items: T[], input: JsonObject, maxDefault: number, maxLimit: number): { page: T[]; nextToken?: string } {
  const max = optionalInt(input, 'maxResults', 1, maxLimit) ?? maxDefault
  const token = optionalString(input, 'nextToken')
  let start = 0
  if (token !== undefined) {
    start = Number.parseInt(Buffer.from(token, 'base64').toString('utf8'), 10)
    if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid nextToken.')
  }
  const page = items.slice(start, start + max)
  const next = start + max < items.length ? Buffer.from(String(start + max)).toString('base64') : undefined
  return next === undefined ? { page } : { page, nextToken: next }
}
