/**
 * `mode: sync` for Devin Reviews: complete the comment and check run of a review that a run did
 * not wait for. Devin lists no reviews, so they are found on GitHub: the repository's comments
 * updated lately, of which the action's own sticky comments whose hidden state holds a review
 * still going. Each costs one Devin read; only a review whose status moved is written, so a
 * second sync with no change writes nothing.
 */
import { pickOwn, type Writer } from '../github/identity.js'
import { githubErrorMessage } from '../github/errors.js'
import { markerFor } from '../github/sticky-comment.js'
import type { IssueComment } from '../github/types.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { Report, ReviewView } from '../state/run-state.js'
import { reviewResult } from '../state/review.js'
import type { ReviewSyncDevin, SyncGitHub, SyncRender } from './ports.js'
import { refreshReview } from './refresh-review.js'
import { Skip, viaDevin, writeCheck, writeComment, type SurfaceOutcome } from './surfaces.js'

/**
 * How far back a review's comment is looked for, by its last edit. The run that asked for the
 * review wrote it last; Devin reviews in minutes, so a review still shown as going after two days
 * is one Devin lost, and a daily sync that missed a run still finds the ones it left. The window
 * also bounds what a busy repository costs: its comments of two days, not of its whole life.
 */
const LOOKBACK_MS = 48 * 60 * 60 * 1000
const PER_PAGE = 100
const MAX_PAGES = 10

export interface ReviewSyncDeps {
  devin: ReviewSyncDevin
  github: SyncGitHub
  render: SyncRender
  orgId: string
  slug: string
  clock: () => number
  log: Log
  /** The token's identity, asked once per sync and only when a comment needs it. */
  writer: () => Promise<Writer>
}

export interface ReviewSync {
  commentId: number
  pr: number
  prUrl: string
  /** The status its comment showed. */
  from: string
  /** The status Devin answers now; undefined when Devin has no such review (404). */
  to?: string
  comment?: SurfaceOutcome
  check?: SurfaceOutcome
  /** Why this review was left as it was. */
  warning?: string
}

export interface ReviewSyncResult {
  /** Comments the list answered with (the last two days'). */
  listed: number
  /** Of those, the token's own comments of a review still going. */
  inProgress: number
  /** Of those, the ones whose status Devin now answers differently. */
  changed: number
  /** Reviews whose comment or check run this run changed. */
  synced: number
  /** Reviews left for the next sync after a failure (each one a warning). */
  failed: number
  /** Every review in progress, in the list's order. */
  reviews: ReviewSync[]
}

interface Candidate {
  comment: IssueComment
  key: string
  state: Report & { review: ReviewView; prNumber: number }
}

export async function syncReviews(d: ReviewSyncDeps): Promise<ReviewSyncResult> {
  const listed = await listRecent(d)
  const marked = listed.flatMap((c) => candidate(c, d) ?? [])
  const own = marked.length === 0 ? [] : await ownOnly(d, marked)
  const reviews: ReviewSync[] = []
  for (const c of own) reviews.push(await syncReview(d, c))
  const wrote = (r: ReviewSync): boolean => r.comment === 'updated' || r.check === 'updated'
  return {
    listed: listed.length,
    inProgress: own.length,
    changed: reviews.filter((r) => r.to !== undefined && r.to !== r.from).length,
    synced: reviews.filter(wrote).length,
    failed: reviews.filter((r) => r.warning !== undefined).length,
    reviews
  }
}

/**
 * The comments updated within the lookback, latest first, at most {@link MAX_PAGES} pages. A
 * failure keeps what was read: those reviews are still synced, the rest wait for the next sync.
 */
async function listRecent(d: ReviewSyncDeps): Promise<IssueComment[]> {
  // To the second, as GitHub documents `since`; rounding down only widens the window.
  const since = new Date(d.clock() - LOOKBACK_MS).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const byId = new Map<number, IssueComment>()
  let read = 0
  try {
    for await (const c of d.github.listRepoComments({ since, perPage: PER_PAGE })) {
      // A comment edited while the list is read moves up a page: it may come twice.
      byId.set(c.id, c)
      if (++read < PER_PAGE * MAX_PAGES) continue
      d.log.warning(
        `Stopped listing the repository's comments at ${read} (${MAX_PAGES} pages), the most recently updated: a review whose comment was last updated before ${c.updated_at ?? c.created_at} may not have been synced.`
      )
      break
    }
  } catch (err) {
    d.log.warning(
      `Could not list the repository's comments updated since ${since} (${githubErrorMessage(err)}): ${read > 0 ? `only the first ${read} were looked at for reviews` : 'no review was synced'}.`
    )
  }
  return [...byId.values()]
}

/**
 * A comment that shows a review still going, as far as its text says: the marker line, a hidden
 * state that reads, and the PR it names is the one the comment is on. Who wrote it is decided
 * after ({@link ownOnly}): the text alone proves nothing.
 */
function candidate(c: IssueComment, d: ReviewSyncDeps): Candidate | undefined {
  const body = c.body ?? ''
  const state = d.render.decode(body)
  const review = state?.review
  if (!state || state.mode !== 'review' || review === undefined || state.cancelled) return undefined
  // The marker of the key the state names opens the comment: the two agree.
  const key = state.commentKey
  if (reviewResult(review.status) !== undefined || !body.startsWith(`${markerFor(key)}\n`))
    return undefined
  if (state.prNumber === undefined || issueOf(c) !== state.prNumber) return undefined
  if (!isPullOf(review.prUrl, d.slug, state.prNumber)) return undefined
  return { comment: c, key, state: { ...state, review, prNumber: state.prNumber } }
}

/** The number of the issue or PR a comment is on, from the URLs GitHub gives it. */
function issueOf(c: IssueComment): number | undefined {
  const m =
    /\/issues\/(\d+)$/.exec(c.issue_url ?? '') ??
    /\/(?:pull|issues)\/(\d+)#issuecomment-\d+$/.exec(c.html_url)
  return m ? Number(m[1]) : undefined
}

/** Whether `url` is this repository's PR `n`: a review is only ever asked of Devin for that. */
function isPullOf(url: string, slug: string, n: number): boolean {
  try {
    return new URL(url).pathname.toLowerCase() === `/${slug.toLowerCase()}/pull/${n}`
  } catch {
    return false
  }
}

/** The candidates the token wrote itself (src/github/identity.ts), as ./session.ts proves it. */
async function ownOnly(d: ReviewSyncDeps, marked: Candidate[]): Promise<Candidate[]> {
  let writer: Writer
  try {
    writer = await d.writer()
  } catch (err) {
    d.log.warning(
      `Could not tell who the token writes as (${githubErrorMessage(err)}): ${marked.length} review comment(s) were left for the next sync.`
    )
    return []
  }
  return marked.filter((c) => pickOwn([c.comment], writer).keep?.id === c.comment.id)
}

async function syncReview(d: ReviewSyncDeps, c: Candidate): Promise<ReviewSync> {
  const { review } = c.state
  const out: ReviewSync = {
    commentId: c.comment.id,
    pr: c.state.prNumber,
    prUrl: review.prUrl,
    from: review.status
  }
  try {
    await refreshSurfaces(d, c, out)
  } catch (err) {
    // Whatever went wrong, the other reviews go on.
    out.warning = err instanceof Skip ? err.message : `unexpected failure: ${errorText(err)}`
  }
  logOutcome(d.log, out)
  return out
}

async function refreshSurfaces(d: ReviewSyncDeps, c: Candidate, out: ReviewSync): Promise<void> {
  const { review } = c.state
  const now = await viaDevin('could not read the review from Devin', () =>
    d.devin.getReview(d.orgId, review.prUrl, review.commitSha)
  )
  if (now === undefined) return
  const report = refreshReview(c.state, now, d.clock())
  // Compared as the report keeps it (src/state/review.ts bounds a status), so a status it cannot
  // hold whole is not written again on every sync.
  out.to = report.review?.status
  if (out.to === review.status) return
  out.comment = await writeComment(d, c.comment, c.key, report)
  if (c.state.checkRunId !== undefined) out.check = await writeCheck(d, c.state.checkRunId, report)
}

function logOutcome(log: Log, r: ReviewSync): void {
  const what = `Devin Review of ${r.prUrl} (comment ${r.commentId})`
  if (r.warning !== undefined) {
    log.warning(`${what} was not synced: ${r.warning}. The next sync tries again.`)
    return
  }
  if (r.to === undefined) {
    log.info(`${what}: Devin has no such review any more; its comment was left as it was.`)
    return
  }
  if (r.to === r.from) return
  const wrote = [
    ...(r.comment === 'updated' ? ['comment updated'] : []),
    ...(r.check === 'updated' ? ['check run updated'] : [])
  ]
  log.info(`${what}: ${r.from} → ${r.to}; ${wrote.join(', ') || 'nothing written'}.`)
  if (r.comment === 'gone') log.info(`${what}: its comment was deleted meanwhile.`)
  if (r.check === 'refused')
    log.warning(
      `${what}: GitHub refused to update its check run; the sync job needs \`checks: write\` (and the App's token that created it).`
    )
}
