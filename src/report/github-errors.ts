// Why a GitHub API call of the deployment record failed, told apart so the advice fits: no answer at all (DNS, a
// refused connection, TLS, a timeout), a refused token (401), a missing permission (403), a rate limit (403/429), a
// repository the token cannot see (404), a request GitHub rejected (422), or GitHub's own error (5xx).

/** The fields Octokit's RequestError (and a fetch failure it wraps) carry. */
export interface HttpError {
  name?: string
  status?: number
  message?: string
  response?: { headers?: Record<string, string | undefined> }
  cause?: unknown
}

const PERMISSION = '`permissions: deployments: write`'

/** The text of the network error under Octokit's wrapper (`getaddrinfo ENOTFOUND api.github.com`). */
function networkText(error: HttpError): string {
  const causes: string[] = [error.message ?? '']
  for (let cause = error.cause; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) {
    causes.push(`${(cause as { code?: string }).code ?? ''} ${cause.message}`)
  }
  return causes.join(' ')
}

/** Why no answer came, and what to check. */
function noAnswer(error: HttpError, api: string): string {
  const text = networkText(error)
  if (error.name === 'AbortError' || /aborted|timed? ?out|ETIMEDOUT|UND_ERR_.*TIMEOUT/i.test(text)) {
    return `GitHub did not answer in time (${api}): the record is skipped for this run; check the runner's network or proxy if it keeps happening`
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return `GitHub did not answer: the runner cannot resolve the API's host (${api}); check GITHUB_API_URL and the runner's DNS or proxy`
  if (/ECONNREFUSED/.test(text)) return `GitHub did not answer: the connection to ${api} was refused; check GITHUB_API_URL and the runner's network or proxy`
  if (/certificate|CERT_|SSL|TLS|self[- ]signed/i.test(text)) {
    return `GitHub did not answer: TLS to ${api} failed; on GitHub Enterprise Server with a private CA, give the runner the CA (NODE_EXTRA_CA_CERTS)`
  }
  return `GitHub did not answer (${api}): check the runner's network or proxy`
}

/** One sentence: what happened to `operation` and what to do about it. */
export function recordFailure(operation: string, error: HttpError, api: string): string {
  const status = error.status
  const message = error.message ?? 'unknown error'
  // Octokit reports a request that got no HTTP answer as status 500 without a response.
  if (!error.response || status === undefined) return `${operation}: ${noAnswer(error, api)} (${networkText(error).trim()})`
  const headers = error.response.headers ?? {}
  const said = `${operation} answered ${status} (${message})`
  if (status === 429 || headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)) {
    const retry = headers['retry-after'] ? `; GitHub asks to wait ${headers['retry-after']} s` : ''
    return `${said}: GitHub rate-limited the token${retry}. The record is skipped for this run; too many jobs share the token's limit`
  }
  if (status === 401) return `${said}: GitHub refused the token; check the \`github-token\` input (a revoked or expired token)`
  if (status === 403) return `${said}: the token may not write deployments; give the job ${PERMISSION}`
  if (status === 404) return `${said}: the token cannot see the repository or its deployments; check GITHUB_REPOSITORY and the token's repository access`
  if (status === 422) return `${said}: GitHub rejected the request; check the \`environment\` name and that the commit (GITHUB_SHA) is on GitHub`
  if (status >= 500) return `${said}: GitHub had a server error; nothing to change, the next run records as usual`
  return `${said}: the call failed`
}
