/**
 * What a session's tags say about where it is shown. `mode: sync` refreshes the sticky comments
 * and check runs of a repository's sessions, and must find the few that changed among hundreds
 * without a GitHub request per session: the Devin list it reads anyway carries every session's
 * tags, so the tags index what was last shown (the comment's hidden marker holds the rest).
 *
 * - `gh:owner/repo` and `gh:owner/repo#12`: the contract's exact repository and PR tags.
 * - `gh-live:owner/repo`: the session is shown somewhere and not yet shown as stopped; sync lists
 *   by this tag alone, so a year of finished sessions costs no list pages. Dropped once a comment
 *   or check run shows the session stopped.
 * - `gh-shown:<key>`: the state last shown ({@link shownKey}); equal to the session's now means
 *   nothing to write.
 * - `gh-comment:<id>`, `gh-check:<id>`: the sticky comment and check run, so sync writes them
 *   without looking them up.
 */

export const REPO_TAG_PREFIX = 'gh:'
export const LIVE_PREFIX = 'gh-live:'
export const SHOWN_PREFIX = 'gh-shown:'
export const COMMENT_PREFIX = 'gh-comment:'
export const CHECK_PREFIX = 'gh-check:'

export const repoTag = (slug: string): string => `${REPO_TAG_PREFIX}${slug}`
export const prTag = (slug: string, pr: number): string => `${REPO_TAG_PREFIX}${slug}#${pr}`
export const liveTag = (slug: string): string => `${LIVE_PREFIX}${slug}`

/** The part of a session's state a comment or check run shows, as one short token. */
export interface Showable {
  status: string
  detail: string
  pullRequests: readonly string[]
}

/**
 * `status/detail/PR count`. ACUs are left out on purpose: they climb while Devin works, and a key
 * that moved with them would have every working session rewritten on every sync.
 */
export function shownKey(s: Showable): string {
  const part = (v: string): string => v.replace(/[^A-Za-z0-9_-]/g, '') || '-'
  return `${part(s.status)}/${part(s.detail)}/${s.pullRequests.length}`
}

/** What the action's own tags on a session say. */
export interface Tracking {
  /** Carries the action's thread tag for `slug`: the action made it for this repository. */
  ours: boolean
  /** From the thread tag `gh:owner/repo#12:key` or `gh:owner/repo@branch:key`. */
  pr?: number
  commentKey?: string
  live: boolean
  shown?: string
  commentId?: number
  checkId?: number
}

const positiveId = (raw: string): number | undefined => {
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) return undefined
  const n = Number(raw)
  return Number.isSafeInteger(n) ? n : undefined
}

/** The tags' meaning for `slug`; anything malformed is as good as absent. */
export function readTracking(tags: readonly string[], slug: string): Tracking {
  const out: Tracking = { ours: false, live: false }
  const thread = `${REPO_TAG_PREFIX}${slug}`
  for (const tag of tags) {
    if (tag === liveTag(slug)) out.live = true
    else if (tag.startsWith(SHOWN_PREFIX)) out.shown = tag.slice(SHOWN_PREFIX.length)
    else if (tag.startsWith(COMMENT_PREFIX))
      out.commentId = positiveId(tag.slice(COMMENT_PREFIX.length))
    else if (tag.startsWith(CHECK_PREFIX)) out.checkId = positiveId(tag.slice(CHECK_PREFIX.length))
    else if (tag.startsWith(thread)) {
      // `#12:key` or `@branch:key`; the bare repository and PR tags carry no key.
      const m = /^(?:#([1-9][0-9]{0,9})|@[^:]*):([A-Za-z0-9_.:/-]{1,64})$/.exec(
        tag.slice(thread.length)
      )
      if (!m) continue
      out.ours = true
      out.commentKey = m[2]
      if (m[1] !== undefined) out.pr = Number(m[1])
    }
  }
  return out
}

/**
 * The session's tags with the tracking part replaced: the old `gh-shown`/`gh-comment`/`gh-check`
 * and the live tag go, the given ones come, everything else is kept in its order.
 */
export function withTracking(
  tags: readonly string[],
  slug: string,
  t: { shown: string; commentId?: number; checkId?: number; live: boolean }
): string[] {
  const mine = (tag: string): boolean =>
    tag === liveTag(slug) ||
    tag.startsWith(SHOWN_PREFIX) ||
    tag.startsWith(COMMENT_PREFIX) ||
    tag.startsWith(CHECK_PREFIX)
  const out = tags.filter((tag) => !mine(tag))
  if (t.live) out.push(liveTag(slug))
  out.push(`${SHOWN_PREFIX}${t.shown}`)
  if (t.commentId !== undefined) out.push(`${COMMENT_PREFIX}${t.commentId}`)
  if (t.checkId !== undefined) out.push(`${CHECK_PREFIX}${t.checkId}`)
  return [...new Set(out)]
}

/**
 * Whether a session stays in the live index once shown in `status`. Devin goes on after it
 * finished or asked when someone answers in its app, so those stay and a later sync shows it
 * working again; an ended, failed or suspended one leaves. Idle sessions end up suspended:
 * keeping those would grow the index with the repository's whole history.
 */
export function staysLive(status: string): boolean {
  return status !== 'exit' && status !== 'error' && status !== 'suspended'
}

const STOPPED_RUNNING = new Set(['finished', 'waiting_for_user', 'waiting_for_approval'])

/**
 * A session that fell asleep after it was shown finished or asking: no news. Its comment keeps
 * saying what Devin last did (a "Suspended" would hide that it finished); only the index lets
 * it go.
 */
export function fellAsleep(shown: string | undefined, now: Showable): boolean {
  if (now.status !== 'suspended' || now.detail !== 'inactivity' || shown === undefined) return false
  const [status = '', detail = ''] = shown.split('/')
  return status === 'running' && STOPPED_RUNNING.has(detail)
}
