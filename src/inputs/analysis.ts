// The canary analysis inputs: `analysis` (off, report, rollback) and the rule's thresholds.
import { ANALYSIS_MODES, DEFAULT_RULE, type AnalysisMode, type AnalysisSettings } from '../core/analysis.js'

/** What inputs/context.ts's reader offers: values, and a problem per bad one. */
interface Reader {
  value: (name: string) => string
  bad: (name: string, got: string, expected: string) => void
  problems: string[]
}

/** `analysis`, `analysis-error-rate`, `analysis-latency`, `analysis-min-requests`. */
export function analysisInputs(r: Reader, given: { rollback: string; wait: boolean }): AnalysisSettings {
  const text = r.value('analysis').toLowerCase() || 'report'
  const mode = (ANALYSIS_MODES as readonly string[]).includes(text) ? (text as AnalysisMode) : 'report'
  if (mode !== text) r.bad('analysis', text, `expected ${ANALYSIS_MODES.join(', ')}`)
  const errorRatePoints = number(
    r,
    'analysis-error-rate',
    DEFAULT_RULE.errorRatePoints,
    100,
    'percentage points of 5xx rate above the baseline, more than 0 and at most 100, such as 1 or 0.5',
  )
  const latencyPercent = number(r, 'analysis-latency', DEFAULT_RULE.latencyPercent, 1000, 'a percentage of p99 above the baseline, more than 0 and at most 1000, such as 20 or 20%')
  const minText = r.value('analysis-min-requests')
  let minRequests = DEFAULT_RULE.minRequests
  if (minText !== '') {
    if (/^\d+$/.test(minText) && Number(minText) >= 1 && Number(minText) <= 1_000_000_000) minRequests = Number(minText)
    else r.bad('analysis-min-requests', minText, 'expected a whole number of requests on each side from 1 to 1000000000, such as 100')
  }
  if (mode === 'rollback' && given.rollback === 'never') {
    r.problems.push('Input `analysis` is `rollback` but `rollback` is `never`: nothing would roll back a failed verdict; set analysis to report, or rollback to on-failure.')
  }
  if (mode === 'rollback' && !given.wait) {
    r.problems.push('Input `analysis` is `rollback` but `wait` is `false`: the analysis runs while the action watches; set wait to true or analysis to report.')
  }
  return { mode, rule: { ...DEFAULT_RULE, errorRatePoints, latencyPercent, minRequests } }
}

/** A positive number input (a trailing `%` allowed), at most `max`. */
function number(r: Reader, input: string, fallback: number, max: number, expected: string): number {
  const text = r.value(input)
  if (text === '') return fallback
  const n = Number(text.replace(/\s*%$/, ''))
  if (!/^\d+(\.\d+)?\s*%?$/.test(text) || !(n > 0) || n > max) {
    r.bad(input, text, `expected ${expected}`)
    return fallback
  }
  return n
}
