// Writing a report never fails a deployment (docs/architecture.md): the job summary, step outputs and the post step's
// state go through here. A runner that lacks a file (GitHub Enterprise Server with job summaries off, Gitea/Forgejo
// runners, act), a file that cannot be written, or a summary past GitHub's 1 MiB is one warning for that file, once;
// outputs and state then fall back to the workflow commands (`::set-output`, `::save-state`) such runners read.
import * as core from '@actions/core'
import { statSync } from 'node:fs'

/** GitHub refuses a step's summary past 1 MiB, all of its writes together. */
const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024

const warned = new Set<string>()

function warnOnce(variable: string, message: string): void {
  if (warned.has(variable)) return
  warned.add(variable)
  core.warning(message, { title: `ecs-safe-deploy: ${variable}` })
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Writes core.summary's buffer to the step summary, or warns once why it cannot; the buffer is empty after it. */
export async function writeSummaryBuffer(): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  const text = core.summary.stringify()
  if (!file) {
    core.summary.emptyBuffer()
    warnOnce('GITHUB_STEP_SUMMARY', 'GITHUB_STEP_SUMMARY is not set (this runner has no job summaries): no job summary was written; the log and annotations carry the same report.')
    return
  }
  try {
    const written = statSync(file, { throwIfNoEntry: false })?.size ?? 0
    if (written + Buffer.byteLength(text) > STEP_SUMMARY_LIMIT_BYTES) {
      core.summary.emptyBuffer()
      warnOnce(
        'GITHUB_STEP_SUMMARY',
        `The job summary would pass GitHub's 1 MiB limit for a step, so this part of it (${Buffer.byteLength(text)} bytes) was not written; the log has it all.`,
      )
      return
    }
    await core.summary.write()
  } catch (error) {
    core.summary.emptyBuffer()
    warnOnce('GITHUB_STEP_SUMMARY', `The job summary could not be written to ${file} (${reason(error)}); the log and annotations carry the same report.`)
  }
}

/** core.setOutput, or the `::set-output` workflow command when GITHUB_OUTPUT is missing or cannot be written. */
export function setOutput(name: string, value: string): void {
  fileCommand('GITHUB_OUTPUT', 'step outputs', '::set-output', () => core.setOutput(name, value))
}

/** core.saveState, or the `::save-state` workflow command when GITHUB_STATE is missing or cannot be written. */
export function saveState(name: string, value: string): void {
  fileCommand('GITHUB_STATE', 'the state for the post step', '::save-state', () => core.saveState(name, value))
}

/** Runs `write` (which uses the file `variable` names when it is set, else the workflow command); when the file
 * fails, warns once and falls back to the command for the rest of the run. */
function fileCommand(variable: string, what: string, command: string, write: () => void): void {
  if (!process.env[variable]) warnOnce(variable, `${variable} is not set on this runner: ${what} go through the ${command} workflow command instead.`)
  try {
    write()
  } catch (error) {
    warnOnce(variable, `${variable} (${process.env[variable]}) could not be written (${reason(error)}): ${what} go through the ${command} workflow command instead.`)
    delete process.env[variable]
    write()
  }
}
