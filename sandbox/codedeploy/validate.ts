// Input checks with CodeDeploy's own exception names (each problem has its exception; none carries members).
import { randomBytes, randomUUID } from 'node:crypto'
import { AwsError, type JsonObject } from '../types.js'

export const cdError = (code: string, message: string): AwsError => new AwsError(code, message)

/** A string member; `missingCode` is the exception when it is absent or empty. */
export function requireName(input: JsonObject, name: string, missingCode: string): string {
  const v = input[name]
  if (v === undefined || v === null || v === '') throw cdError(missingCode, `${name} is required.`)
  if (typeof v !== 'string') throw cdError('InvalidInputException', `${name} must be a string.`)
  return v
}

export function optionalName(input: JsonObject, name: string): string | undefined {
  const v = input[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw cdError('InvalidInputException', `${name} must be a string.`)
  return v
}

export function optionalObj(input: JsonObject, name: string, code = 'InvalidInputException'): JsonObject | undefined {
  const v = input[name]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || Array.isArray(v)) throw cdError(code, `${name} must be an object.`)
  return v as JsonObject
}

export const toEpochSeconds = (ms: number): number => ms / 1000

export const newUuid = (): string => randomUUID()

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
/** `d-` and 9 uppercase letters or digits, as CodeDeploy deployment ids. */
export function newDeploymentId(): string {
  return `d-${Array.from(randomBytes(9), (b) => ID_CHARS[b % ID_CHARS.length]).join('')}`
}

/** An opaque token, as CodeDeploy's lifecycle event hook execution ids are. */
export function newHookExecutionId(): string {
  return randomBytes(48).toString('base64').replace(/[+/=]/g, '').slice(0, 56)
}
