// Inputs → one typed, validated object (docker/build-push-action's context.ts pattern).
// `getInputs` reads every input and reports every problem at once.

export type Strategy = 'auto' | 'rolling'
export type RollbackPolicy = 'on-failure' | 'never'

export interface Inputs {
  cluster: string
  service: string
  /** Full image reference to deploy; undefined keeps the task definition's images as they are. */
  image?: string
  /** Container that gets `image`; undefined = decided at render time (the only one, or the one whose repo matches). */
  containerName?: string
  /** Path to a task definition file (JSON or YAML); undefined = the service's live task definition. */
  taskDefinitionFile?: string
  strategy: Strategy
  bakeTimeMs: number
  alarms: string[]
  timeoutMs: number
  rollback: RollbackPolicy
  wait: boolean
}
