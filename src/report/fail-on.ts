/** Which results fail the step (`fail-on`). */
import type { FailOn } from '../run/inputs.js'
import type { Report, Result } from '../state/run-state.js'

const FAILS: Partial<Record<Result, FailOn>> = {
  error: 'error',
  suspended: 'suspended',
  timeout: 'timeout',
  'needs-input': 'needs-input'
}

export function failureFor(report: Report, failOn: FailOn[]): string | undefined {
  const result = report.result
  const key = result ? FAILS[result] : undefined
  if (!key || !failOn.includes(key)) return undefined
  const s = report.session
  const state = s ? ` (status ${s.status}${s.detail ? `/${s.detail}` : ''})` : ''
  return `Devin handoff ended with result '${result}'${state}; 'fail-on' includes '${key}'. Session: ${s?.url ?? 'none'}`
}
