/**
 * After a handoff run's last write, the session's tags say what its comment and check run show
 * (src/state/tracking.ts), so that a `mode: sync` run can tell from the session list alone
 * whether there is anything to refresh, and write the comment and check run without looking
 * them up. One Devin request, and none when the tags already say it.
 */
import { screenForDevin, type ForDevin } from '../egress/devin.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { Report } from '../state/run-state.js'
import { readTracking, shownKey, staysLive, withTracking } from '../state/tracking.js'

export interface TagWriter {
  replaceTags(orgId: string, sessionId: string, tags: ForDevin<string[]>): Promise<unknown>
}

export interface Shown {
  commentId?: number
  checkId?: number
}

/**
 * The tags the session should carry once `report` is shown by `shown`; undefined when nothing
 * shows it and it never joined the live index (nothing for a sync to do).
 */
export function tagsAfter(
  report: Readonly<Report>,
  current: readonly string[],
  slug: string,
  shown: Shown
): string[] | undefined {
  const s = report.session
  if (!s) return undefined
  const onSurface = shown.commentId !== undefined || shown.checkId !== undefined
  if (!onSurface && !readTracking(current, slug).live) return undefined
  // An ended session leaves the live index: syncs do not read it again.
  const live = onSurface && staysLive(s.status)
  return withTracking(current, slug, { shown: shownKey(s), ...shown, live })
}

export async function recordShown(o: {
  devin: TagWriter
  orgId: string
  slug: string
  report: Readonly<Report>
  /** The session's tags as the API last returned them. */
  tags: readonly string[]
  shown: Shown
  log: Pick<Log, 'warning'>
}): Promise<void> {
  const next = tagsAfter(o.report, o.tags, o.slug, o.shown)
  const id = o.report.session?.id
  if (!next || !id) return
  if (next.length === o.tags.length && next.every((t, i) => t === o.tags[i])) return
  try {
    // The tags were screened when the session was made; the screen here is the gate's rule.
    const { value } = await screenForDevin(next, { mode: 'redact', log: o.log, what: 'tags' })
    await o.devin.replaceTags(o.orgId, id, value)
  } catch (err) {
    // Not fatal: a sync finds the comment by its marker instead, and writes the tags itself.
    o.log.warning(`Could not record on the Devin session where it is shown: ${errorText(err)}`)
  }
}
