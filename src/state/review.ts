/**
 * What a Devin Review's status means for the run, shared by the step that follows a review
 * (src/review/) and the sync that completes one later (src/sync/). Like a session's status, a
 * value the docs do not list counts as "still going" (the wait budget bounds it).
 */
import type { PrReview } from '../devin/types.js'
import type { Result, ReviewView } from './run-state.js'

/** The run's result for a review that has stopped; undefined while it goes on. */
export function reviewResult(status: string): Extract<Result, 'finished' | 'error'> | undefined {
  if (status === 'completed') return 'finished'
  if (status === 'errored') return 'error'
  return undefined
}

/** Whether the docs list the status (an unknown one is reported once, then waited on). */
export function knownReviewStatus(status: string): boolean {
  return ['pending', 'running', 'completed', 'errored'].includes(status)
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
  return { prUrl, commitSha: r.commit_sha, status: r.status, createdAt: r.created_at }
}
