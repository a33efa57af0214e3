/**
 * The repository's live sessions: those a comment or check run shows as not yet stopped, found by
 * the `gh-live:` tag alone (src/state/tracking.ts), one list request per page of 100.
 */
import type { DevinSession } from '../devin/types.js'
import type { Log } from '../hygiene/log.js'
import { liveTag, readTracking, type Tracking } from '../state/tracking.js'
import type { SyncDevin } from './ports.js'

const PAGE = 100
const MAX_PAGES = 100

export interface LiveSession {
  session: DevinSession
  tracking: Tracking
}

export interface Listed {
  /** Sessions the list answered with, every page together. */
  listed: number
  /** Those that carry this repository's live tag and the action's thread tag. */
  live: LiveSession[]
  pages: number
}

/**
 * The server's tag filter is not documented to be exact, so each session's tags are checked here
 * too: the live tag itself (not a prefix of it, not another repository's), and the action's
 * thread tag for this repository. A session without it is not the action's and is not touched.
 */
export async function listLive(
  devin: SyncDevin,
  orgId: string,
  slug: string,
  log: Log
): Promise<Listed> {
  const tag = liveTag(slug)
  const byId = new Map<string, LiveSession>()
  const cursors = new Set<string>()
  let listed = 0
  let after: string | undefined
  let pages = 0
  for (;;) {
    const page = await devin.listSessions(orgId, { tags: [tag], first: PAGE, after })
    pages++
    listed += page.items.length
    for (const session of page.items) {
      if (!session.tags.includes(tag)) continue
      const tracking = readTracking(session.tags, slug)
      if (tracking.ours) byId.set(session.sessionId, { session, tracking })
    }
    if (!page.hasNextPage || !page.endCursor) break
    if (cursors.has(page.endCursor) || pages >= MAX_PAGES) {
      const why = cursors.has(page.endCursor) ? 'the API repeated a cursor' : 'the page limit'
      log.warning(
        `Stopped listing Devin sessions after ${pages} pages (${why}); sessions past that point were not synced.`
      )
      break
    }
    cursors.add(page.endCursor)
    after = page.endCursor
  }
  return { listed, live: [...byId.values()], pages }
}
