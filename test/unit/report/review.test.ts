import { describe, expect, it } from 'vitest'
import { linkHosts } from '../../../src/egress/markdown.ts'
import { checkConclusion, checkName, renderCheck } from '../../../src/report/check.ts'
import { failureFor, noticeFor } from '../../../src/report/fail-on.ts'
import { outputsOf, renderBody, renderSummary } from '../../../src/report/render.ts'
import type { Report, ReviewView } from '../../../src/state/run-state.ts'
import { endedReport, REVIEW_PR_URL, REVIEW_SHA } from '../../helpers/run-state.ts'
import { renderedText, renderedUrls, renderGfm } from '../../helpers/markdown.ts'

const links = linkHosts('https://github.com')
const review = (over: Partial<ReviewView> = {}): ReviewView => ({
  prUrl: REVIEW_PR_URL,
  commitSha: REVIEW_SHA,
  status: 'completed',
  createdAt: '2026-11-29T10:00:00Z',
  ...over
})
const reviewReport = (over: Partial<Report> = {}): Report =>
  endedReport({
    mode: 'review',
    commentKey: 'review',
    review: review(),
    result: 'finished',
    wait: { startedAt: 0, endedAt: 723_000, polls: 3 },
    ...over
  })
const firstLine = (r: Report): string => renderBody(r, links).split('\n')[0] ?? ''

describe('a review report', () => {
  it.each<[string, Partial<Report>, string]>([
    ['completed', {}, '**✅ Review completed** · commit `c0ffee0` · 12m 3s'],
    [
      'errored',
      { result: 'error', review: review({ status: 'errored' }) },
      '**❌ Review errored** · commit `c0ffee0` · 12m 3s'
    ],
    [
      'waited on, running',
      { result: undefined, phase: 'waiting', review: review({ status: 'running' }) },
      '**🔍 Devin is reviewing** · commit `c0ffee0` · 12m 3s'
    ],
    [
      'waited on, queued',
      { result: undefined, phase: 'waiting', review: review({ status: 'pending' }) },
      '**⏳ Review queued** · commit `c0ffee0` · 12m 3s'
    ],
    [
      'requested without a wait',
      { result: 'created', wait: undefined, review: review({ status: 'pending' }) },
      '**🚀 Devin Review requested** · commit `c0ffee0`'
    ],
    [
      'timed out',
      { result: 'timeout', review: review({ status: 'running' }) },
      '**⏱️ Stopped waiting for the review** · commit `c0ffee0` · 12m 3s'
    ],
    ['already reviewed', { result: 'skipped' }, '**⏭️ Already reviewed** · commit `c0ffee0`'],
    ['skipped for trust', { result: 'skipped', review: undefined }, '**⏭️ Skipped**'],
    [
      'failed before Devin answered',
      { result: 'error', review: review({ status: 'requested' }) },
      '**❌ Review request failed** · commit `c0ffee0` · 12m 3s'
    ],
    ['cancelled', { cancelled: true }, '**🛑 Cancelled** · commit `c0ffee0` · 12m 3s']
  ])('heads the comment when %s', (_, over, line) => {
    expect(firstLine(reviewReport(over))).toBe(line)
  })

  it('says where the findings are, and makes none up', () => {
    const text = renderedText(renderBody(reviewReport(), links))
    expect(text).toContain(
      "Devin Review's findings, if any, are on this pull request, posted by devin-ai-integration[bot]."
    )
    const waiting = renderedText(
      renderBody(reviewReport({ result: 'created', wait: undefined }), links)
    )
    expect(waiting).toContain(
      'posts its findings on this pull request as devin-ai-integration[bot]'
    )
    expect(waiting).toContain('a mode: sync run updates it when the review is done')
    const errored = renderBody(reviewReport({ result: 'error' }), links)
    expect(renderedText(errored)).toMatch(
      /reported an error for this commit\. Run the workflow again/
    )
  })

  it('shows the review in the details, linked to the PR on this server only', () => {
    const body = renderBody(reviewReport(), links)
    expect(body).toContain(`| Review | commit \`${REVIEW_SHA}\` of [#12](${REVIEW_PR_URL}) |`)
    expect(body).toContain('| Status | `completed`: review completed |')
    const elsewhere = renderBody(
      reviewReport({ review: review({ prUrl: 'https://evil.example/acme/app/pull/12' }) }),
      links
    )
    expect(renderedUrls(renderGfm(elsewhere))).not.toContain(
      'https://evil.example/acme/app/pull/12'
    )
  })

  it("keeps Devin's hostile status and commit inert", () => {
    const hostile = review({
      status: '</details>@acme/admins ::error::[x](https://evil.example) <img src=x>',
      commitSha: '`<script>` @octocat'
    })
    const r = reviewReport({ result: undefined, phase: 'waiting', review: hostile })
    const html = renderGfm(renderBody(r, links))
    expect(html).not.toMatch(/<img|<script|href="https:\/\/evil/)
    // A mention outside code notifies; the gate breaks it with a zero-width space.
    const outsideCode = html.replace(/<code>[^<]*<\/code>/g, '')
    expect(outsideCode).toContain('@\u200bacme/admins')
    expect(outsideCode).not.toMatch(/(^|[\s>'])@(acme|octocat)/)
    expect(renderCheck(r, links).title).not.toContain('::error::')
  })

  it('names its check run apart from a handoff’s, and concludes it as a session’s', () => {
    expect(checkName('review', 'review')).toBe('Devin Review')
    expect(checkName('ux', 'review')).toBe('Devin Review (ux)')
    expect(checkName('review')).toBe('Devin (review)')
    expect(checkConclusion(reviewReport())).toBe('success')
    expect(checkConclusion(reviewReport({ result: 'error' }))).toBe('failure')
    expect(checkConclusion(reviewReport({ result: 'timeout' }))).toBe('timed_out')
    expect(checkConclusion(reviewReport({ result: 'created', wait: undefined }))).toBeUndefined()
    expect(renderCheck(reviewReport(), links).title).toBe('Review completed · 12m 3s')
    expect(renderCheck(reviewReport({ result: 'created', wait: undefined }), links).title).toBe(
      'Devin Review requested; a mode: sync run updates this check'
    )
  })

  it.each<[string, Partial<Report>, { status: string; 'review-status': string; result: string }]>([
    ['completed', {}, { status: 'completed', 'review-status': 'completed', result: 'finished' }],
    [
      'requested',
      { result: 'created', review: review({ status: 'pending' }) },
      { status: 'pending', 'review-status': 'pending', result: 'created' }
    ],
    [
      'already reviewed',
      { result: 'skipped', review: review({ status: 'running' }) },
      { status: 'running', 'review-status': 'skipped', result: 'skipped' }
    ],
    [
      'skipped before asking',
      { result: 'skipped', review: undefined },
      { status: '', 'review-status': '', result: 'skipped' }
    ],
    [
      'cut short before the answer',
      { result: 'error', review: review({ status: 'requested' }) },
      { status: '', 'review-status': '', result: 'error' }
    ]
  ])('sets the outputs when %s', (_, over, want) => {
    const out = outputsOf(reviewReport(over))
    expect(out).toMatchObject({ ...want, 'session-id': '', 'session-url': '' })
  })

  it('leaves review-status empty for a handoff', () => {
    expect(outputsOf(endedReport())['review-status']).toBe('')
  })

  it('heads the job summary with the review', () => {
    expect(renderSummary(reviewReport(), links)).toMatch(/^## ✅ Review completed\n/)
  })

  it('fails the step on an errored review with the PR to look at', () => {
    const r = reviewReport({ result: 'error', review: review({ status: 'errored' }) })
    expect(failureFor(r, ['error'])).toBe(
      `Devin Review ended with result 'error' (review errored); 'fail-on' includes 'error'. Pull request: ${REVIEW_PR_URL}`
    )
    expect(noticeFor(reviewReport({ result: 'timeout' }), ['error'])).toMatch(
      /^Devin Review ended with result 'timeout' \(review completed\)\. Pull request: .*add 'timeout' to 'fail-on'/
    )
  })
})
