/**
 * What the review sync's tests stand on: a fake of Devin's review read (the only Devin call the
 * review sync makes), the report a `mode: review` run leaves in its comment, and a way to lay a
 * review out in the GitHub fake (./fakes.ts) with its comment and check run.
 */
import type { PrReview } from '../../../src/devin/types.ts'
import type { CommentBody } from '../../../src/egress/comment.ts'
import { withMarker } from '../../../src/github/sticky-comment.ts'
import type { Report } from '../../../src/state/run-state.ts'
import type { ReviewSyncDevin, SyncRender } from '../../../src/sync/ports.ts'
import { fakeRender, GitHubFake, httpError, SLUG, type StoredComment } from './fakes.ts'

export const SHA = 'c0ffee'.padEnd(40, '0')
export const prUrl = (pr: number, slug = SLUG): string => `https://github.com/${slug}/pull/${pr}`

/** Devin's review read: answers from a table, records every read. */
export class ReviewsFake implements ReviewSyncDevin {
  readonly answers = new Map<string, string | Error>()
  readonly reads: Array<{ orgId: string; prUrl: string; commitSha: string }> = []

  /** What Devin answers for the review of `pr` at `sha`: a status, a failure, or none (404). */
  set(pr: number, answer: string | Error | undefined, sha = SHA): void {
    if (answer === undefined) this.answers.delete(`${prUrl(pr)} ${sha}`)
    else this.answers.set(`${prUrl(pr)} ${sha}`, answer)
  }

  async getReview(orgId: string, url: string, commitSha: string): Promise<PrReview | undefined> {
    this.reads.push({ orgId, prUrl: url, commitSha })
    const a = this.answers.get(`${url} ${commitSha}`)
    if (a === undefined) return undefined
    if (a instanceof Error) throw a
    const pr = Number(/\/pull\/(\d+)$/.exec(url)?.[1])
    const review = {
      commit_sha: commitSha,
      created_at: '2026-01-01T00:00:05Z',
      pr_number: pr,
      repo_path: `github.com/${SLUG}`,
      status: a
    }
    return { ...review, raw: review }
  }
}

export const T0 = Date.UTC(2026, 0, 1)

/** The report a `mode: review` run that did not wait leaves in its comment. */
export function reviewReport(pr: number, status: string, extra: Partial<Report> = {}): Report {
  return {
    phase: 'ended',
    mode: 'review',
    review: { prUrl: prUrl(pr), commitSha: SHA, status, createdAt: '2026-01-01T00:00:05Z' },
    result: 'created',
    slug: SLUG,
    prNumber: pr,
    startedAt: T0,
    updatedAt: T0,
    runUrl: `https://github.com/${SLUG}/actions/runs/1`,
    commentKey: 'review',
    timeline: [{ at: T0, text: `review: ${status}` }],
    attachments: [],
    ...extra
  }
}

export interface ReviewSeed {
  pr: number
  /** What its comment shows. */
  shown: string
  /** What Devin answers now (default: what is shown); undefined in the table: none (404). */
  now?: string | Error | null
  /** The report, changed from a plain review run's. */
  report?: Partial<Report>
  /** Who wrote the comment (default: the token). */
  by?: string
  check?: boolean
  key?: string
  /** The comment's body, instead of the rendered one. */
  body?: (rendered: string) => string
  render?: SyncRender
}

export interface SeededReview {
  comment: StoredComment
  checkId?: number
}

export function seedReview(gh: GitHubFake, devin: ReviewsFake, s: ReviewSeed): SeededReview {
  const check = s.check === false ? undefined : gh.addCheck()
  const key = s.key ?? 'review'
  const report = reviewReport(s.pr, s.shown, {
    commentKey: key,
    ...(check ? { checkRunId: check.id } : {}),
    ...s.report
  })
  const rendered = withMarker(key, (s.render ?? fakeRender).comment(report))
  const comment = gh.addComment(s.pr, s.body ? s.body(rendered) : rendered, s.by)
  if (s.now !== null) devin.set(s.pr, s.now ?? s.shown)
  return { comment, checkId: check?.id }
}

export const refused = (): Error => httpError(403, 'Resource not accessible by integration')
export type { CommentBody }
