// The action's entry point (dist/index.js after bundling). The runner runs it twice: as the main step and, after the
// job's other steps, as the post step (`runs.post`), which ends the ECR login the main step may have left.
import * as core from '@actions/core'
import { logoutFromEcr } from './build/ecr-login.js'
import { run } from './main.js'
import { isPostStep, markMainStep, savedEcrLogin } from './state-helper.js'

async function post(): Promise<void> {
  const login = savedEcrLogin()
  if (login) await logoutFromEcr(login)
}

if (isPostStep()) {
  post().catch((error: unknown) => core.warning(`Post step: ${error instanceof Error ? error.message : String(error)}`))
} else {
  markMainStep()
  run().catch((error: unknown) => {
    core.setFailed(error instanceof Error ? (error.stack ?? error.message) : String(error))
  })
}
