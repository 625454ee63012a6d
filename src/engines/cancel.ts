// What every engine's post-step look after a cancel answers.

export interface AfterCancel {
  /** Where the deployment stood, in words. */
  where: string
  /** It had ended (completed, failed or rolled back) before the post step looked. */
  finished: boolean
  /** The rollback the post step asked for, in words. */
  rolledBack?: string
}
