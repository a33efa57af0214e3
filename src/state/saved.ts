/**
 * What the main step leaves for the `post:` step, which finalizes a comment the main step could
 * not (the job was cancelled or the process was killed mid-wait).
 */
import type { Report } from '../report/render.js'

export const STATE_KEY = 'devin-handoff'

export interface SavedState {
  /** The main step wrote its final comment, summary and outputs. */
  final: boolean
  commentId?: number
  commentUrl?: string
  issue?: number
  orgId?: string
  stopOnCancel?: boolean
  /** The main step already terminated the session on cancel. */
  terminated?: boolean
  report: Report
}

export function parseState(raw: string): SavedState | undefined {
  if (!raw) return undefined
  try {
    const value = JSON.parse(raw) as SavedState
    return typeof value === 'object' && value !== null && typeof value.report === 'object'
      ? value
      : undefined
  } catch {
    return undefined
  }
}
