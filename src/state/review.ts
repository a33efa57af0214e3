/**
 * What a Devin Review's status means for the run, shared by the step that follows a review
 * (src/review/) and the sync that completes one later (src/sync/). Like a session's status, a
 * value the docs do not list counts as "still going" (the wait budget bounds it).
 */
import type { PrReview } from '../devin/types.js'
import { REVIEW_STATUSES, type Result, type ReviewView } from './report.js'

/** The run's result for a review that has stopped; undefined while it goes on. */
export function reviewResult(status: string): Extract<Result, 'finished' | 'error'> | undefined {
  if (status === 'completed') return 'finished'
  if (status === 'errored') return 'error'
  return undefined
}

/** Whether the docs list the status (an unknown one is reported once, then waited on). */
export function knownReviewStatus(status: string): boolean {
  return (REVIEW_STATUSES as readonly string[]).includes(status)
}

/**
 * A status as the run keeps it. Devin's answer is untrusted text bound for outputs, the log, the
 * comment and its hidden state: a newer status word is kept, anything else is `unknown`.
 */
export function boundedReviewStatus(status: string): string {
  return /^[a-z][a-z0-9_-]{0,39}$/.test(status) ? status : 'unknown'
}

export function describeReview(status: string): string {
  switch (status) {
    case 'requested':
      return 'asking Devin Review'
    case 'pending':
      return 'queued at Devin Review'
    case 'running':
      return 'Devin is reviewing'
    case 'completed':
      return 'review completed'
    case 'errored':
      return 'Devin Review reported an error'
    default:
      return `Devin Review reported status '${status}'`
  }
}

/** The review as the report keeps it; `prUrl` is the URL the action sent. */
export function toReviewView(r: PrReview, prUrl: string): ReviewView {
  return {
    prUrl,
    commitSha: r.commit_sha,
    status: boundedReviewStatus(r.status),
    createdAt: r.created_at
  }
}
