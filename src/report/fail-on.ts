/** Which results fail the step (`fail-on`), and the notice for an end that does not. */
import type { FailOn } from '../run/inputs.js'
import type { Report, Result } from '../state/run-state.js'

const FAILS: Partial<Record<Result, FailOn>> = {
  error: 'error',
  suspended: 'suspended',
  timeout: 'timeout',
  'needs-input': 'needs-input'
}

function stateOf(report: Report): string {
  const s = report.session
  return s ? ` (status ${s.status}${s.detail ? `/${s.detail}` : ''})` : ''
}

export function failureFor(report: Report, failOn: FailOn[]): string | undefined {
  const result = report.result
  const key = result ? FAILS[result] : undefined
  if (!key || !failOn.includes(key)) return undefined
  const s = report.session
  return `Devin handoff ended with result '${result}'${stateOf(report)}; 'fail-on' includes '${key}'. Session: ${s?.url ?? 'none'}`
}

/**
 * An end that `fail-on` could have failed but does not (a timeout, Devin waiting for an answer,
 * a suspended or failed session) still needs someone to look: without this notice the step is
 * green and the log says nothing, so the session URL and the reason go in an annotation.
 */
export function noticeFor(report: Report, failOn: FailOn[]): string | undefined {
  const result = report.result
  const key = result ? FAILS[result] : undefined
  if (!key || failOn.includes(key)) return undefined
  const why = report.note ? ` ${report.note}` : ''
  const url = report.session?.url ?? 'none'
  return `Devin handoff ended with result '${result}'${stateOf(report)}.${why} Session: ${url} (add '${key}' to 'fail-on' to fail the step on this)`
}
