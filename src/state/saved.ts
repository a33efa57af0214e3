/**
 * What the main step leaves for the `post:` step, which finishes a run the main step could not
 * (the job was cancelled or the process was killed mid-wait). The run's phase travels in the
 * report, so the post step knows whether the session was still being followed.
 */
import type { Report } from './run-state.js'

export const STATE_KEY = 'devin-handoff'

export interface SavedState {
  /** The main step wrote its final comment, summary and outputs. */
  final: boolean
  comment?: { id: number; url: string; issue: number }
  orgId?: string
  stopOnCancel: boolean
  /** The main step already stopped the session on cancel. */
  terminated: boolean
  report: Report
}

export function parseState(raw: string): SavedState | undefined {
  if (!raw) return undefined
  try {
    const value = JSON.parse(raw) as SavedState
    return typeof value === 'object' &&
      value !== null &&
      typeof value.report === 'object' &&
      value.report !== null &&
      typeof value.report.phase === 'string'
      ? value
      : undefined
  } catch {
    return undefined
  }
}
