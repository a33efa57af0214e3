import { describe, expect, it } from 'vitest'
import { linkHosts } from '../../../src/egress/markdown.ts'
import { budgetLine, renderBudgetComment } from '../../../src/report/budget.ts'
import { renderComment } from '../../../src/report/render.ts'
import { decodeState } from '../../../src/state/marker.ts'
import type { Report } from '../../../src/state/run-state.ts'
import { renderGfm, renderedText, renderedUrls } from '../../helpers/markdown.ts'

const LINKS = linkHosts('https://github.com')
const same = (t: string): string => t
const REASON = 'budget: this pull request has had 2 Devin sessions (max-sessions-per-pr: 2)'

const earlier: Report = {
  phase: 'ended',
  result: 'finished',
  slug: 'acme/app',
  prNumber: 12,
  startedAt: 0,
  updatedAt: 100_000,
  runUrl: 'https://github.com/acme/app/actions/runs/8',
  commentKey: 'default',
  timeline: [{ at: 5_000, text: 'session created (new)' }],
  attachments: [],
  session: {
    id: 'devin-1',
    url: 'https://app.devin.ai/sessions/devin-1',
    status: 'running',
    detail: 'finished',
    title: 'Fix it',
    acus: 3,
    pullRequests: []
  }
}

const skipped: Report = {
  phase: 'ended',
  result: 'skipped',
  skipReason: REASON,
  slug: 'acme/app',
  prNumber: 12,
  startedAt: 200_000,
  updatedAt: 201_000,
  runUrl: 'https://github.com/acme/app/actions/runs/9',
  commentKey: 'default',
  timeline: [],
  attachments: []
}

describe('the budget comment', () => {
  it('keeps the session the comment showed, with the line under its headline and in the timeline', () => {
    const existing = `<!-- devin-handoff:default -->\n${renderComment(earlier, LINKS, same)}`
    const body = renderBudgetComment({
      existing,
      skipped,
      reason: REASON,
      links: LINKS,
      scrub: same
    })
    const lines = body.split('\n')
    expect(lines[0]).toBe(renderComment(earlier, LINKS, same).split('\n')[0])
    expect(lines[0]).toMatch(/^\*\*✅ Finished\*\*/)
    expect(lines[1]).toBe('')
    expect(lines[2]).toBe(
      '> ⛔ **Nothing was sent to Devin by [this run](https://github.com/acme/app/actions/runs/9):** budget: this pull request has had 2 Devin sessions (max-sessions-per-pr: 2)'
    )
    expect(body).toContain('https://app.devin.ai/sessions/devin-1')
    const state = decodeState(body)
    expect(state?.session?.id).toBe('devin-1')
    expect(state?.result).toBe('finished')
    expect(state?.timeline.at(-1)).toEqual({ at: 201_000, text: REASON })
    expect(state?.updatedAt).toBe(100_000)
  })

  it('does not pile the line up: a second budget skip redraws from the state, one line', () => {
    const once = renderBudgetComment({
      existing: renderComment(earlier, LINKS, same),
      skipped,
      reason: REASON,
      links: LINKS,
      scrub: same
    })
    const twice = renderBudgetComment({
      existing: once,
      skipped,
      reason: REASON,
      links: LINKS,
      scrub: same
    })
    expect(twice.split('Nothing was sent to Devin').length).toBe(2)
    expect(decodeState(twice)?.timeline.filter((t) => t.text === REASON)).toHaveLength(2)
  })

  it('is the run’s own skip report when there is no comment, or one without a readable state', () => {
    for (const existing of [undefined, '<!-- devin-handoff:default -->\nedited by hand']) {
      const body = renderBudgetComment({
        existing,
        skipped,
        reason: REASON,
        links: LINKS,
        scrub: same
      })
      expect(body).toBe(renderComment(skipped, LINKS, same))
      expect(body).toContain('**Skipped:**')
    }
  })

  it('places hostile text as text, and links only to the GitHub server', () => {
    const line = budgetLine(
      'budget: [x](https://evil.example) <img src=x>',
      'https://evil.example/run',
      LINKS
    )
    const html = renderGfm(line)
    expect(renderedUrls(html)).toEqual([])
    expect(html).not.toContain('<img')
    expect(renderedText(line)).toContain('[x](https://evil.example)')
  })
})
