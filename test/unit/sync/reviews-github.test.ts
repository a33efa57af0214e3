/**
 * The review sync against the GitHub emulator with the real client and the real renderers: a
 * review a run did not wait for is completed later, and what that costs on the wire. Devin's
 * review read is a fake here (the Devin edge's `getReview` is another part of issue 13). Every
 * GitHub request and answer is held to GitHub's description when the emulator closes.
 */
import { testGitHubApi } from '../../helpers/github-api.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { linkHosts } from '../../../src/egress/markdown.ts'
import type { Writer } from '../../../src/github/identity.ts'
import { withMarker } from '../../../src/github/sticky-comment.ts'
import { decodeState } from '../../../src/state/marker.ts'
import { reportRender } from '../../../src/sync/render.ts'
import { syncReviews } from '../../../src/sync/reviews.ts'
import { startGitHubEmulator } from '../../emulators/github.ts'
import { recordingLog } from '../../helpers/log.ts'
import { prUrl, reviewReport, ReviewsFake, SHA } from './review-fakes.ts'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

describe('mode: sync for reviews, on the wire', () => {
  it('completes a review check run later: 1 list, 2 writes; the next sync 1 list', async () => {
    const gh = await startGitHubEmulator({
      owner: 'octo',
      repo: 'hello',
      pulls: [
        { number: 7, head: { ref: 'f', sha: SHA }, base: { ref: 'main', sha: 'b'.repeat(40) } }
      ]
    })
    open.push(gh)
    const api = await testGitHubApi(gh)
    const render = reportRender(linkHosts('https://github.com'), (t) => t)
    // What a `mode: review` run that did not wait leaves: its check run, then its comment.
    const check = gh.addCheckRun({
      name: 'Devin Review',
      headSha: SHA,
      app: 'github-actions',
      status: 'in_progress',
      detailsUrl: prUrl(7),
      output: { title: 'Devin Review: pending', summary: 'queued' }
    })
    const comment = gh.addComment({
      issue: 7,
      body: withMarker(
        'review',
        render.comment(reviewReport(7, 'pending', { checkRunId: check.id }))
      ),
      login: 'github-actions[bot]',
      type: 'Bot'
    })
    const devin = new ReviewsFake()
    devin.set(7, 'completed')
    const log = recordingLog()
    const sync = () => {
      let asked: Promise<Writer> | undefined
      return syncReviews({
        devin,
        github: api,
        render,
        orgId: 'org-1',
        slug: 'octo/hello',
        clock: Date.now,
        log,
        writer: () => (asked ??= api.whoAmI())
      })
    }
    const wire = (from: number) => gh.requests.slice(from).map((r) => `${r.method} ${r.path}`)

    expect(await sync()).toMatchObject({ listed: 1, inProgress: 1, changed: 1, synced: 1 })
    // An installation token: who it writes as costs no request (GET /user is closed to it).
    expect(wire(0)).toEqual([
      'GET /repos/octo/hello/issues/comments',
      `PATCH /repos/octo/hello/issues/comments/${comment.id}`,
      `PATCH /repos/octo/hello/check-runs/${check.id}`
    ])
    expect(devin.reads).toHaveLength(1)
    expect(gh.writeCount).toBe(2)
    expect(decodeState(comment.body)).toMatchObject({
      mode: 'review',
      result: 'finished',
      review: { status: 'completed' },
      checkRunId: check.id
    })
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'success' })
    expect(log.warnings).toEqual([])

    const before = gh.requests.length
    expect(await sync()).toMatchObject({ listed: 1, inProgress: 0, synced: 0 })
    expect(wire(before)).toEqual(['GET /repos/octo/hello/issues/comments'])
    expect(devin.reads).toHaveLength(1)
    expect(gh.writeCount).toBe(2)
  })
})
