/**
 * How a run ends: which results fail the step (`fail-on`), and scrubbing credentials out of any
 * text that reaches a log, an output or a comment.
 */
import type { FailOn } from '../run/inputs.js'
import type { Report } from '../report/render.js'
import type { Result } from '../devin/status.js'

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

/** Replaces every occurrence of each secret; longest first so a prefix never leaks a suffix. */
export function scrub(text: string, secrets: string[]): string {
  let out = text
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length >= 4) out = out.split(s).join('***')
  }
  return out
}
