/**
 * The sticky comment of a run stopped by a budget (src/session/budget.ts). The comment of this key
 * usually shows the session the budget was spent on: it keeps showing it, with one line under
 * its headline that says this run sent nothing and why, rather than being overwritten by a bare skip report.
 * The line joins the report's timeline too, so the hidden state keeps it after the line is gone
 * (a `mode: sync` run redraws the comment from that state).
 */
import { mdLink, mdText, type LinkHosts } from '../egress/markdown.js'
import { decodeState, encodeState } from '../state/marker.js'
import type { Report } from '../state/run-state.js'
import { renderBody, renderComment } from './render.js'

/** The line itself: the reason as plain text, the run that stopped as a link. */
export function budgetLine(reason: string, runUrl: string, links: LinkHosts): string {
  const run = runUrl ? ` by ${mdLink('this run', runUrl, [links.github])}` : ''
  return `> ⛔ **Nothing was sent to Devin${run}:** ${mdText(reason)}`
}

/**
 * The comment to write: `existing` (the body of this key's comment, if any) re-rendered from its
 * hidden state with the line added; with no comment or no readable state, `skipped` (this run's
 * own skip report, which says the reason itself).
 */
export function renderBudgetComment(o: {
  existing: string | undefined
  skipped: Report
  reason: string
  links: LinkHosts
  scrub: (text: string) => string
}): string {
  const shown = o.existing === undefined ? undefined : decodeState(o.existing)
  if (!shown) return renderComment(o.skipped, o.links, o.scrub)
  const at = o.skipped.updatedAt
  // `updatedAt` stays: the session's elapsed time is measured to it, and the session did not move.
  const kept: Report = {
    ...shown,
    timeline: [...shown.timeline, { at, text: o.reason }]
  }
  // Under the headline, which stays the comment's first line (what a phone shows of it).
  const [headline, ...rest] = renderBody(kept, o.links).split('\n')
  const line = budgetLine(o.reason, o.skipped.runUrl, o.links)
  return [headline, '', line, ...rest, encodeState(kept, o.scrub)].join('\n')
}
