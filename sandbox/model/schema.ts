// The request and response shapes of the operations the sandbox serves, generated from AWS's botocore models by
// scripts/gen-sandbox-schema.ts into aws-schema.json (see that file's `source` for the versions).
import { readFileSync } from 'node:fs'

/** A botocore shape, reduced to what validation needs. Members, `member`, `key` and `value` name other shapes. */
export interface SchemaShape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob'
  members?: Record<string, string>
  required?: string[]
  member?: string
  key?: string
  value?: string
  enum?: string[]
  /** Length for strings, lists and maps; value for numbers. */
  min?: number
  max?: number
  /** A Java regular expression the whole string must match. */
  pattern?: string
  union?: boolean
  document?: boolean
}

export interface SchemaOperation {
  input?: string
  output?: string
  /** Error codes the model declares, as they appear on the wire. */
  errors: string[]
}

export interface SchemaService {
  /** The sandbox's name for it (`ecs`, `cloudwatch`...). */
  name: string
  serviceId: string
  apiVersion: string
  protocol: string
  awsQueryCompatible?: boolean
  operations: Record<string, SchemaOperation>
  /** Operations of the model the sandbox does not serve. */
  unserved: string[]
  shapes: Record<string, SchemaShape>
}

export interface Schema {
  source: { generator: string; botocore: string; apiVersions: Record<string, string>; additions: string[]; licence: string }
  /** By X-Amz-Target prefix. */
  services: Record<string, SchemaService>
}

export const schema = JSON.parse(readFileSync(new URL('./aws-schema.json', import.meta.url), 'utf8')) as Schema
