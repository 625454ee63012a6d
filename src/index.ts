// The action's entry point (dist/index.js after bundling). The runner runs it twice: as the main step and, after the
// job's other steps, as the post step (`runs.post`), which ends the ECR login the main step may have left and, after a
// cancelled run, reports (and on request rolls back) the deployment that was in flight.
import * as core from '@actions/core'
import { logoutFromEcr } from './build/ecr-login.js'
import { run } from './main.js'
import { postAfterCancel } from './post.js'
import { isPostStep, markMainStep, savedEcrLogin, savedInFlight } from './state-helper.js'

async function post(): Promise<void> {
  const login = savedEcrLogin()
  if (login) await logoutFromEcr(login)
  // A release's services one after another: each report goes into the one job summary.
  for (const state of savedInFlight()) await postAfterCancel(state)
}

if (isPostStep()) {
  post().catch((error: unknown) => core.warning(`Post step: ${error instanceof Error ? error.message : String(error)}`))
} else {
  markMainStep()
  run().catch((error: unknown) => {
    core.setFailed(error instanceof Error ? (error.stack ?? error.message) : String(error))
  })
}
