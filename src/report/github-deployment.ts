// The GitHub deployment record (Deployments REST API): one deployment for the commit in `environment`, an
// `in_progress` status once the deployment starts, its phase as the status description while it runs (at most once
// every 10 s), and the final state. It never fails or delays the ECS deployment: every call is queued and sent in the
// background, the first call GitHub refuses ends the record for the run with one warning, and `main.ts` waits for the
// queue at the end for a bounded time only.
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { revisionOf } from '../aws/arn.js'
import type { Outcome, Timeline, TimelineEvent } from '../core/timeline.js'
import { recordFailure, type HttpError } from './github-errors.js'

/** What the record is created with (the inputs `github-*`, `environment`, `environment-url`). */
export interface GitHubDeploymentSettings {
  /** false: no record. */
  deployment: boolean
  token?: string
  environment: string
  environmentUrl?: string
}

/** What is known of the deployment when it starts, for the deployment's payload. */
export interface RecordStart {
  cluster: string
  service: string
  engine: string
  previousTaskDefinitionArn?: string
  image?: string
  /** The task definition this run deploys, and ECS's or CodeDeploy's deployment id: what a later rollback needs. */
  taskDefinitionArn?: string
  deploymentId?: string
  /** A release of several services: each one's. */
  services?: { service: string; engine: string; previousTaskDefinitionArn: string; taskDefinitionArn?: string; deploymentId?: string }[]
}

type State = 'in_progress' | 'success' | 'failure' | 'error'

/** GitHub's limit on a status description. */
const DESCRIPTION_MAX = 140
/** Phase descriptions are sent at most this often. */
const UPDATE_EVERY_MS = 10_000
const clip = (text: string): string => (text.length <= DESCRIPTION_MAX ? text : `${text.slice(0, DESCRIPTION_MAX - 1)}…`)

/** The status description a timeline event moves the record to, if any. */
export function describePhase(event: TimelineEvent, engine: string): string | undefined {
  switch (event.type) {
    case 'phase':
      return {
        register: 'registering the task definition',
        deploy: 'deploying',
        watch: 'watching',
        bake: 'baking',
        rollback: 'rolling back',
        'pre-deploy': 'running the pre-deploy command',
        'post-deploy': 'running the post-deploy command',
      }[event.phase as string]
    case 'deployment':
      return `${engine === 'rolling' ? 'rolling' : 'new tasks'} ${event.counts.running}/${event.counts.desired}`
    case 'traffic-shifted':
      return `${event.label} traffic ${event.to}%`
    case 'hook-waiting':
      return `waiting for ${event.hook}`
    case 'rollback':
      return 'rolling back'
    default:
      return undefined
  }
}

/** The final state of the record for an outcome. */
export function stateOf(outcome: Outcome): State {
  switch (outcome) {
    case 'succeeded':
      return 'success'
    case 'started':
    case 'awaiting-approval':
      return 'in_progress'
    case 'rolled-back':
    case 'failed':
    case 'timed-out':
      return 'failure'
    case 'cancelled':
      return 'error'
  }
}

export class GitHubDeploymentRecord {
  private octokit?: ReturnType<typeof getOctokit>
  private owner = ''
  private repo = ''
  private logUrl?: string
  private id?: number
  private abandoned = false
  private finished = false
  private begun = false
  private queue: Promise<void> = Promise.resolve()
  private readonly abort = new AbortController()
  private lastSentAt = 0
  private lastDescription?: string
  private pending?: string
  private timer?: ReturnType<typeof setTimeout>
  private engine = ''

  constructor(
    private readonly settings: GitHubDeploymentSettings,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly now: () => number = Date.now,
  ) {}

  /** The deployment's id once GitHub created it. */
  get deploymentId(): number | undefined {
    return this.id
  }

  /** `start` was called (whether or not a record is kept). */
  get started(): boolean {
    return this.begun
  }

  /**
   * Queues the deployment and its `in_progress` status, and follows `timeline`'s phases. Skipped when turned off, and
   * with one notice saying why when there is no token, GITHUB_REPOSITORY or GITHUB_SHA (no call is made).
   */
  start(timeline: Timeline, start: RecordStart, reuse?: (payload: Record<string, unknown>) => boolean): void {
    this.begun = true
    const env = this.env
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
    const sha = env.GITHUB_SHA
    if (!this.settings.deployment) return core.debug('GitHub deployment record: off (github-deployment: false).')
    const token = this.settings.token
    if (!token || !owner || !repo || !sha) {
      const missing = [!token && 'no `github-token`', !(owner && repo) && 'no GITHUB_REPOSITORY', !sha && 'no GITHUB_SHA'].filter(Boolean)
      return core.notice(`GitHub deployment record skipped (${missing.join(', ')}): nothing was sent to GitHub; set \`github-deployment: false\` to silence this.`, {
        title: 'ecs-safe-deploy: GitHub deployment record',
      })
    }
    this.owner = owner
    this.repo = repo
    this.engine = start.engine
    this.octokit = getOctokit(token, { ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}), request: { signal: this.abort.signal } })
    if (env.GITHUB_RUN_ID) {
      const server = env.GITHUB_SERVER_URL || 'https://github.com'
      this.logUrl = `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT || '1'}`
    }
    // A branch or tag by name, as GitHub shows it; anything else (a pull request's merge ref) by the commit.
    const ref = env.GITHUB_REF_NAME && /^refs\/(heads|tags)\//.test(env.GITHUB_REF ?? '') ? env.GITHUB_REF_NAME : sha
    const environment = this.settings.environment
    this.enqueue('createDeployment', async (octokit) => {
      // `approve` and `reject` carry on the record of the run that paused, when GitHub still has it.
      if (reuse && (this.id = await this.existing(octokit, environment, sha, reuse)) !== undefined) return
      const res = await octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref,
        environment,
        auto_merge: false,
        required_contexts: [],
        production_environment: /prod/i.test(environment),
        transient_environment: false,
        task: 'deploy',
        description: `ecs-safe-deploy: ${start.cluster}/${start.service}`,
        payload: {
          cluster: start.cluster,
          service: start.service,
          engine: start.engine,
          previousTaskDefinitionArn: start.previousTaskDefinitionArn ?? null,
          taskDefinitionArn: start.taskDefinitionArn ?? null,
          deploymentId: start.deploymentId ?? null,
          image: start.image ?? null,
          ...(start.services ? { services: start.services } : {}),
        },
      })
      if (!('id' in res.data)) {
        this.abandoned = true
        core.warning(
          `GitHub did not create a deployment record (createDeployment answered ${res.status}: ${res.data.message ?? 'no deployment'}); the ECS deployment goes on without one.`,
        )
        return
      }
      this.id = res.data.id
    })
    this.status('in_progress', `${start.engine} deployment of ${start.cluster}/${start.service} started`)
    timeline.subscribe((event) => this.follow(event))
  }

  /** The latest deployment of the commit in `environment` whose payload `matches`. */
  private async existing(
    octokit: ReturnType<typeof getOctokit>,
    environment: string,
    sha: string,
    matches: (payload: Record<string, unknown>) => boolean,
  ): Promise<number | undefined> {
    const { data } = await octokit.rest.repos.listDeployments({ owner: this.owner, repo: this.repo, environment, sha, per_page: 30 })
    return data.find((d) => typeof d.payload === 'object' && d.payload !== null && matches(d.payload))?.id
  }

  /** The final status for the outcome (`wait: false` leaves the record in progress, saying so). */
  finish(outcome: Outcome, reason: string, taskDefinitionArn?: string): void {
    if (!this.octokit || this.finished) return
    this.stopUpdates()
    const revision = taskDefinitionArn ? ` ${revisionOf(taskDefinitionArn, '?')}` : ''
    const description =
      outcome === 'started'
        ? `started${revision}; not watched (wait: false), the final state is not reported`
        : outcome === 'awaiting-approval'
          ? reason
          : `${outcome}${revision}: ${reason}`
    this.status(stateOf(outcome), description, true)
  }

  /** The run ended with an unexpected error: the record's final state is `error`. */
  fail(message: string): void {
    if (!this.octokit || this.finished) return
    this.stopUpdates()
    this.status('error', `ecs-safe-deploy failed: ${message}`, true)
  }

  /** Waits at most `timeoutMs` for the queued calls; what is still in flight then is aborted. */
  async settle(timeoutMs: number): Promise<void> {
    this.stopUpdates()
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<'late'>((done) => (timer = setTimeout(() => done('late'), timeoutMs)))
    const result = await Promise.race([this.queue.then(() => 'done' as const), late])
    clearTimeout(timer)
    if (result === 'late' && !this.abandoned) {
      this.abandoned = true
      this.abort.abort()
      core.warning(`GitHub deployment record: GitHub did not answer within ${timeoutMs / 1000} s; the record may not show the final state.`)
    }
  }

  private follow(event: TimelineEvent): void {
    if (this.finished || this.abandoned) return
    const description = describePhase(event, this.engine)
    if (!description || description === (this.pending ?? this.lastDescription)) return
    const wait = this.lastSentAt + UPDATE_EVERY_MS - this.now()
    if (wait <= 0) {
      this.stopUpdates()
      return this.status('in_progress', description)
    }
    this.pending = description
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      const next = this.pending
      this.pending = undefined
      if (next && !this.finished) this.status('in_progress', next)
    }, wait)
    this.timer.unref?.()
  }

  private stopUpdates(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.pending = undefined
  }

  private status(state: State, description: string, final = false): void {
    if (final) this.finished = true
    this.lastSentAt = this.now()
    this.lastDescription = description
    const { owner, repo, logUrl } = this
    const environmentUrl = this.settings.environmentUrl
    this.enqueue('createDeploymentStatus', async (octokit) => {
      if (this.id === undefined) return
      await octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: this.id,
        state,
        description: clip(description),
        ...(logUrl ? { log_url: logUrl } : {}),
        ...(environmentUrl ? { environment_url: environmentUrl } : {}),
      })
    })
  }

  private enqueue(operation: string, call: (octokit: ReturnType<typeof getOctokit>) => Promise<void>): void {
    const octokit = this.octokit
    if (!octokit) return
    this.queue = this.queue.then(async () => {
      if (this.abandoned) return
      try {
        await call(octokit)
      } catch (error) {
        this.abandon(operation, error as HttpError)
      }
    })
  }

  /** The first refused call ends the record for the run, with one warning. */
  private abandon(operation: string, error: HttpError): void {
    if (this.abandoned) return
    this.abandoned = true
    const api = this.env.GITHUB_API_URL || 'https://api.github.com'
    core.warning(`GitHub deployment record abandoned for this run: ${recordFailure(operation, error, api)}. The ECS deployment goes on.`, {
      title: 'ecs-safe-deploy: GitHub deployment record',
    })
  }
}
