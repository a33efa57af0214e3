/**
 * Asking Devin Review for a review of the PR's head commit, at most once per commit: a review of
 * this commit that did not error means there is nothing to ask (re-runs, a reopened PR, a second
 * workflow pay nothing). The request itself is never resent blindly (src/devin/client.ts).
 */
import type { PrReview } from '../devin/types.js'
import { screenForDevin, type ForDevin } from '../egress/devin.js'
import type { Log } from '../hygiene/log.js'
import type { SecretScan } from '../hygiene/secret-screen.js'
import type { RunContext } from '../run/context.js'
import type { Target } from '../run/target.js'
import { toReviewView } from '../state/review.js'
import type { RunState } from '../state/run-state.js'

/** The PR's URL as Devin gets it, from the server URL: Enterprise Server PRs are not on github.com. */
export function prUrlOf(ctx: Pick<RunContext, 'serverUrl'>, target: Target): string {
  return `${ctx.serverUrl}/${target.owner}/${target.repo}/pull/${target.pr?.number ?? 0}`
}

/** What a review needs of the Devin client (src/devin/client.ts). */
export interface ReviewDevin {
  /** The latest review of the commit (the PR's head when omitted); undefined when none (404). */
  getReview(orgId: string, prUrl: string, commitSha?: string): Promise<PrReview | undefined>
  /** Never resent blindly: an unclear answer is settled by a lookup first (`recovered`). */
  createReview(
    orgId: string,
    body: ForDevin<{ pr_url: string }>,
    opts: { known?: PrReview; signal?: AbortSignal }
  ): Promise<{ review: PrReview; recovered: boolean }>
}

export interface ReviewRequest {
  devin: ReviewDevin
  orgId: string
  state: RunState
  prUrl: string
  headSha: string
  secretScan: SecretScan
  log: Pick<Log, 'info' | 'warning'>
  /** Aborted once the workflow is being cancelled: no request is sent again. */
  signal?: AbortSignal
  /** Saves what the post step needs before the request goes (src/report/reporter.ts). */
  save: () => void
}

/** Asks for the review; returns why it was skipped when this commit already has one. */
export async function requestReview(o: ReviewRequest): Promise<string | undefined> {
  const { state, prUrl, headSha } = o
  const existing = await o.devin.getReview(o.orgId, prUrl, headSha)
  if (existing && existing.status !== 'errored') {
    const view = toReviewView(existing, prUrl)
    state.alreadyReviewed(view)
    return `commit ${headSha.slice(0, 7)} already has a Devin Review (${view.status}); nothing was sent`
  }
  if (existing) o.log.info('The last Devin Review of this commit errored; asking for a new one.')
  // The URL is built from the event, but every request text passes the gate all the same.
  const body = await screenForDevin({ pr_url: prUrl }, { mode: o.secretScan, log: o.log })
  state.reviewSent(prUrl, headSha)
  o.save()
  const { review, recovered } = await o.devin.createReview(o.orgId, body.value, {
    known: existing,
    signal: o.signal
  })
  state.reviewStarted(toReviewView(review, prUrl), { recovered })
  if (review.commit_sha !== headSha && !headSha.startsWith(review.commit_sha))
    o.log.info(
      `The PR's head moved since the event: Devin reviews ${review.commit_sha.slice(0, 7)}, its latest commit.`
    )
  return undefined
}
