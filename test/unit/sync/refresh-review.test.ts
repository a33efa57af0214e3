import { describe, expect, it } from 'vitest'
import type { PrReview } from '../../../src/devin/types.ts'
import { refreshReview } from '../../../src/sync/refresh-review.ts'
import { prUrl, reviewReport, SHA, T0 } from './review-fakes.ts'

const NOW = T0 + 3_600_000
const answer = (status: string, o: Partial<PrReview> = {}): PrReview => ({
  commit_sha: SHA,
  created_at: '2026-01-01T00:00:07Z',
  pr_number: 7,
  repo_path: 'github.com/octo/hello',
  status,
  raw: {},
  ...o
})

describe('refreshReview', () => {
  it('takes the review as Devin answers it, but keeps the URL the action sent', () => {
    const old = reviewReport(7, 'pending')
    const r = refreshReview(old, answer('running'), NOW)
    expect(r.review).toEqual({
      prUrl: prUrl(7),
      commitSha: SHA,
      status: 'running',
      createdAt: '2026-01-01T00:00:07Z'
    })
    expect(r).not.toHaveProperty('result')
    expect([r.syncedAt, r.updatedAt, r.startedAt]).toEqual([NOW, NOW, T0])
    expect(r.timeline.at(-1)).toEqual({ at: NOW, text: 'synced: Devin is reviewing' })
    // Pure: the old report is as it was.
    expect(old).toEqual(reviewReport(7, 'pending'))
  })

  it('ends with the review: completed is finished, errored an error, and a timeout note goes', () => {
    const waited = reviewReport(7, 'running', { result: 'timeout', note: 'Stopped waiting.' })
    expect(refreshReview(waited, answer('completed'), NOW)).toMatchObject({ result: 'finished' })
    expect(refreshReview(waited, answer('completed'), NOW)).not.toHaveProperty('note')
    expect(refreshReview(waited, answer('errored'), NOW)).toMatchObject({ result: 'error' })
    expect(refreshReview(waited, answer('running'), NOW)).toMatchObject({
      result: 'timeout',
      note: 'Stopped waiting.'
    })
  })

  it('changes nothing without a review, and keeps the timeline bounded', () => {
    const old = reviewReport(7, 'running')
    expect(refreshReview(old, undefined, NOW)).toEqual(old)
    const long = reviewReport(7, 'running', {
      timeline: Array.from({ length: 30 }, (_, i) => ({ at: T0 + i, text: `t${i}` }))
    })
    const r = refreshReview(long, answer('pending'), NOW)
    expect(r.timeline).toHaveLength(30)
    expect([r.timeline[0]?.text, r.timeline.at(-1)?.text]).toEqual([
      't1',
      'synced: queued at Devin Review'
    ])
  })
})
