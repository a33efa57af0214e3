/**
 * What the main step leaves for the `post:` step, which finishes a run the main step could not
 * (the job was cancelled or the process was killed mid-wait). The run's phase travels in the
 * report, so the post step knows whether the session was still being followed, and so does a
 * session start the main step could not settle (its run tag), so the post step can find it.
 */
import type { Report } from './run-state.js'

export const STATE_KEY = 'devin-handoff'

export interface SavedState {
  /** The main step wrote its final comment, summary and outputs. */
  final: boolean
  /** The sticky comment; without an id when its first write had not come back (find it by marker). */
  comment?: { issue: number; id?: number; url?: string }
  /** The check run: where it goes, and its id once created (the post step completes it). */
  check?: { name: string; headSha: string; id?: number; url?: string }
  orgId?: string
  stopOnCancel: boolean
  /** The main step already stopped the session on cancel. */
  terminated: boolean
  report: Report
}

/**
 * Whether the post step has work: the main step did not write its final report, or it was
 * cancelled while a session start was in flight and could not tell which session it made.
 */
export function postStepNeeded(saved: SavedState): boolean {
  return !saved.final || (saved.report.cancelled === true && saved.report.pending !== undefined)
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
