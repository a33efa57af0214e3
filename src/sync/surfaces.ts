/**
 * Writing what a sync refreshed where it is shown, shared by the session sync (./session.ts) and
 * the review sync (./reviews.ts): the sticky comment and the check run are edited, never created,
 * and a failure becomes a {@link Skip}, a reason to leave this one for the next sync.
 */
import { githubErrorMessage } from '../github/errors.js'
import { isRateLimit } from '../github/octokit.js'
import { withMarker } from '../github/sticky-comment.js'
import type { IssueComment } from '../github/types.js'
import { errorText } from '../hygiene/scrub.js'
import type { Report } from '../state/run-state.js'
import type { CheckUpdate, SyncGitHub, SyncRender } from './ports.js'

/**
 * What became of a surface: `updated` (written), `gone` (no longer there: deleted, or never
 * found), `elsewhere` (the comment now shows a later session), `refused` (GitHub would not let
 * the token write it: no `checks: write`; its id is kept for later). A changed session always
 * changes what is written (its state, when it was synced), so there is no "unchanged".
 */
export type SurfaceOutcome = 'updated' | 'gone' | 'elsewhere' | 'refused'

/** A reason to leave this session or review for the next sync, already phrased for the log. */
export class Skip extends Error {}

export const statusOf = (err: unknown): unknown => (err as { status?: unknown } | undefined)?.status

export async function viaGitHub<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    throw new Skip(`${what}: ${githubErrorMessage(err)}`)
  }
}

export async function viaDevin<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    throw new Skip(`${what}: ${errorText(err)}`)
  }
}

interface Surfaces {
  github: SyncGitHub
  render: SyncRender
}

export async function writeComment(
  d: Surfaces,
  comment: IssueComment,
  key: string,
  report: Report
): Promise<SurfaceOutcome> {
  const body = withMarker(key, d.render.comment(report))
  try {
    await d.github.updateComment(comment.id, body)
  } catch (err) {
    if (statusOf(err) === 404) return 'gone'
    throw new Skip(`could not update comment ${comment.id}: ${githubErrorMessage(err)}`)
  }
  return 'updated'
}

export async function writeCheck(d: Surfaces, id: number, report: Report): Promise<SurfaceOutcome> {
  const c = d.render.check(report)
  const req: CheckUpdate = { status: c.status, output: { title: c.title, summary: c.summary } }
  if (c.conclusion !== undefined) req.conclusion = c.conclusion
  try {
    await d.github.updateCheckRun(id, req)
  } catch (err) {
    if (statusOf(err) === 404) return 'gone'
    // The sync job's token may not write check runs: the comment (and a session's tags) still
    // move on, and the id stays, so the check run is completed once the permission is there.
    if (statusOf(err) === 403 && !isRateLimit(err as Parameters<typeof isRateLimit>[0]))
      return 'refused'
    throw new Skip(`could not update check run ${id}: ${githubErrorMessage(err)}`)
  }
  return 'updated'
}
