// Reading request members with the validation errors the real services give, so each service stays short.
import { AwsError, type JsonObject } from './types.js'

export class InputReader {
  /** `missingCode`/`invalidCode`: the service's error codes for a missing or badly typed member. */
  constructor(
    private readonly input: JsonObject,
    private readonly missingCode = 'InvalidParameterException',
    private readonly invalidCode = 'InvalidParameterException',
  ) {}

  private missing(name: string): never {
    throw new AwsError(this.missingCode, `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`)
  }

  private invalid(name: string, what: string): never {
    throw new AwsError(this.invalidCode, `Invalid parameter at '${name}': ${what}`)
  }

  string(name: string): string
  string(name: string, optional: true): string | undefined
  string(name: string, optional = false): string | undefined {
    const v = this.input[name]
    if (v === undefined || v === null) return optional ? undefined : this.missing(name)
    if (typeof v !== 'string') return this.invalid(name, 'must be a string')
    if (!optional && v === '') this.invalid(name, 'must not be empty')
    return v
  }

  number(name: string): number
  number(name: string, optional: true): number | undefined
  number(name: string, optional = false): number | undefined {
    const v = this.input[name]
    if (v === undefined || v === null) return optional ? undefined : this.missing(name)
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.invalid(name, 'must be a number')
    return v
  }

  boolean(name: string): boolean | undefined {
    const v = this.input[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'boolean') return this.invalid(name, 'must be a boolean')
    return v
  }

  strings(name: string): string[] | undefined {
    const v = this.input[name]
    if (v === undefined || v === null) return undefined
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return this.invalid(name, 'must be a list of strings')
    return v as string[]
  }

  objects(name: string): JsonObject[]
  objects(name: string, optional: true): JsonObject[] | undefined
  objects(name: string, optional = false): JsonObject[] | undefined {
    const v = this.input[name]
    if (v === undefined || v === null) return optional ? undefined : this.missing(name)
    if (!Array.isArray(v) || v.some((o) => typeof o !== 'object' || o === null || Array.isArray(o))) {
      return this.invalid(name, 'must be a list of objects')
    }
    return v as JsonObject[]
  }

  object(name: string): JsonObject | undefined {
    const v = this.input[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'object' || Array.isArray(v)) return this.invalid(name, 'must be an object')
    return v as JsonObject
  }
}

/** Epoch ms → the wire's epoch seconds (fractions kept). */
export function epochSeconds(ms: number): number {
  return ms / 1000
}

/** Paging over an in-memory list with an opaque numeric token. */
export function page<T>(items: T[], nextToken: string | undefined, max: number | undefined, limit: number, tokenError: string) {
  let start = 0
  if (nextToken !== undefined) {
    start = Number(Buffer.from(nextToken, 'base64url').toString())
    if (!Number.isInteger(start) || start < 0 || start > items.length) throw new AwsError(tokenError, 'The specified nextToken is not valid.')
  }
  const size = Math.min(max ?? limit, limit)
  const slice = items.slice(start, start + size)
  const end = start + slice.length
  return { items: slice, nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined }
}
