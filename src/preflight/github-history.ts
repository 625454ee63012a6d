// `rollback-to: previous`'s third witness: this action's GitHub deployment records (read-only). Each record's payload
// names the task definition it deployed; a record whose statuses include `failure` (the run ended rolled-back,
// failed or timed-out) marks that revision as rolled back, whatever the ECS or CodeDeploy history says of it — a
// release the action rolled back after its bake alarm completed in ECS first. Reading them is best effort: without a
// token or outside GitHub Actions there is nothing to read, and an error only adds a note.
import { getOctokit } from '@actions/github'
import type { GitHubInputs } from '../inputs/context.js'

const RECORDS = 30
const TIMEOUT_MS = 10_000

interface Payload {
  cluster?: string
  service?: string
  taskDefinitionArn?: string | null
}

export async function githubRolledBack(
  settings: GitHubInputs,
  cluster: string,
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ rolledBack: string[]; note?: string }> {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!settings.deployment || !settings.token || !owner || !repo) return { rolledBack: [] }
  const octokit = getOctokit(settings.token, { ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}), request: { signal: AbortSignal.timeout(TIMEOUT_MS) } })
  const rolledBack = new Set<string>()
  try {
    const { data } = await octokit.rest.repos.listDeployments({ owner, repo, environment: settings.environment, per_page: RECORDS })
    for (const deployment of data) {
      const payload = (typeof deployment.payload === 'string' ? safeJson(deployment.payload) : deployment.payload) as Payload
      if (!payload?.taskDefinitionArn || payload.cluster !== cluster || payload.service !== service) continue
      const statuses = await octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: deployment.id, per_page: 10 })
      if (statuses.data.some((s) => s.state === 'failure')) rolledBack.add(payload.taskDefinitionArn)
    }
  } catch (err) {
    return { rolledBack: [...rolledBack], note: `the GitHub deployment records could not be read (${(err as Error).message}), so only the service's own history was used` }
  }
  return { rolledBack: [...rolledBack] }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
