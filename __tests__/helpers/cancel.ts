// A cancelled job, as the runner does it: SIGINT to the main step, SIGTERM 200 ms later (changing nothing), then the
// post step run with the state the main step saved. Shared by the cancel tests of every engine and of a release.
import type { ActionRun } from '../../scripts/action-runner.js'
import { runAction } from '../../scripts/action-runner.js'
import type { Sandbox } from '../../sandbox/index.js'

export interface Cancelled {
  main: ActionRun
  post: ActionRun
  /** When SIGINT was sent (epoch ms); 0 when `when` never said yes. */
  signalledAt: number
  /** When the post step started (epoch ms): the sandbox's calls from then on are the post step's. */
  postStartedAt: number
}

/** Runs the main step with `inputs`, cancels it once `when` says yes to a line of its log, then (after `between`: the
 * world changing while nothing watches it) runs the post step. */
export async function cancelWhen(
  s: Sandbox,
  inputs: Record<string, string>,
  when: (line: string) => boolean,
  env: Record<string, string> = {},
  between?: () => void,
): Promise<Cancelled> {
  let signalledAt = 0
  const main = await runAction({
    endpoint: s.url,
    inputs,
    env,
    onLine: (line, signal) => {
      if (signalledAt || !when(line)) return
      signalledAt = Date.now()
      signal('SIGINT')
      setTimeout(() => signal('SIGTERM'), 200)
    },
  })
  between?.()
  const postStartedAt = Date.now()
  const post = await runAction({ endpoint: s.url, inputs, env, state: main.state })
  return { main, post, signalledAt, postStartedAt }
}

/** The messages of a run's warning annotations, in order. */
export const warnings = (run: ActionRun): string[] => run.commands.filter((c) => c.command === 'warning').map((c) => c.message)

/** The mutating calls the post step made (none but the rollback it may ask for). */
export const postMutations = (s: Sandbox, { postStartedAt }: Cancelled): string[] =>
  s.control
    .calls({ mutating: true })
    .filter((c) => c.wallMs >= postStartedAt)
    .map((c) => c.operation)
