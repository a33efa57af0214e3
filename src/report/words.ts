/**
 * The words in the report that people wrote: Devin's last message (its question, or what it said
 * when it finished) and, for comment triggers, who asked for the handoff and what. Both are
 * untrusted text and go through the egress gate's Markdown rules; the mention of the requester is
 * broken so that the comment notifies nobody.
 */
import { capUnits } from '../egress/caps.js'
import { mdQuote, mdText, type LinkHosts } from '../egress/markdown.js'
import { classify } from '../devin/status.js'
import type { Report, Result } from '../state/run-state.js'

/** About 1 KB of Devin's message in the comment; the session has the rest. */
export const QUOTE_CHARS = 1_000
/** The request, on one line. */
export const REQUEST_CHARS = 200

const STOPPED: ReadonlySet<Result | undefined> = new Set([
  'finished',
  'needs-input',
  'suspended',
  'error',
  'timeout'
])

/** Devin's message is shown once the session stopped: while it works it is a passing remark. */
function stopped(r: Report): boolean {
  if (STOPPED.has(r.result)) return true
  const s = r.session
  return s !== undefined && classify(s.status, s.detail).stopped
}

/** What the message is, by how the session stands. */
export function wordsLabel(r: Report): string {
  const s = r.session
  if (s?.detail === 'waiting_for_user' || s?.detail === 'waiting_for_approval') return 'Devin asks:'
  if (r.result === 'finished' || s?.status === 'exit' || s?.detail === 'finished')
    return "Devin's closing message:"
  return "Devin's last message:"
}

/** Devin's words as a labelled quote, or no lines when there are none to show. */
export function devinWords(r: Report, links: LinkHosts): string[] {
  if (!r.lastMessage?.trim() || !stopped(r)) return []
  const more = r.session ? { url: r.session.url, hosts: links.devin } : undefined
  return [`> **${wordsLabel(r)}**\\`, mdQuote(r.lastMessage, QUOTE_CHARS, more), '']
}

/** `Requested by @user: what they asked` (`Answered by` for an answer), the mention broken. */
export function requestedBy(r: Report): string[] {
  const by = r.requestedBy
  if (!by) return []
  const flat = by.text.replace(/\s+/g, ' ').trim()
  const text = capUnits(flat, REQUEST_CHARS, '…')
  const what = text ? `: ${mdText(text)}` : ''
  // mdText breaks the mention with a zero-width space: the requester is named, not notified.
  const label = r.answered ? 'Answered by' : 'Requested by'
  return [`${label} ${mdText(`@${by.login}`)}${what}`, '']
}
