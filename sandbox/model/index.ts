// Every request reaches an operation through handleChecked: it is first checked against the operation's model
// input shape (generated from botocore, see schema.ts) and refused the way that service refuses it. In the sandbox's
// own tests (SANDBOX_CHECK_RESPONSES=1, set by jest.config.js) every answer is checked against the output shape
// too, and so is every error code against the operation's modeled errors: a mismatch is a sandbox bug, reported as
// a 500 naming it.
import { AwsError, type AwsService, type JsonObject } from '../types.js'
import { check, type Problem, type Step } from './check.js'
import { requestError } from './request-errors.js'
import { schema, type SchemaService } from './schema.js'

/** Errors any operation may answer besides its modeled ones (the protocol's and throttling). */
const COMMON_ERRORS = new Set(['SerializationException', 'UnknownOperationException', 'ThrottlingException', 'ServiceUnavailableException', 'InternalFailure'])

const responseChecksOn = (): boolean => process.env.SANDBOX_CHECK_RESPONSES === '1'

/** `containers[0].name`, for sandbox developers. */
function jsPath(path: Step[]): string {
  return path.map((s, i) => ('member' in s ? `${i ? '.' : ''}${s.member}` : 'index' in s ? `[${s.index}]` : `[${JSON.stringify(s.key)}]`)).join('') || '(body)'
}

function explain(p: Problem): string {
  const at = jsPath(p.path)
  switch (p.kind) {
    case 'type':
      return `${at}: ${p.message}`
    case 'required':
      return `${at}: required by the model but missing`
    case 'constraint':
      return `${at}: ${JSON.stringify(p.value)} breaks "${p.constraint}"`
    case 'unknown':
      return `${at}: not in the model`
  }
}

/** What is wrong with an answer of `operation` (an empty list when it fits the model). */
export function responseProblems(service: SchemaService, operation: string, body: JsonObject): string[] {
  const op = service.operations[operation]
  if (!op) return [`${operation} is served but has no schema (run scripts/gen-sandbox-schema.ts)`]
  if (!op.output) return Object.keys(body).length ? ['the model has no output for this operation'] : []
  return check(service, op.output, body, 'response').map(explain)
}

/** Validates the request, runs the operation and, when asked to, checks the answer or the error code. */
export function handleChecked(service: AwsService, operation: string, input: JsonObject, checkResponse = responseChecksOn()): JsonObject {
  const model = schema.services[service.targetPrefix]
  const op = model?.operations[operation]
  if (model && op) {
    const refused = requestError(model, operation, op.input ? check(model, op.input, input, 'request') : [])
    if (refused) throw refused
  }
  if (!checkResponse || !model) return service.handle(operation, input)
  let out: JsonObject
  try {
    out = service.handle(operation, input)
  } catch (e) {
    if (e instanceof AwsError && op && !op.errors.includes(e.code) && !COMMON_ERRORS.has(e.code)) {
      throw new Error(`sandbox response check: ${model.name}.${operation} answered ${e.code}, which its model does not declare (${op.errors.join(', ')}): ${e.message}`)
    }
    throw e
  }
  // What goes on the wire: members set to undefined are left out by JSON.
  const problems = responseProblems(model, operation, JSON.parse(JSON.stringify(out)) as JsonObject)
  if (problems.length) throw new Error(`sandbox response check: ${model.name}.${operation}: ${problems.join('; ')}`)
  return out
}
