// The report of a run that stopped before anything in AWS changed: one titled error per problem (on its file and
// line when it names one), the outcome, and the problems in the job summary.
import * as core from '@actions/core'
import type { Halt } from '../core/halt.js'
import { annotateProblems, failStep } from './annotations.js'
import { setOutput } from './guard.js'
import { writeProblemsSummary } from './summary.js'

export async function reportHalt(cluster: string, service: string, stop: Halt): Promise<void> {
  const title = `ecs-safe-deploy: ${stop.title}`
  if (stop.located) annotateProblems(title, stop.problems)
  else {
    for (const problem of stop.problems) core.error(problem, { title })
    failStep()
  }
  setOutput('outcome', stop.outcome)
  await writeProblemsSummary(cluster || '?', service || '?', stop.title, stop.summary ?? stop.problems)
}
