import { describe, expect, it } from 'vitest'
import { linkHosts } from '../../../src/egress/markdown.ts'
import {
  checkConclusion,
  checkName,
  MAX_CHECK_SUMMARY,
  MAX_CHECK_TITLE,
  renderCheck
} from '../../../src/report/check.ts'
import { renderComment } from '../../../src/report/render.ts'
import type { Report, Result } from '../../../src/state/run-state.ts'
import { endedReport } from '../../helpers/run-state.ts'

const LINKS = linkHosts('https://github.com')

const r: Report = endedReport({
  result: 'finished',
  wait: { startedAt: 0, endedAt: 723_000, polls: 3 },
  session: {
    id: 'devin-1',
    url: 'https://app.devin.ai/sessions/devin-1',
    status: 'running',
    detail: 'finished',
    title: '@octocat <b>x</b> [y](https://evil.example) ::error::z',
    acus: 4.2,
    pullRequests: ['https://github.com/acme/app/pull/45', 'https://github.com/acme/app/pull/46']
  },
  lastMessage: 'Done: @octocat see https://evil.example'
})

describe('checkName', () => {
  it('is Devin, with the comment key when it is not the default', () => {
    expect(checkName('default')).toBe('Devin')
    expect(checkName('review')).toBe('Devin (review)')
  })
})

describe('checkConclusion', () => {
  it.each<[Result | undefined, string | undefined]>([
    ['finished', 'success'],
    ['needs-input', 'action_required'],
    ['suspended', 'neutral'],
    ['error', 'failure'],
    ['timeout', 'timed_out'],
    ['skipped', 'skipped'],
    ['dry-run', 'skipped'],
    ['created', undefined],
    ['reused', undefined],
    [undefined, undefined]
  ])('%s → %s', (result, conclusion) => {
    expect(checkConclusion({ ...r, result })).toBe(conclusion)
  })

  it('is cancelled for a cancelled workflow, whatever the result', () => {
    expect(checkConclusion({ ...r, result: undefined, cancelled: true })).toBe('cancelled')
    expect(checkConclusion({ ...r, result: 'created', cancelled: true })).toBe('cancelled')
  })
})

describe('renderCheck', () => {
  it('completes with the conclusion, a plain title and the comment as summary', () => {
    const check = renderCheck(r, LINKS)
    expect(check).toEqual({
      status: 'completed',
      conclusion: 'success',
      title: 'Finished · 12m 3s · 4.2 ACUs · 2 PRs',
      summary: expect.any(String)
    })
    const comment = renderComment(r, LINKS, (t) => t)
    // The comment without its state line: the same report.
    expect(`${check.summary}\n${comment.split('\n').at(-1)}`).toBe(comment)
    expect(check.summary).not.toMatch(/<!--/)
    expect(check.summary).toContain("Devin's closing message:")
  })

  it('keeps untrusted text out of the title, which GitHub shows unrendered', () => {
    const { title } = renderCheck({ ...r, result: 'error', error: '@octocat ::error::x' }, LINKS)
    expect(title).toBe('Failed · 12m 3s · 4.2 ACUs · 2 PRs')
    expect(title).not.toMatch(/[@<[:]/)
  })

  it('stays in progress, without a conclusion, while nobody has seen the session stop', () => {
    const started: Report = { ...r, result: 'created', wait: undefined }
    const check = renderCheck(started, LINKS)
    expect(check.status).toBe('in_progress')
    expect(check).not.toHaveProperty('conclusion')
    expect(check.title).toBe('Devin session started; a mode: sync run updates this check')
    expect(renderCheck({ ...r, result: undefined, phase: 'waiting' }, LINKS).status).toBe(
      'in_progress'
    )
  })

  it('fits GitHub’s limits for any report', () => {
    const huge: Report = {
      ...r,
      note: '"'.repeat(30_000),
      error: '<'.repeat(30_000),
      timeline: Array.from({ length: 30 }, (_, i) => ({ at: i, text: '&'.repeat(5_000) })),
      session: {
        ...(r.session as NonNullable<Report['session']>),
        acus: 1e15,
        title: 'x'.repeat(1e5)
      },
      updatedAt: 1e15
    }
    const check = renderCheck(huge, LINKS)
    expect(check.title.length).toBeLessThanOrEqual(MAX_CHECK_TITLE)
    expect(check.summary.length).toBeLessThanOrEqual(MAX_CHECK_SUMMARY)
  })
})
