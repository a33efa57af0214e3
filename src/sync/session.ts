/**
 * One changed session brought up to date where it is shown: Devin's last words when it has
 * stopped, then its sticky comment and check run (edited, never created), then its tags, so the
 * next sync finds it unchanged. Anything that goes wrong stops this session only, before its tags
 * move: the next sync tries again.
 */
import { classify } from '../devin/status.js'
import { githubErrorMessage } from '../github/errors.js'
import { pickOwn, type Writer } from '../github/identity.js'
import { markedComments, markerFor } from '../github/sticky-comment.js'
import type { IssueComment } from '../github/types.js'
import { errorText } from '../hygiene/scrub.js'
import type { Report } from '../state/run-state.js'
import { fellAsleep, shownKey, staysLive, withTracking } from '../state/tracking.js'
import { toView } from '../state/view.js'
import type { LiveSession } from './list.js'
import type { ScreenTags, SyncDevin, SyncGitHub, SyncRender } from './ports.js'
import { bareReport, refreshReport } from './refresh.js'
import {
  Skip,
  statusOf,
  viaDevin,
  viaGitHub,
  writeCheck,
  writeComment,
  type SurfaceOutcome
} from './surfaces.js'

export interface SessionDeps {
  devin: SyncDevin
  github: SyncGitHub
  render: SyncRender
  screenTags: ScreenTags
  /**
   * Devin's words pass this before the report keeps them: the comment's hidden state line is
   * base64, where the gate's scrub of the rendered body cannot see a credential.
   */
  clean: (text: string) => string | Promise<string>
  orgId: string
  slug: string
  clock: () => number
  /** The token's identity, asked once per sync and only when a comment needs it. */
  writer: () => Promise<Writer>
}

export interface SessionSync {
  id: string
  url: string
  title?: string
  /** The state its surfaces showed before (`gh-shown:`), if any was recorded. */
  from?: string
  to: string
  comment?: SurfaceOutcome
  commentId?: number
  check?: SurfaceOutcome
  /** Its tags now say what is shown; false after a failure, so the next sync tries again. */
  tagged: boolean
  /** Why this session was left as it was. */
  warning?: string
}

export async function syncSession(d: SessionDeps, live: LiveSession): Promise<SessionSync> {
  const view = toView(live.session)
  const out: SessionSync = {
    id: view.id,
    url: view.url,
    title: view.title,
    from: live.tracking.shown,
    to: shownKey(view),
    tagged: false
  }
  try {
    await refreshSurfaces(d, live, out)
  } catch (err) {
    // Whatever went wrong, the other sessions go on.
    out.warning = err instanceof Skip ? err.message : `unexpected failure: ${errorText(err)}`
  }
  return out
}

async function refreshSurfaces(d: SessionDeps, live: LiveSession, out: SessionSync) {
  const { session, tracking } = live
  if (fellAsleep(tracking.shown, toView(session))) return await letGo(d, live, out)
  const { stopped } = classify(session.status, session.status_detail)
  const shown = await shownComment(d, live)
  out.comment = shown.outcome
  const now = d.clock()
  const key = tracking.commentKey ?? 'default'
  const base =
    shown.state ??
    (tracking.checkId === undefined
      ? undefined
      : bareReport(session, { slug: d.slug, commentKey: key, prNumber: tracking.pr, now }))
  if (base) {
    // Read only when something will show it: a comment proven ours, or the check run.
    const said = stopped
      ? await viaDevin("could not read Devin's last message", () =>
          d.devin.lastDevinMessage(d.orgId, session.sessionId)
        )
      : undefined
    const lastMessage = said === undefined ? undefined : await d.clean(said)
    const report = refreshReport(base, session, { now, lastMessage })
    if (shown.state && shown.comment)
      out.comment = await writeComment(d, shown.comment, key, report)
    if (tracking.checkId !== undefined) out.check = await writeCheck(d, tracking.checkId, report)
  }
  const commentId = shown.state && out.comment !== 'gone' ? shown.comment?.id : undefined
  const checkId = out.check === 'updated' || out.check === 'refused' ? tracking.checkId : undefined
  out.commentId = commentId
  const tags = withTracking(session.tags, d.slug, {
    shown: out.to,
    commentId,
    checkId,
    // Ended, or shown nowhere any more: nothing for a later sync to refresh.
    live: staysLive(session.status) && (commentId !== undefined || checkId !== undefined)
  })
  await putTags(d, live, tags, out)
}

/** Fell asleep after it was shown finished or asking: out of the index, nothing rewritten. */
async function letGo(d: SessionDeps, live: LiveSession, out: SessionSync): Promise<void> {
  const { tracking } = live
  const tags = withTracking(live.session.tags, d.slug, {
    shown: out.to,
    commentId: tracking.commentId,
    checkId: tracking.checkId,
    live: false
  })
  await putTags(d, live, tags, out)
}

async function putTags(d: SessionDeps, live: LiveSession, tags: string[], out: SessionSync) {
  await viaDevin('could not update its tags', async () =>
    d.devin.replaceTags(d.orgId, live.session.sessionId, await d.screenTags(tags))
  )
  out.tagged = true
}

interface Shown {
  comment?: IssueComment
  /** The report its hidden state holds, when the comment shows this session. */
  state?: Report
  outcome?: SurfaceOutcome
}

/**
 * The session's sticky comment, proven the action's own: it starts with the marker of the
 * session's key, its author is the token's identity (src/github/identity.ts: anyone can paste a
 * marker, nobody can write as another), and its hidden state reads. Found by the id in the tags,
 * or, when the handoff's tag write was lost, by the marker on the PR of the thread tag.
 */
async function shownComment(d: SessionDeps, live: LiveSession): Promise<Shown> {
  const { tracking } = live
  const key = tracking.commentKey ?? 'default'
  let comment: IssueComment | undefined
  if (tracking.commentId !== undefined) {
    const id = tracking.commentId
    try {
      comment = await d.github.getComment(id)
      if (!comment) return { outcome: 'gone' }
    } catch (err) {
      if (statusOf(err) === 404) return { outcome: 'gone' }
      throw new Skip(`could not read comment ${id}: ${githubErrorMessage(err)}`)
    }
  } else if (tracking.pr !== undefined) {
    const pr = tracking.pr
    const marked = await viaGitHub(`could not list the comments of #${pr}`, () =>
      markedComments(d.github, pr, key)
    )
    if (marked.length === 0) return { outcome: 'gone' }
    comment = pickOwn(marked, await writer(d)).keep
    if (!comment)
      throw new Skip(
        `comments on #${pr} carry the marker of key ${key}, but none is the token's own`
      )
  } else {
    return {} // a branch's handoff has no PR to comment on
  }
  const body = comment.body ?? ''
  if (!body.startsWith(markerFor(key)))
    throw new Skip(`comment ${comment.id} does not start with the marker of key ${key}`)
  if (pickOwn([comment], await writer(d)).keep?.id !== comment.id)
    throw new Skip(
      `comment ${comment.id} was not written by this token's identity (its author: ${comment.user?.login ?? 'unknown'})`
    )
  const state = d.render.decode(body)
  if (!state) throw new Skip(`the hidden state of comment ${comment.id} is missing or unreadable`)
  // A later handoff with the same key took the comment over; this session is not its to write.
  if (state.session?.id !== live.session.sessionId) return { comment, outcome: 'elsewhere' }
  return { comment, state }
}

function writer(d: SessionDeps): Promise<Writer> {
  return viaGitHub('could not tell who the token writes as', () => d.writer())
}
