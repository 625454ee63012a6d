// The end of a run that only registers a task definition (`service` empty): its outputs and job summary. No
// deployment, so no deployment outputs and no GitHub record.
import * as core from '@actions/core'
import { describeChange, type TaskDefinitionChange } from '../core/task-definition-diff.js'
import { setRegisteredOutputs } from './outputs.js'
import { escapeHtml } from './summary.js'

export interface Registered {
  taskDefinitionArn: string
  image?: string
  /** What changed against the revision it is compared with (undefined: nothing to compare with). */
  changes?: TaskDefinitionChange[]
  against?: string
  /** What `keep-revisions` did, in words. */
  lines: string[]
}

export async function reportRegistered(done: Registered): Promise<void> {
  setRegisteredOutputs(done.taskDefinitionArn, done.image)
  core.info(`Registered ${done.taskDefinitionArn} (no service deployed).`)
  const changes = done.changes ? (done.changes.length > 0 ? done.changes.map(describeChange) : ['nothing in the task definition']) : []
  const html = [
    `<h2>Task definition registered: ${escapeHtml(done.taskDefinitionArn.slice(done.taskDefinitionArn.lastIndexOf('/') + 1))}</h2>`,
    '<p>No service was deployed (<code>service</code> is empty).</p>',
    ...(done.changes ? [`<p>What changed against ${escapeHtml(done.against ?? '?')}:</p>`, `<ul>${changes.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>`] : []),
    ...done.lines.map((l) => `<p>${escapeHtml(l)}</p>`),
  ]
  await core.summary
    .addRaw(html.join('\n'), true)
    .write()
    .catch(() => undefined)
}
