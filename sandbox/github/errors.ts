// GitHub's REST error shape: {"message", "errors"?, "documentation_url", "status"} (status as a string, as GitHub sends it).

export class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra members, e.g. `errors` of a "Validation Failed". */
    readonly extra: Record<string, unknown> = {},
    /** Defaults to the page of the operation that failed. */
    readonly documentationUrl?: string,
  ) {
    super(message)
  }

  body(operationDocs: string): Record<string, unknown> {
    return { message: this.message, ...this.extra, documentation_url: this.documentationUrl ?? operationDocs, status: String(this.status) }
  }
}

/** A body that breaks the operation's JSON schema. */
export function invalidRequest(detail: string): GitHubError {
  return new GitHubError(422, `Invalid request.\n\n${detail}`)
}

/** A body that passes the schema but breaks a model rule. */
export function validationFailed(resource: string, field: string, message: string): GitHubError {
  return new GitHubError(422, 'Validation Failed', { errors: [{ resource, code: 'custom', field, message }] })
}
