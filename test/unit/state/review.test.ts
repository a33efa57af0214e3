import { describe, expect, it } from 'vitest'
import {
  boundedReviewStatus,
  describeReview,
  knownReviewStatus,
  reviewResult,
  toReviewView
} from '../../../src/state/review.ts'
import { prReview, REVIEW_PR_URL } from '../../helpers/run-state.ts'

describe('what a review status means', () => {
  it.each([
    ['completed', 'finished'],
    ['errored', 'error'],
    ['pending', undefined],
    ['running', undefined],
    ['requested', undefined],
    ['queued_for_gpu', undefined]
  ])('%s → %s', (status, result) => {
    expect(reviewResult(status)).toBe(result)
  })

  it('knows the four documented statuses only', () => {
    expect(['pending', 'running', 'completed', 'errored'].every(knownReviewStatus)).toBe(true)
    expect(knownReviewStatus('requested')).toBe(false)
    expect(describeReview('queued_for_gpu')).toBe("Devin Review reported status 'queued_for_gpu'")
  })

  it.each([
    ['a newer status word', 'queued_for-gpu2', 'queued_for-gpu2'],
    ['markup and a mention', '</details>@org [x](https://e.co)', 'unknown'],
    ['a workflow command', '::error::x', 'unknown'],
    ['a line break', 'running\n::warning::x', 'unknown'],
    ['41 characters', `a${'b'.repeat(40)}`, 'unknown'],
    ['upper case', 'Running', 'unknown'],
    ['nothing', '', 'unknown']
  ])('keeps %s as %j', (_, status, kept) => {
    expect(boundedReviewStatus(status)).toBe(kept)
    expect(toReviewView(prReview({ status }), REVIEW_PR_URL).status).toBe(kept)
  })

  it('keeps the URL the action sent, not the one Devin echoes', () => {
    const view = toReviewView(prReview({ repo_path: 'github.com/else/where' }), REVIEW_PR_URL)
    expect(view).toEqual({
      prUrl: REVIEW_PR_URL,
      commitSha: 'c0ffee0000000000000000000000000000000001',
      status: 'pending',
      createdAt: '2026-11-29T10:00:00Z'
    })
  })
})
