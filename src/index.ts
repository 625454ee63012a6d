// The action's entry point (dist/index.js after bundling).
import * as core from '@actions/core'
import { run } from './main.js'

run().catch((error: unknown) => {
  core.setFailed(error instanceof Error ? (error.stack ?? error.message) : String(error))
})
