/**
 * The check run's text: the same report as the sticky comment, for the PR's checks list and
 * merge box. Its name tells keys apart, its conclusion follows the contract's mapping, its title
 * is one plain line of the action's own words and numbers (GitHub shows titles unrendered, next to
 * the check's name), and its summary is the comment's Markdown without the hidden lines.
 */
import { capUnits } from '../egress/caps.js'
import type { LinkHosts } from '../egress/markdown.js'
import type { Report, Result } from '../state/run-state.js'
import { plainHeadline } from './headline.js'
import { renderBody } from './render.js'
import { reviewPlainHeadline } from './review.js'

export type CheckConclusion =
  'success' | 'action_required' | 'neutral' | 'failure' | 'timed_out' | 'cancelled' | 'skipped'

/** What the check run shows; the GitHub edge's write request is built from it. */
export interface CheckText {
  status: 'in_progress' | 'completed'
  conclusion?: CheckConclusion
  title: string
  summary: string
}

/** GitHub's limits for `output.title` (our own cap: one readable line) and `output.summary`. */
export const MAX_CHECK_TITLE = 100
export const MAX_CHECK_SUMMARY = 65_535

/** `Devin (<key>)`; a review's is `Devin Review`, with its key when that is not `review`. */
export function checkName(commentKey: string, mode?: Report['mode']): string {
  if (mode === 'review')
    return commentKey === 'review' ? 'Devin Review' : `Devin Review (${commentKey})`
  return commentKey === 'default' ? 'Devin' : `Devin (${commentKey})`
}

/**
 * Results that end the check. A session only started (created, reused) has none: its check stays
 * in progress until a wait or a `mode: sync` run sees it stop. A skip or dry run sends nothing to
 * follow, so its check (if any) is skipped.
 */
const CONCLUSIONS: Partial<Record<Result, CheckConclusion>> = {
  finished: 'success',
  'needs-input': 'action_required',
  suspended: 'neutral',
  error: 'failure',
  timeout: 'timed_out',
  skipped: 'skipped',
  'dry-run': 'skipped'
}

/** The contract's conclusion for the report, or undefined while the session is in progress. */
export function checkConclusion(r: Report): CheckConclusion | undefined {
  if (r.cancelled) return 'cancelled'
  return r.result === undefined ? undefined : CONCLUSIONS[r.result]
}

export function renderCheck(r: Report, links: LinkHosts): CheckText {
  const conclusion = checkConclusion(r)
  const text: CheckText = {
    status: conclusion ? 'completed' : 'in_progress',
    title: capUnits(
      r.mode === 'review' ? reviewPlainHeadline(r) : plainHeadline(r),
      MAX_CHECK_TITLE,
      '…'
    ),
    summary: capUnits(renderBody(r, links), MAX_CHECK_SUMMARY, '\n\n_…cut._')
  }
  if (conclusion) text.conclusion = conclusion
  return text
}
