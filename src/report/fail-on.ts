/** Which results fail the step (`fail-on`), and the notice for an end that does not. */
import type { FailOn } from '../run/inputs.js'
import type { Report, Result } from '../state/run-state.js'

const FAILS: Partial<Record<Result, FailOn>> = {
  error: 'error',
  suspended: 'suspended',
  timeout: 'timeout',
  'needs-input': 'needs-input'
}

/** What ended, how it stood, and where to look: the session, or a review's pull request. */
function subjectOf(report: Report): { ended: string; state: string; where: string } {
  if (report.mode === 'review') {
    const v = report.review
    const state = v && v.status !== 'requested' ? ` (review ${v.status})` : ''
    return {
      ended: 'Devin Review ended with result',
      state,
      where: `Pull request: ${v?.prUrl ?? 'none'}`
    }
  }
  const s = report.session
  const state = s ? ` (status ${s.status}${s.detail ? `/${s.detail}` : ''})` : ''
  return { ended: 'Devin handoff ended with result', state, where: `Session: ${s?.url ?? 'none'}` }
}

export function failureFor(report: Report, failOn: FailOn[]): string | undefined {
  const result = report.result
  const key = result ? FAILS[result] : undefined
  if (!key || !failOn.includes(key)) return undefined
  const { ended, state, where } = subjectOf(report)
  return `${ended} '${result}'${state}; 'fail-on' includes '${key}'. ${where}`
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
  const { ended, state, where } = subjectOf(report)
  return `${ended} '${result}'${state}.${why} ${where} (add '${key}' to 'fail-on' to fail the step on this)`
}
