import { describe, expect, it } from 'vitest'
import { linkHosts } from '../../../src/egress/markdown.ts'
import {
  HEADLINE_WIDTH,
  headlineLine,
  parsePrUrl,
  plainHeadline,
  prRefs
} from '../../../src/report/headline.ts'
import type { Report, Result } from '../../../src/state/run-state.ts'
import { endedReport } from '../../helpers/run-state.ts'
import { renderGfm, renderedUrls } from '../../helpers/markdown.ts'

const LINKS = linkHosts('https://github.com')

const base: Report = endedReport()

const session = (
  o: Partial<NonNullable<Report['session']>> = {}
): NonNullable<Report['session']> => ({
  id: 'devin-1',
  url: 'https://app.devin.ai/sessions/devin-1',
  status: 'running',
  detail: 'finished',
  acus: 4.2,
  pullRequests: [],
  ...o
})

/** The first paragraph as a phone shows it: rendered, tags dropped, entities decoded. */
function visible(markdown: string): string {
  const html = renderGfm(markdown)
  const first = /<p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? ''
  return first
    .replace(/<[^>]*>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/\u200b/g, '')
}

describe('the headline', () => {
  it('reads: state, elapsed, ACUs, PRs, session link', () => {
    const r: Report = {
      ...base,
      result: 'finished',
      session: session({
        pullRequests: ['https://github.com/acme/app/pull/45', 'https://github.com/acme/app/pull/46']
      })
    }
    const md = headlineLine(r, LINKS)
    expect(md).toBe(
      '**✅ Finished** · 12m 3s · 4.2 ACUs · #45, #46 · [Devin session](https://app.devin.ai/sessions/devin-1)'
    )
    expect(visible(md)).toBe('✅ Finished · 12m 3s · 4.2 ACUs · #45, #46 · Devin session')
    expect(renderedUrls(renderGfm(md))).toEqual(['https://app.devin.ai/sessions/devin-1'])
  })

  const ENDS: Array<[string, Partial<Report>]> = [
    ...(['finished', 'needs-input', 'suspended', 'error', 'timeout'] as Result[]).map(
      (result): [string, Partial<Report>] => [result, { result }]
    ),
    ['working', { result: undefined, phase: 'waiting' }],
    ['cancelled', { result: undefined, cancelled: true }],
    ['synced start', { result: 'created', syncedAt: 723_000 }],
    ['synced reuse', { result: 'reused', syncedAt: 723_000 }]
  ]

  it.each(ENDS)('%s fits a phone with two PRs, long numbers and all', (_, over) => {
    const r: Report = {
      ...base,
      ...over,
      updatedAt: 5 * 3600_000 + 59 * 60_000,
      session: session({
        acus: 1234.567,
        pullRequests: [
          'https://github.com/acme/app/pull/12345',
          'https://github.com/acme/app/pull/12346'
        ]
      })
    }
    const text = visible(headlineLine(r, LINKS))
    expect(text.length).toBeLessThanOrEqual(HEADLINE_WIDTH)
    expect(text).toContain('1235 ACUs')
    expect(text).toContain('5h 59m')
    expect(text).toMatch(/#12345, #12346|2 PRs/)
    expect(text).toMatch(/ · Devin session$/)
  })

  it('counts the PRs instead of naming them when naming does not fit', () => {
    const r: Report = {
      ...base,
      result: 'timeout',
      session: session({
        acus: 12.34,
        pullRequests: [
          'https://github.com/some-long-org/a-long-repository-name/pull/123',
          'https://github.com/acme/app/pull/46'
        ]
      })
    }
    const text = visible(headlineLine(r, LINKS))
    expect(text).toBe('⏱️ Timed out · 12m 3s · 12.34 ACUs · 2 PRs · Devin session')
    expect(text.length).toBeLessThanOrEqual(HEADLINE_WIDTH)
  })

  it('does not pretend to track a session nobody follows', () => {
    const created: Report = { ...base, result: 'created', session: session({ acus: 0 }) }
    const md = headlineLine(created, LINKS)
    expect(md).toBe(
      '**🚀 Devin session started** · [follow it in Devin](https://app.devin.ai/sessions/devin-1)'
    )
    expect(md).not.toMatch(/ACU|0s/)
    expect(visible(headlineLine({ ...created, result: 'reused' }, LINKS))).toBe(
      '🔁 Handoff sent to the running session · follow it in Devin'
    )
    // Waited (then cancelled) or synced: tracked, so live.
    expect(visible(headlineLine({ ...created, syncedAt: 1 }, LINKS))).toMatch(/^⏳ Working · /)
  })

  it('has a headline for every other end', () => {
    const h = (over: Partial<Report>): string => visible(headlineLine({ ...base, ...over }, LINKS))
    expect(h({ result: 'skipped', skipReason: 'fork' })).toBe('⏭️ Skipped')
    expect(h({ result: 'dry-run' })).toBe('🧪 Dry run · nothing was sent')
    expect(h({ result: 'error', error: 'HTTP 500' })).toBe(
      '❌ Handoff failed · 12m 3s · workflow run'
    )
    expect(h({ result: 'error', session: session() })).toBe(
      '❌ Failed · 12m 3s · 4.2 ACUs · Devin session'
    )
    expect(h({ cancelled: true, session: session() })).toBe(
      '🛑 Cancelled · 12m 3s · 4.2 ACUs · Devin session'
    )
    expect(h({ cancelled: true })).toBe('🛑 Cancelled · 12m 3s · workflow run')
    expect(h({ phase: 'waiting', session: session({ acus: undefined }) })).toBe(
      '⏳ Working · 12m 3s · Devin session'
    )
    expect(h({ result: 'finished', session: session({ acus: 1 }) })).toContain('· 1 ACU ·')
    expect(h({ result: 'finished', session: session({ acus: 99.999 }) })).toContain('· 100 ACUs ·')
    expect(h({ result: 'finished', session: session({ acus: 12.345 }) })).toContain(
      '· 12.35 ACUs ·'
    )
  })

  it('leaves out a session link that is not safe; the table shows it as code', () => {
    const r: Report = {
      ...base,
      result: 'finished',
      session: session({ url: 'https://evil.example/sessions/x' })
    }
    const md = headlineLine(r, LINKS)
    expect(md).not.toContain('evil')
    expect(visible(md)).toBe('✅ Finished · 12m 3s · 4.2 ACUs')
  })

  it('gives the check run a plain title: our words and numbers only', () => {
    const r: Report = {
      ...base,
      result: 'needs-input',
      session: session({ title: '@octocat [x](https://evil.example)', pullRequests: ['x', 'y'] })
    }
    expect(plainHeadline(r)).toBe('Needs input · 12m 3s · 4.2 ACUs · 2 PRs')
    expect(plainHeadline({ ...base, result: 'created', session: session() })).toBe(
      'Devin session started; a mode: sync run updates this check'
    )
  })
})

describe('PR references', () => {
  it.each([
    ['https://github.com/acme/app/pull/7', '#7'],
    ['https://GitHub.com/ACME/App/pull/7', '#7'],
    ['https://github.com/other/lib/pull/3', 'other/lib#3'],
    ['https://github.com/other/my_lib.js/pull/3', 'other/my_lib.js#3'],
    ['https://ghe.example.com/acme/app/pull/7', '1 PR'],
    ['http://github.com/acme/app/pull/7', '1 PR'],
    ['https://github.com/acme/app/pull/7/', '1 PR'],
    ['https://github.com/acme/app/pull/7/files', '1 PR'],
    ['https://github.com/acme/app/pull/7?x=1', '1 PR'],
    ['https://github.com/acme/app/pull/7#top', '1 PR'],
    ['https://github.com/acme/app/pull/0', '1 PR'],
    ['https://github.com/acme/app/pulls/7', '1 PR'],
    ['https://github.com/acme/app/issues/7', '1 PR'],
    ['https://user@github.com/acme/app/pull/7', '1 PR'],
    ['https://github.com/acme/../pull/7', '1 PR'],
    ['https://github.com/acme/app/pull/7\n# forged', '1 PR'],
    ['https://github.com.evil.example/acme/app/pull/7', '1 PR'],
    ['javascript:alert(1)//github.com/acme/app/pull/7', '1 PR']
  ])('%s → %s', (url, ref) => {
    expect(prRefs([url], 'acme/app', 'github.com')).toBe(ref)
  })

  it('names what it can, counts the rest, and counts a PR once', () => {
    const urls = [
      'https://github.com/acme/app/pull/1',
      'https://github.com/acme/app/pull/1',
      'https://gitlab.com/acme/app/pull/2',
      'https://github.com/acme/app/pull/3'
    ]
    expect(prRefs(urls, 'acme/app', 'github.com')).toBe('#1, #3 +1 PR')
    expect(prRefs([], 'acme/app', 'github.com')).toBe('')
  })

  it('parses only the exact shape', () => {
    expect(parsePrUrl('https://ghe.example.com:8443/a/b/pull/12')).toEqual({
      host: 'ghe.example.com:8443',
      repo: 'a/b',
      number: 12
    })
    expect(parsePrUrl('https://github.com/-a/b/pull/1')).toBeUndefined()
    expect(parsePrUrl('https://github.com/a/b/pull/12345678901')).toBeUndefined()
  })

  it('escapes a repository name that could be emphasis', () => {
    const md = headlineLine(
      {
        ...base,
        result: 'finished',
        session: session({ pullRequests: ['https://github.com/o/_x_/pull/1'] })
      },
      LINKS
    )
    expect(renderGfm(md)).not.toContain('<em>')
    expect(visible(md)).toContain('o/_x_#1')
  })
})
