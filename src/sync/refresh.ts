/**
 * A report as its comment last showed it, brought up to date with the session as Devin lists it
 * now. Pure: the caller reads Devin and the clock.
 */
import { classify, describeStatus } from '../devin/status.js'
import type { DevinSession } from '../devin/types.js'
import type { Report } from '../state/run-state.js'
import { toView } from '../state/view.js'

/** The most of Devin's last message a report keeps (the `last-message` output's limit). */
export const MAX_LAST_MESSAGE = 10_000
/** The timeline a comment's hidden state keeps anyway (src/state/run-state.ts snapshot). */
export const TIMELINE_KEPT = 30

/**
 * `lastMessage`: Devin's last message, read only when it has stopped. While Devin works no
 * message is read (it would cost a request per session per sync), so an old one goes: a question
 * already answered must not stay on the PR as if it were still open.
 *
 * A run that stopped waiting (`timeout`) or was cancelled keeps saying so while Devin works on;
 * once Devin stops, its stop is the news and the run's note about its own end goes with it.
 */
export function refreshReport(
  old: Report,
  session: DevinSession,
  o: { now: number; lastMessage?: string }
): Report {
  const view = toView(session)
  const c = classify(view.status, view.detail)
  const r: Report = structuredClone(old)
  const runEnd = old.result === 'timeout' || old.cancelled === true
  r.session = view
  if (c.stopped) {
    r.result = c.result
    if (runEnd) r.note = undefined
    r.cancelled = undefined
  } else if (!old.cancelled) {
    r.result = old.result === 'timeout' ? 'timeout' : undefined
  }
  r.lastMessage = c.stopped ? cut(o.lastMessage) : undefined
  r.syncedAt = o.now
  r.updatedAt = updatedAt(r, session, c.stopped, o.now)
  const detail = view.detail ? `/${view.detail}` : ''
  r.timeline = [
    ...r.timeline,
    {
      at: o.now,
      text: `synced: ${describeStatus(view.status, view.detail)} (${view.status}${detail})`
    }
  ].slice(-TIMELINE_KEPT)
  return dropUndefined(r)
}

/**
 * A report for a session shown only by a check run (no comment holds its state): what the
 * session itself says, no more.
 */
export function bareReport(
  session: DevinSession,
  o: { slug: string; commentKey: string; prNumber?: number; now: number }
): Report {
  const started = session.created_at !== null ? session.created_at * 1000 : o.now
  return {
    phase: 'ended',
    slug: o.slug,
    prNumber: o.prNumber,
    startedAt: Math.min(started, o.now),
    updatedAt: o.now,
    runUrl: '',
    commentKey: o.commentKey,
    timeline: [],
    attachments: []
  }
}

/**
 * How long the session ran: until Devin last changed it when it has stopped (so a sync an hour
 * later does not add that hour), else until now.
 */
function updatedAt(r: Report, s: DevinSession, stopped: boolean, now: number): number {
  if (!stopped || s.updated_at === null) return now
  return Math.min(now, Math.max(r.startedAt, s.updated_at * 1000))
}

function cut(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  if (text.length <= MAX_LAST_MESSAGE) return text
  // Never leave half a surrogate pair at the end.
  const end = /[\uD800-\uDBFF]/.test(text[MAX_LAST_MESSAGE - 1] ?? '')
    ? MAX_LAST_MESSAGE - 1
    : MAX_LAST_MESSAGE
  return text.slice(0, end)
}

/** The hidden state is JSON: keys set to undefined would only be noise in a comparison. */
export function dropUndefined(r: Report): Report {
  for (const key of Object.keys(r) as Array<keyof Report>) if (r[key] === undefined) delete r[key]
  return r
}
