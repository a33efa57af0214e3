import { renderGfm } from '../../helpers/markdown.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { openLog } from '../../../src/egress/log.ts'
import { linkHosts } from '../../../src/egress/markdown.ts'
import type { Writer } from '../../../src/github/identity.ts'
import type { Log } from '../../../src/hygiene/log.ts'
import { decodeState } from '../../../src/state/marker.ts'
import { reportRender } from '../../../src/sync/render.ts'
import { syncReviews } from '../../../src/sync/reviews.ts'
import type { SyncRender } from '../../../src/sync/ports.ts'
import { captureStdout, recordingLog } from '../../helpers/log.ts'
import { runnerCommands } from '../../helpers/runner-commands.ts'
import { fakeRender, GitHubFake, httpError, SLUG } from './fakes.ts'
import { prUrl, refused, reviewReport, ReviewsFake, seedReview, SHA } from './review-fakes.ts'

const NOW = Date.UTC(2026, 0, 2, 12)

afterEach(() => {
  vi.restoreAllMocks()
})

function setup(gh = new GitHubFake()) {
  const devin = new ReviewsFake()
  const log = recordingLog()
  const clock = { now: NOW }
  const sync = (o: { render?: SyncRender; log?: Log } = {}) => {
    // Who the token is: asked at most once per sync.
    let asked: Promise<Writer> | undefined
    return syncReviews({
      devin,
      github: gh,
      render: o.render ?? fakeRender,
      orgId: 'org-1',
      slug: SLUG,
      clock: () => clock.now,
      log: o.log ?? log,
      writer: () => (asked ??= gh.whoAmI())
    })
  }
  const state = (id: number) => fakeRender.decode(gh.comments.get(id)?.body ?? '')
  return { gh, devin, log, clock, sync, state }
}

describe('mode: sync for reviews', () => {
  it('completes a review that finished; a second sync reads and writes nothing', async () => {
    const t = setup()
    const done = seedReview(t.gh, t.devin, { pr: 7, shown: 'running', now: 'completed' })
    const failed = seedReview(t.gh, t.devin, { pr: 8, shown: 'pending', now: 'errored' })

    const first = await t.sync()
    expect(first).toMatchObject({ listed: 2, inProgress: 2, changed: 2, synced: 2, failed: 0 })
    expect(t.devin.reads.map((r) => [r.orgId, r.prUrl, r.commitSha]).sort()).toEqual([
      ['org-1', prUrl(7), SHA],
      ['org-1', prUrl(8), SHA]
    ])
    expect(t.gh.counts().byOp).toEqual({
      listRepoComments: 1,
      whoAmI: 1,
      updateComment: 2,
      updateCheckRun: 2
    })
    expect(t.state(done.comment.id)).toMatchObject({
      mode: 'review',
      result: 'finished',
      review: { prUrl: prUrl(7), commitSha: SHA, status: 'completed' },
      syncedAt: NOW,
      updatedAt: NOW,
      checkRunId: done.checkId
    })
    expect(t.state(done.comment.id)?.timeline.at(-1)).toEqual({
      at: NOW,
      text: 'synced: review completed'
    })
    expect(t.gh.checks.get(done.checkId as number)).toMatchObject({
      status: 'completed',
      conclusion: 'success'
    })
    expect(t.state(failed.comment.id)).toMatchObject({ result: 'error' })
    expect(t.gh.checks.get(failed.checkId as number)).toMatchObject({ conclusion: 'failure' })
    // The marker stays first: the run's sticky comment finds it again.
    expect(t.gh.comments.get(done.comment.id)?.body).toMatch(/^<!-- devin-handoff:review -->\n/)
    expect(t.log.infos).toContain(
      `Devin Review of ${prUrl(7)} (comment ${done.comment.id}): running → completed; comment updated, check run updated.`
    )
    expect(t.log.warnings).toEqual([])

    const calls = t.gh.calls.length
    const second = await t.sync()
    expect(second).toMatchObject({ listed: 2, inProgress: 0, synced: 0 })
    expect(t.devin.reads).toHaveLength(2)
    // One list, and not even who the token is: no comment shows a review still going.
    expect(t.gh.calls.slice(calls).map((c) => c.op)).toEqual(['listRepoComments'])
  })

  it('reads an unchanged review once and writes nothing', async () => {
    const t = setup()
    seedReview(t.gh, t.devin, { pr: 7, shown: 'running' })
    const r = await t.sync()
    expect(r).toMatchObject({ inProgress: 1, changed: 0, synced: 0, failed: 0 })
    expect(t.devin.reads).toHaveLength(1)
    expect(t.gh.counts().writes).toBe(0)
    expect(t.log.infos).toEqual([])
  })

  it('follows a review still being asked for, and one whose run stopped waiting', async () => {
    const t = setup()
    const asked = seedReview(t.gh, t.devin, { pr: 7, shown: 'requested', now: 'pending' })
    const waited = seedReview(t.gh, t.devin, {
      pr: 8,
      shown: 'running',
      now: 'completed',
      report: { result: 'timeout', note: 'Stopped waiting after 30m.' }
    })
    const going = seedReview(t.gh, t.devin, {
      pr: 9,
      shown: 'pending',
      now: 'running',
      report: { result: 'timeout', note: 'Stopped waiting after 30m.' }
    })
    expect(await t.sync()).toMatchObject({ inProgress: 3, changed: 3, synced: 3 })
    expect(t.state(asked.comment.id)).toMatchObject({ review: { status: 'pending' } })
    expect(t.state(asked.comment.id)?.result).toBeUndefined()
    expect(t.gh.checks.get(asked.checkId as number)).toMatchObject({ status: 'in_progress' })
    // Stopped: the review's end is the news, and the run's note about its own end goes.
    expect(t.state(waited.comment.id)).toMatchObject({ result: 'finished' })
    expect(t.state(waited.comment.id)?.note).toBeUndefined()
    // Still going: the run's timeout stays what the check run shows.
    expect(t.state(going.comment.id)).toMatchObject({
      result: 'timeout',
      note: 'Stopped waiting after 30m.'
    })
    expect(t.gh.checks.get(going.checkId as number)).toMatchObject({ conclusion: 'timed_out' })
  })

  it('leaves stopped, cancelled, handoff, foreign and forged comments alone, unread', async () => {
    const t = setup()
    const mine = seedReview(t.gh, t.devin, { pr: 1, shown: 'running', now: 'completed' })
    const untouched = [
      seedReview(t.gh, t.devin, { pr: 2, shown: 'completed', now: 'running' }),
      seedReview(t.gh, t.devin, { pr: 3, shown: 'errored', now: 'completed' }),
      seedReview(t.gh, t.devin, {
        pr: 4,
        shown: 'running',
        now: 'completed',
        report: { cancelled: true }
      }),
      // A handoff's comment: no `mode: review`.
      seedReview(t.gh, t.devin, {
        pr: 5,
        shown: 'running',
        now: 'completed',
        report: { mode: undefined }
      }),
      // A person pasted the whole comment: the marker and state prove nothing.
      seedReview(t.gh, t.devin, { pr: 6, shown: 'running', now: 'completed', by: 'mallory' }),
      // Forged: a state that does not read, the marker not first, the key not the state's.
      seedReview(t.gh, t.devin, {
        pr: 10,
        shown: 'running',
        now: 'completed',
        body: (b) => b.replace(/devin-handoff-state:\S+/, 'devin-handoff-state:!! -->')
      }),
      seedReview(t.gh, t.devin, {
        pr: 11,
        shown: 'running',
        now: 'completed',
        body: (b) => `> quoted\n${b}`
      }),
      seedReview(t.gh, t.devin, {
        pr: 12,
        shown: 'running',
        now: 'completed',
        body: (b) => b.replace('devin-handoff:review', 'devin-handoff:default')
      }),
      // Copied from PR 13 onto PR 14, and one naming another repository's PR.
      seedReview(t.gh, t.devin, {
        pr: 13,
        shown: 'running',
        now: 'completed',
        report: { prNumber: 14 }
      }),
      seedReview(t.gh, t.devin, {
        pr: 15,
        shown: 'running',
        now: 'completed',
        report: {
          review: { prUrl: prUrl(15, 'evil/repo'), commitSha: SHA, status: 'running' }
        }
      })
    ]
    const r = await t.sync()
    expect(r).toMatchObject({ listed: 11, inProgress: 1, synced: 1, failed: 0 })
    expect(t.devin.reads.map((x) => x.prUrl)).toEqual([prUrl(1)])
    expect(t.gh.writesTo(mine.comment.id)).toBe(1)
    for (const u of untouched) {
      expect(t.gh.writesTo(u.comment.id)).toBe(0)
      expect(t.gh.writesTo(u.checkId as number)).toBe(0)
    }
    expect(t.gh.counts().byOp.whoAmI).toBe(1)
  })

  it("leaves another App's comment alone when the token's login is known", async () => {
    const t = setup(new GitHubFake({ login: 'octo-bot', as: 'octo-bot' }))
    const theirs = seedReview(t.gh, t.devin, {
      pr: 7,
      shown: 'running',
      now: 'completed',
      by: 'github-actions[bot]'
    })
    const mine = seedReview(t.gh, t.devin, { pr: 8, shown: 'running', now: 'completed' })
    expect(await t.sync()).toMatchObject({ inProgress: 1, synced: 1 })
    expect(t.devin.reads.map((x) => x.prUrl)).toEqual([prUrl(8)])
    expect(t.gh.writesTo(theirs.comment.id)).toBe(0)
    expect(t.gh.writesTo(mine.comment.id)).toBe(1)
  })

  it('looks back 48 hours from the injected clock, and no further', async () => {
    const t = setup()
    t.clock.now = Date.UTC(2026, 0, 3, 12, 0, 0, 750)
    const old = seedReview(t.gh, t.devin, { pr: 7, shown: 'running', now: 'completed' })
    const edge = seedReview(t.gh, t.devin, { pr: 8, shown: 'running', now: 'completed' })
    old.comment.updated_at = '2026-01-01T12:00:00Z'
    edge.comment.updated_at = '2026-01-01T12:00:01Z'
    const r = await t.sync()
    expect(t.gh.repoLists).toEqual([{ since: '2026-01-01T12:00:00Z', perPage: 100 }])
    // The fake keeps what GitHub keeps: updated at or after `since`.
    expect(r).toMatchObject({ listed: 2, synced: 2 })

    t.clock.now += 1000
    const later = await t.sync()
    expect(t.gh.repoLists[1]).toEqual({ since: '2026-01-01T12:00:01Z', perPage: 100 })
    expect(later.listed).toBe(1)
  })

  it('stops listing at 10 pages, with one warning, and syncs what it read', async () => {
    const t = setup()
    // The oldest activity: past the first 1,000 comments, so never reached.
    const far = seedReview(t.gh, t.devin, { pr: 7, shown: 'running', now: 'completed' })
    far.comment.updated_at = '2026-01-01T00:00:00Z'
    for (let i = 0; i < 1050; i++) t.gh.addComment(100 + (i % 50), `chatter ${i}`, 'bob')
    const near = seedReview(t.gh, t.devin, { pr: 8, shown: 'running', now: 'completed' })
    near.comment.updated_at = '2026-01-02T11:00:00Z'
    const r = await t.sync()
    expect(t.gh.counts().byOp.listRepoComments).toBe(10)
    expect(r).toMatchObject({ listed: 1000, inProgress: 1, synced: 1 })
    expect(t.devin.reads.map((x) => x.prUrl)).toEqual([prUrl(8)])
    expect(t.log.warnings).toHaveLength(1)
    expect(t.log.warnings[0]).toMatch(
      /^Stopped listing the repository's comments at 1000 \(10 pages\), the most recently updated: a review whose comment was last updated before 2026-01-01T00:00:[\d.]+Z may not have been synced\.$/
    )
  })

  it('syncs what it read when the list fails midway, with a warning', async () => {
    const t = setup()
    for (let i = 0; i < 150; i++) t.gh.addComment(100 + (i % 50), `chatter ${i}`, 'bob')
    const first = seedReview(t.gh, t.devin, { pr: 7, shown: 'running', now: 'completed' })
    first.comment.updated_at = '2026-01-02T11:00:00Z'
    t.gh.failures.push({ op: 'listRepoComments', id: 2, error: httpError(502, 'Bad Gateway') })
    expect(await t.sync()).toMatchObject({ listed: 100, inProgress: 1, synced: 1 })
    expect(t.log.warnings).toEqual([
      "Could not list the repository's comments updated since 2025-12-31T12:00:00Z (502 Bad Gateway): only the first 100 were looked at for reviews."
    ])

    t.gh.failures.push({ op: 'listRepoComments', id: 1, error: httpError(403, 'Forbidden') })
    expect(await t.sync()).toMatchObject({ listed: 0, inProgress: 0 })
    expect(t.log.warnings[1]).toBe(
      "Could not list the repository's comments updated since 2025-12-31T12:00:00Z (403 Forbidden): no review was synced."
    )
  })

  it('leaves a review Devin no longer has (404) as it was', async () => {
    const t = setup()
    const gone = seedReview(t.gh, t.devin, { pr: 7, shown: 'running', now: null })
    const r = await t.sync()
    expect(r).toMatchObject({ inProgress: 1, changed: 0, synced: 0, failed: 0 })
    expect(r.reviews).toEqual([
      { commentId: gone.comment.id, pr: 7, prUrl: prUrl(7), from: 'running' }
    ])
    expect(t.devin.reads).toHaveLength(1)
    expect(t.gh.counts().writes).toBe(0)
    expect(t.log.infos).toEqual([
      `Devin Review of ${prUrl(7)} (comment ${gone.comment.id}): Devin has no such review any more; its comment was left as it was.`
    ])
  })

  it('writes the comment when the check run is refused, and says the job needs checks: write', async () => {
    const t = setup()
    const s = seedReview(t.gh, t.devin, { pr: 7, shown: 'running', now: 'completed' })
    t.gh.failures.push({ op: 'updateCheckRun', error: refused() })
    const r = await t.sync()
    expect(r).toMatchObject({ synced: 1, failed: 0 })
    expect(r.reviews[0]).toMatchObject({ comment: 'updated', check: 'refused' })
    expect(t.state(s.comment.id)).toMatchObject({ result: 'finished' })
    expect(t.log.warnings).toHaveLength(1)
    expect(t.log.warnings[0]).toContain('`checks: write`')
    expect(t.log.warnings[0]).toContain(prUrl(7))
  })

  it('goes on with the other reviews when Devin or GitHub fails on one', async () => {
    const t = setup()
    seedReview(t.gh, t.devin, {
      pr: 7,
      shown: 'running',
      now: new Error('Devin API GET /v3/organizations/org-1/pr-reviews failed: 500 upstream down')
    })
    const ok = seedReview(t.gh, t.devin, { pr: 8, shown: 'running', now: 'completed' })
    const blocked = seedReview(t.gh, t.devin, { pr: 9, shown: 'pending', now: 'running' })
    t.gh.failures.push({
      op: 'updateComment',
      id: blocked.comment.id,
      error: httpError(500, 'Server Error')
    })
    const r = await t.sync()
    expect(r).toMatchObject({ inProgress: 3, changed: 2, synced: 1, failed: 2 })
    expect(t.gh.writesTo(ok.comment.id)).toBe(1)
    expect(t.gh.writesTo(ok.checkId as number)).toBe(1)
    expect(t.log.warnings.sort()).toEqual(
      [
        `Devin Review of ${prUrl(7)} (comment ${ok.comment.id - 2}) was not synced: could not read the review from Devin: Devin API GET /v3/organizations/org-1/pr-reviews failed: 500 upstream down. The next sync tries again.`,
        `Devin Review of ${prUrl(9)} (comment ${blocked.comment.id}) was not synced: could not update comment ${blocked.comment.id}: 500 Server Error. The next sync tries again.`
      ].sort()
    )
  })

  it("keeps Devin's hostile status inert in the comment, the check run and the log", async () => {
    // 40 characters: what the hidden state keeps of a status.
    const hostile = '</details>@o [x](http://e.co)\n::error::x'
    const t = setup()
    const render = reportRender(linkHosts('https://github.com'), (s) => s)
    const s = seedReview(t.gh, t.devin, { pr: 7, shown: 'running', now: hostile, render })
    const out = captureStdout()
    const r = await t.sync({ render, log: openLog() })
    vi.restoreAllMocks()
    expect(r).toMatchObject({ changed: 1, synced: 1 })

    const body = t.gh.comments.get(s.comment.id)?.body ?? ''
    const summary = t.gh.checks.get(s.checkId as number)?.output?.summary ?? ''
    for (const text of [body, summary]) {
      // It is shown, as text: the timeline names it; the details table, as code.
      // Not a status word: kept as `unknown`, and shown so.
      expect(text).toContain("Devin Review reported status 'unknown'")
      expect(text).not.toContain('e.co')
      expect(text).not.toMatch(/^::error/m)
      // As GitHub renders it: no link, no mention, and the folds close where the action's do.
      const html = renderGfm(text)
      const outsideCode = html.replace(/<code>[^<]*<\/code>/g, '')
      expect(outsideCode).not.toMatch(/[\s>']@o|href="http:\/\/e\.co/)
      expect(outsideCode.split('<details>').length).toBe(outsideCode.split('</details>').length)
    }
    expect(decodeState(body)?.review?.status).toBe('unknown')
    const logged = out.join('')
    expect(logged).toContain('running → unknown')
    expect(runnerCommands(logged).filter((c) => c.name === 'error')).toEqual([])

    // What was kept reads back equal: the next sync writes nothing.
    const writes = t.gh.counts().writes
    await t.sync({ render })
    expect(t.gh.counts().writes).toBe(writes)
  })

  it('writes a status longer than the hidden state keeps once, not on every sync', async () => {
    const t = setup()
    const render = reportRender(linkHosts('https://github.com'), (s) => s)
    const s = seedReview(t.gh, t.devin, {
      pr: 7,
      shown: 'running',
      now: `busy ${'x'.repeat(60)}`,
      render
    })
    expect(await t.sync({ render })).toMatchObject({ changed: 1, synced: 1 })
    expect(decodeState(t.gh.comments.get(s.comment.id)?.body ?? '')?.review?.status).toBe('unknown')
    const writes = t.gh.counts().writes
    expect(await t.sync({ render })).toMatchObject({ inProgress: 1, changed: 0, synced: 0 })
    expect(t.gh.counts().writes).toBe(writes)
  })

  it('reviewReport is what a review run leaves: a state the real decoder reads', () => {
    const render = reportRender(linkHosts('https://github.com'), (s) => s)
    expect(decodeState(render.comment(reviewReport(7, 'pending')))).toMatchObject({
      mode: 'review',
      prNumber: 7,
      review: { status: 'pending' }
    })
  })
})
