// The one way to read an AWS error: its name, the operation it came from, whether it is throttling, transient, a
// call that did not answer, and how it reads in a message.

/** The fields AWS SDK v3 errors carry; `$operation` is added by the clients' middleware (src/aws/clients.ts). */
interface AwsErrorShape {
  name?: string
  message?: string
  Code?: string
  $metadata?: { httpStatusCode?: number }
  $operation?: string
}

const shape = (error: unknown): AwsErrorShape => (typeof error === 'object' && error !== null ? (error as AwsErrorShape) : {})

/** The error's name as AWS gives it (`ThrottlingException`, `AccessDeniedException`), or '' for a non-error. */
export function errorName(error: unknown): string {
  const e = shape(error)
  return e.name && e.name !== 'Error' ? e.name : (e.Code ?? e.name ?? '')
}

/** The operation (`DescribeServices`) whose call failed, when the clients tagged it. */
function operationOf(error: unknown): string | undefined {
  return shape(error).$operation
}

/** The error names the SDK itself treats as throttling (see aws-api.md §1). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ThrottledException',
  'LimitExceededException',
])

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(errorName(error)) || shape(error).$metadata?.httpStatusCode === 429
}

/** The call got no answer in time: the per-request timeout, or the run's deadline aborted it. */
export function isNoAnswer(error: unknown): boolean {
  const name = errorName(error)
  return name === 'TimeoutError' || name === 'AbortError' || name === 'RequestTimeout'
}

/** 5xx, dropped connections and calls that did not answer: worth another look after a pause, unlike a 4xx that says
 * we asked wrongly. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  if (isNoAnswer(error)) return true
  const status = shape(error).$metadata?.httpStatusCode
  if (status !== undefined) return status >= 500
  return /ECONNRESET|ECONNREFUSED|socket hang up|EPIPE|ETIMEDOUT/i.test(`${error.name} ${error.message}`)
}

/** `Name: message`, with network wrappers unwrapped; a call that did not answer says which call and for how long. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const operation = operationOf(error)
  if (isNoAnswer(error)) {
    const ms = /(\d+) ms/.exec(error.message)?.[1]
    const why = errorName(error) === 'AbortError' ? 'before the deadline' : ms ? `within ${Number(ms) / 1000} s` : `(${error.message.replace(/\.$/, '')})`
    return `${operation ?? 'An AWS call'} did not answer ${why}`
  }
  const message = error.message.replace(/^AWS SDK error wrapper for /, '')
  const name = errorName(error)
  return name && name !== 'Error' && !message.startsWith(`${name}:`) ? `${name}: ${message}` : message
}

/** A failed AWS call as one problem line: which call, what AWS said, and what usually fixes it. */
export function callProblem(call: string, error: unknown): string {
  const name = errorName(error) || 'Error'
  let hint = ''
  if (name === 'CredentialsProviderError' || ['UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredTokenException', 'ExpiredToken'].includes(name)) {
    hint = ' Check the AWS credentials (for example aws-actions/configure-aws-credentials before this step).'
  } else if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    hint = ` The role needs permission for ${call}.`
  }
  if (isNoAnswer(error)) return `${call} failed: ${errorText(error)}.`
  const message = errorText(error).replace(/\.$/, '')
  return `${call} failed: ${message.startsWith(`${name}:`) ? message : `${name}: ${message}`}.${hint}`
}
