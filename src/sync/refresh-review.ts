/**
 * A review's report as its comment last showed it, brought up to date with the review as Devin
 * answers it now. Pure: the caller reads Devin and the clock.
 */
import type { PrReview } from '../devin/types.js'
import type { Report } from '../state/run-state.js'
import { describeReview, reviewResult, toReviewView } from '../state/review.js'
import { dropUndefined, TIMELINE_KEPT } from './refresh.js'

/**
 * `review` undefined (Devin has none for the commit any more) changes nothing: the report stays
 * as it was shown. A run that stopped waiting (`timeout`) keeps saying so while the review goes
 * on; once it stops, its end is the news and the run's note about its own end goes with it.
 */
export function refreshReview(old: Report, review: PrReview | undefined, now: number): Report {
  const r: Report = structuredClone(old)
  if (review === undefined) return r
  // The URL the action sent is the one the report keeps, whatever form Devin echoes.
  r.review = toReviewView(review, old.review?.prUrl ?? '')
  const result = reviewResult(r.review.status)
  if (result !== undefined) {
    r.result = result
    if (old.result === 'timeout') r.note = undefined
  } else {
    r.result = old.result === 'timeout' ? 'timeout' : undefined
  }
  r.syncedAt = now
  r.updatedAt = now
  r.timeline = [
    ...r.timeline,
    { at: now, text: `synced: ${describeReview(r.review.status)}` }
  ].slice(-TIMELINE_KEPT)
  return dropUndefined(r)
}
