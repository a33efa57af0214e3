import { describe, expect, it } from 'vitest'
import {
  liveTag,
  prTag,
  readTracking,
  repoTag,
  shownKey,
  fellAsleep,
  staysLive,
  withTracking
} from '../../../src/state/tracking.ts'

const slug = 'octo/repo'

describe('tracking tags', () => {
  it('names the repository, the PR and the live index exactly', () => {
    expect(repoTag(slug)).toBe('gh:octo/repo')
    expect(prTag(slug, 12)).toBe('gh:octo/repo#12')
    expect(liveTag(slug)).toBe('gh-live:octo/repo')
  })

  it('keys the shown state by status, detail and PR count, not by ACUs', () => {
    const s = { status: 'running', detail: 'working', pullRequests: [] }
    expect(shownKey(s)).toBe('running/working/0')
    expect(shownKey({ ...s, detail: '', pullRequests: ['a', 'b'] })).toBe('running/-/2')
    // Odd characters from the server cannot forge a separator or another tag.
    expect(shownKey({ ...s, status: 'run/ning gh-live:x' })).toBe('runninggh-livex/working/0')
  })

  it('reads what the action wrote and nothing it did not', () => {
    const t = readTracking(
      [
        'github-action',
        'gh:octo/repo',
        'gh:octo/repo#12',
        'gh:octo/repo#12:review',
        'gh-live:octo/repo',
        'gh-shown:running/working/0',
        'gh-comment:99',
        'gh-check:123456789'
      ],
      slug
    )
    expect(t).toEqual({
      ours: true,
      pr: 12,
      commentKey: 'review',
      live: true,
      shown: 'running/working/0',
      commentId: 99,
      checkId: 123456789
    })
  })

  it('does not take another repository, a prefix of the name, or malformed ids', () => {
    const t = readTracking(
      [
        'gh:octo/repo-fork#12:default',
        'gh:octo/repository@main:default',
        'gh-live:octo/repo-fork',
        'gh-comment:12abc',
        'gh-check:-4',
        'gh-comment:0'
      ],
      slug
    )
    expect(t).toEqual({ ours: false, live: false, commentId: undefined, checkId: undefined })
    const branch = readTracking(['gh:octo/repo@feature/x:default'], slug)
    expect(branch).toMatchObject({ ours: true, commentKey: 'default' })
    expect(branch.pr).toBeUndefined()
  })

  it('replaces the tracking part and keeps every other tag in order', () => {
    const before = [
      'github-action',
      'team-x',
      'gh-live:octo/repo',
      'gh-shown:new/-/0',
      'gh-comment:5'
    ]
    expect(
      withTracking(before, slug, { shown: 'exit/-/1', commentId: 5, checkId: 7, live: false })
    ).toEqual(['github-action', 'team-x', 'gh-shown:exit/-/1', 'gh-comment:5', 'gh-check:7'])
    expect(withTracking(['a'], slug, { shown: 'running/working/0', live: true })).toEqual([
      'a',
      'gh-live:octo/repo',
      'gh-shown:running/working/0'
    ])
  })

  it('keeps in the index what may go on, and lets go of what ended or sleeps', () => {
    expect(['new', 'running', 'resuming', 'something-new'].map(staysLive)).toEqual([
      true,
      true,
      true,
      true
    ])
    expect(['exit', 'error', 'suspended'].map(staysLive)).toEqual([false, false, false])
  })

  it('knows a session that fell asleep after finishing or asking is no news', () => {
    const asleep = { status: 'suspended', detail: 'inactivity', pullRequests: [] }
    expect(fellAsleep('running/finished/1', asleep)).toBe(true)
    expect(fellAsleep('running/waiting_for_user/0', asleep)).toBe(true)
    expect(fellAsleep('running/working/0', asleep)).toBe(false)
    expect(fellAsleep(undefined, asleep)).toBe(false)
    expect(fellAsleep('running/finished/1', { ...asleep, detail: 'out_of_credits' })).toBe(false)
  })
})
