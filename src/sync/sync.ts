/**
 * `mode: sync`: refresh the sticky comments and check runs of a repository's sessions from
 * Devin's state now, touching only the few that changed. The list Devin answers anyway carries
 * every session's tags, and the tags say what was last shown (src/state/tracking.ts), so an
 * unchanged session costs no request at all and a second sync with no change writes nothing.
 */
import type { Writer } from '../github/identity.js'
import type { Log } from '../hygiene/log.js'
import { shownKey } from '../state/tracking.js'
import { toView } from '../state/view.js'
import { listLive } from './list.js'
import { syncSession, type SessionDeps, type SessionSync } from './session.js'

/** What a session's sync needs (./session.ts); who the token is is asked here, once, unless given. */
export interface SyncDeps extends Omit<SessionDeps, 'writer'> {
  log: Log
  /** Who the token is, shared with the review sync (./reviews.ts) so it is asked once per run. */
  writer?: SessionDeps['writer']
  /** Sessions synced at once: GitHub asks for writes one after another, Devin is not hurried. */
  parallel?: number
}

export interface SyncResult {
  /** Sessions the list answered with. */
  listed: number
  /** Of those, this repository's live sessions the action made. */
  live: number
  /** Of those, the ones whose state differs from what their comment and check run show. */
  changed: number
  /** Sessions whose comment or check run this run changed (the `synced` output). */
  synced: number
  /** Sessions left for the next sync after a failure (each one a warning). */
  failed: number
  /** Every changed session, in the list's order. */
  sessions: SessionSync[]
}

export async function syncSessions(d: SyncDeps): Promise<SyncResult> {
  const { listed, live } = await listLive(d.devin, d.orgId, d.slug, d.log)
  const changed = live.filter((l) => l.tracking.shown !== shownKey(toView(l.session)))
  let asked: Promise<Writer> | undefined
  const deps = { ...d, writer: d.writer ?? (() => (asked ??= d.github.whoAmI())) }
  const sessions = await inOrder(changed, d.parallel ?? 4, (l) => syncSession(deps, l))
  for (const s of sessions) logOutcome(d.log, s)
  const wrote = (s: SessionSync): boolean => s.comment === 'updated' || s.check === 'updated'
  return {
    listed,
    live: live.length,
    changed: changed.length,
    synced: sessions.filter(wrote).length,
    failed: sessions.filter((s) => s.warning !== undefined).length,
    sessions
  }
}

function logOutcome(log: Log, s: SessionSync): void {
  const move = `${s.from ?? 'not recorded'} → ${s.to}`
  if (s.warning !== undefined) {
    const wrote = written(s)
    const partly = wrote ? ` (${wrote} before that)` : ''
    log.warning(
      `Devin session ${s.id} (${move}) was not fully synced: ${s.warning}${partly}. ` +
        'Its tags were left as they were, so the next sync tries again.'
    )
    return
  }
  log.info(`Devin session ${s.id}: ${move}; ${written(s) || 'nothing to write'}.`)
  if (s.comment === 'gone' && s.check === undefined)
    log.info(
      `Devin session ${s.id}: its comment is gone and no check run shows it; no longer synced.`
    )
  if (s.check === 'refused')
    log.warning(
      `Devin session ${s.id}: GitHub refused to update its check run; the sync job needs \`checks: write\` (and the App's token that created it).`
    )
  if (s.comment === 'elsewhere')
    log.info(`Devin session ${s.id}: its comment now shows a later session of the same key.`)
}

/** `comment updated, check run updated`, or '' when nothing was written. */
export function written(s: Pick<SessionSync, 'comment' | 'check'>): string {
  const parts: string[] = []
  if (s.comment === 'updated') parts.push('comment updated')
  if (s.check === 'updated') parts.push('check run updated')
  return parts.join(', ')
}

/** `work` over `items`, at most `limit` at a time, the results in the items' order. */
async function inOrder<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>) {
  const out: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await work(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
