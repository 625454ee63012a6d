// Names out of ARNs, in one place.

/** `web:42` from a task definition ARN, or `fallback` when there is none. */
export function revisionOf(arn: string | undefined, fallback: string): string {
  return arn ? arn.slice(arn.lastIndexOf('/') + 1) : fallback
}

/** `web` from a task definition ARN or `web:42`. */
export function familyOf(arn: string): string {
  return revisionOf(arn, '').split(':')[0]
}

/** The id at the end of a task ARN. */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1)
}

/** The last part of a name-or-ARN whose ARN contains `marker` (`:cluster/`), else the name itself. */
export function nameOf(nameOrArn: string, marker: string): string {
  return nameOrArn.includes(marker) ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn
}
