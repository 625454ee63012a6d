// A service's deployment history as `rollback-to: previous` reads it (each engine reads its own: ECS's service
// deployments or CodeDeploy's deployments), and the pure choice of the revision to go back to.
import { revisionOf } from '../aws/arn.js'

/** One successful deployment in the service's history, oldest first once sorted. */
export interface Completed {
  taskDefinitionArn: string
  at: Date
  image?: string
  /** The revision it replaced, when the history says. */
  from?: string[]
  id: string
}

export interface History {
  completed: Completed[]
  /** Revisions whose own deployment ended in a rollback. */
  rolledBack: Set<string>
  /** What could not be read (deployments not made by this action on CodeDeploy). */
  notes: string[]
}

/** Newest first: the first completed revision that is not the running one and was never rolled back. */
export function choosePrevious(history: History, running: string): { found?: Completed; skipped: string[] } {
  const completed = [...history.completed].sort((a, b) => a.at.getTime() - b.at.getTime())
  const rolledBack = new Set(history.rolledBack)
  // A successful deployment that goes back to what the one before it replaced rolled that one back.
  for (let i = 1; i < completed.length; i++) {
    const before = completed[i - 1]
    const replaced = before.from ?? (i >= 2 ? [completed[i - 2].taskDefinitionArn] : [])
    if (completed[i].taskDefinitionArn !== before.taskDefinitionArn && replaced.includes(completed[i].taskDefinitionArn)) rolledBack.add(before.taskDefinitionArn)
  }
  // Every rolled-back revision is named, whether its deployment completed first (then rolled back by hand or by the
  // action) or ended in ECS's own rollback.
  const skipped = [...rolledBack].filter((arn) => arn !== running).map((arn) => `${revisionOf(arn, '?')} (rolled back)`)
  const found = completed.reverse().find((c) => c.taskDefinitionArn !== running && !rolledBack.has(c.taskDefinitionArn))
  return { ...(found ? { found } : {}), skipped }
}
