import { describe, expect, it } from 'vitest'
import { commentBody, MAX_COMMENT_CHARS, MARKER_ROOM } from '../../../src/egress/comment.ts'
import { linkHosts } from '../../../src/egress/markdown.ts'
import {
  MAX_BODY_CHARS,
  outputsOf,
  renderBody,
  renderComment,
  renderSummary
} from '../../../src/report/render.ts'
import { decodeState } from '../../../src/state/marker.ts'
import type { Report } from '../../../src/state/run-state.ts'
import { renderGfm, renderedText, renderedUrls } from '../../helpers/markdown.ts'

const LINKS = linkHosts('https://github.com')
const same = (t: string): string => t
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const base: Report = {
  phase: 'ended',
  slug: 'acme/app',
  prNumber: 12,
  startedAt: 0,
  updatedAt: 125_000,
  runUrl: 'https://github.com/acme/app/actions/runs/9',
  commentKey: 'default',
  timeline: [{ at: 5_000, text: 'session created (new)' }],
  attachments: []
}

const r: Report = {
  ...base,
  result: 'finished',
  wait: { startedAt: 1_000, endedAt: 125_000, polls: 4 },
  session: {
    id: 'devin-1',
    url: 'https://app.devin.ai/sessions/devin-1',
    status: 'running',
    detail: 'finished',
    title: 'acme/app#12: a | b',
    acus: 1.234,
    pullRequests: ['https://github.com/acme/app/pull/13'],
    structuredOutput: { ok: true }
  },
  handoff: {
    promptBytes: 2048,
    files: 3,
    source: 'git',
    truncated: true,
    omitted: 1,
    redactions: 2
  }
}

/** The part of the comment inside the one Details fold. */
function folded(body: string): string {
  const start = body.indexOf('<details><summary>Details</summary>')
  const end = body.lastIndexOf('</details>')
  expect(start).toBeGreaterThan(0)
  return body.slice(start, end)
}

describe('the comment', () => {
  it('renders every part the contract names, the details folded', () => {
    const body = renderComment(r, LINKS, same)
    expect(body.split('\n')[0]).toBe(
      '**✅ Finished** · 2m 5s · 1.23 ACUs · #13 · [Devin session](https://app.devin.ai/sessions/devin-1)'
    )
    const details = folded(body)
    expect(details).toContain('[acme/app#12: a \\| b](https://app.devin.ai/sessions/devin-1)')
    expect(details).toContain('`running` / `finished`')
    expect(details).toContain('| Elapsed | 2m 5s |')
    expect(details).toContain('| ACUs | 1.23 |')
    expect(details).toContain('<https://github.com/acme/app/pull/13>')
    expect(details).toContain('1 left out (budget)')
    expect(details).toContain('2 secrets redacted')
    expect(details).toContain('[workflow run](https://github.com/acme/app/actions/runs/9)')
    expect(details).toContain('<details><summary>Timeline</summary>')
    expect(details).toContain('"ok": true')
    // One fold: everything after the headline's words is inside it, then the footer.
    const html = renderGfm(body)
    expect(html.match(/<details>/g)).toHaveLength(3)
    expect(html).not.toMatch(/<h\d/)
    expect(body).toMatch(/\n<sub>Devin Handoff · updated 1970-01-01T00:02:05\.000Z<\/sub>\n<!-- /)
  })

  it('ends with the state line, from which the report comes back', () => {
    const body = renderComment(r, LINKS, same)
    const last = body.split('\n').at(-1) as string
    expect(last).toMatch(/^<!-- devin-handoff-state:[A-Za-z0-9_-]+ -->$/)
    const back = decodeState(`<!-- devin-handoff:default -->\n${body}`)
    expect(back?.session?.id).toBe('devin-1')
    expect(back?.session).not.toHaveProperty('structuredOutput')
    // The state is hidden: the reader sees the footer last.
    expect(renderedText(body).trimEnd()).toMatch(/Devin Handoff · updated \S+$/)
  })

  it('shows the key in the footer, and says when a sync refreshed it', () => {
    const body = renderComment({ ...r, commentKey: 'ci', syncedAt: 3_600_000 }, LINKS, same)
    expect(body).toContain(
      '<sub>Devin Handoff · updated by sync 1970-01-01T01:00:00.000Z · key `ci`</sub>'
    )
    expect(body.split('\n')[0]).toMatch(/^\*\*✅ Finished\*\* · 1h 0m · /)
  })
})

describe("Devin's words", () => {
  const ended = (over: Partial<Report>, detail = 'finished', status = 'running'): Report => ({
    ...r,
    ...over,
    session: { ...(r.session as NonNullable<Report['session']>), status, detail }
  })

  it.each([
    ['a question', ended({ result: 'needs-input' }, 'waiting_for_user'), 'Devin asks:'],
    ['an approval', ended({ result: 'needs-input' }, 'waiting_for_approval'), 'Devin asks:'],
    ['a finish', ended({ result: 'finished' }), "Devin's closing message:"],
    ['an exit', ended({ result: 'finished' }, '', 'exit'), "Devin's closing message:"],
    [
      'a suspension',
      ended({ result: 'suspended' }, 'inactivity', 'suspended'),
      "Devin's last message:"
    ],
    ['an error', ended({ result: 'error' }, '', 'error'), "Devin's last message:"],
    ['a timeout', ended({ result: 'timeout' }, 'working'), "Devin's last message:"],
    [
      'a cancel after Devin stopped',
      ended({ result: undefined, cancelled: true }, 'waiting_for_user'),
      'Devin asks:'
    ]
  ])('labels %s', (_, report, label) => {
    const body = renderComment({ ...report, lastMessage: 'Line one\nLine two' }, LINKS, same)
    expect(body).toContain(`\n\n> **${label}**\\\n> Line one\\\n> Line two\n\n`)
    // Shown before the details, not folded.
    expect(body.indexOf(label)).toBeLessThan(body.indexOf('<details>'))
  })

  it('are not shown while Devin works, nor when there are none', () => {
    const working: Report = {
      ...ended({ result: undefined, phase: 'waiting' }, 'working'),
      lastMessage: 'Looking at the tests now'
    }
    expect(renderComment(working, LINKS, same)).not.toContain('Looking at the tests')
    expect(renderComment({ ...r, lastMessage: ' \n ' }, LINKS, same)).not.toMatch(/> \*\*Devin/)
  })

  it('keep a hostile message plain text, with only our links', () => {
    const hostile = [
      '::error::forged',
      '##[group]forged',
      '<img src=x onerror=alert(1)>',
      '[click](javascript:alert(1))',
      'cc @org/team',
      '# Heading',
      '| a |',
      '| - |',
      '<!-- devin-handoff-state:AAAA -->',
      'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB'
    ].join('\r\n')
    const body = renderComment({ ...r, lastMessage: hostile }, LINKS, same)
    const html = renderGfm(body)
    expect(html).not.toMatch(/<img|<h\d|<a href="javascript/)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html.match(/<table>/g)).toHaveLength(1) // the details table only
    expect(
      renderedUrls(html).every((u) => /^https:\/\/(app\.devin\.ai|github\.com)\//.test(u))
    ).toBe(true)
    expect(body).not.toMatch(/@(?!\u200b)/)
    expect(body.split('\n').filter((l) => l.startsWith('::') || l.startsWith('##'))).toEqual([])
    // The forged state line is escaped text, and the real one still comes back.
    expect(decodeState(body)?.lastMessage).toBe(hostile)
  })

  it('are cut near 1 KB with a link for the rest, never through an emoji', () => {
    const body = renderComment({ ...r, lastMessage: '😀'.repeat(10_000) }, LINKS, same)
    const quote = body.split('\n\n').find((p) => p.startsWith('> **')) as string
    expect(quote.length).toBeLessThan(1_200)
    expect(quote).toContain('[Read the rest in Devin](https://app.devin.ai/sessions/devin-1)')
    expect(body).not.toMatch(LONE)
  })
})

describe('who asked', () => {
  it('names the requester without notifying them, on one short line', () => {
    const body = renderComment(
      { ...r, requestedBy: { login: 'octocat', text: `please\nfix @org/team ${'x'.repeat(500)}` } },
      LINKS,
      same
    )
    const line = body.split('\n').find((l) => l.startsWith('Requested by')) as string
    expect(line).toMatch(/^Requested by @\u200boctocat: please fix @\u200borg\/team x+…$/)
    expect(line.length).toBeLessThan(260)
    // A mention GitHub would turn into a notification is `@` followed by a login character.
    expect(renderGfm(line)).not.toMatch(/@[A-Za-z0-9]/)
    expect(renderGfm(line)).toMatch(/^<p>[^<]*<\/p>$/)
  })
})

describe('a session nobody follows', () => {
  const started: Report = {
    ...base,
    result: 'created',
    session: {
      id: 'devin-2',
      url: 'https://app.devin.ai/sessions/devin-2',
      status: 'new',
      detail: '',
      acus: 0,
      pullRequests: []
    }
  }

  it('says it started and where to follow it, not a frozen status and 0 ACUs', () => {
    const body = renderComment(started, LINKS, same)
    const lines = body.split('\n')
    expect(lines[0]).toBe(
      '**🚀 Devin session started** · [follow it in Devin](https://app.devin.ai/sessions/devin-2)'
    )
    expect(lines[2]).toMatch(/^_This comment shows the start only: .*`mode: sync`.*_$/)
    expect(body).not.toMatch(/\| Status \||\| ACUs \||\| Elapsed \||starting|0 ACUs/)
    expect(folded(body)).toContain('| Result | `created` |')
  })

  it('renders as live once a sync refreshed it', () => {
    const synced: Report = {
      ...started,
      syncedAt: 600_000,
      updatedAt: 600_000,
      session: {
        ...(started.session as NonNullable<Report['session']>),
        status: 'running',
        detail: 'working',
        acus: 2
      }
    }
    const body = renderComment(synced, LINKS, same)
    expect(body.split('\n')[0]).toMatch(/^\*\*⏳ Working\*\* · 10m 0s · 2 ACUs · \[Devin session\]/)
    expect(body).toContain('| Status | `running` / `working`')
    expect(body).not.toContain('start only')
    expect(body).toContain('updated by sync')
  })
})

describe('size', () => {
  const huge: Report = {
    ...r,
    note: 'Bearer x '.repeat(2_000),
    error: '"'.repeat(10_000),
    skipReason: '<'.repeat(10_000),
    lastMessage: 'Bearer y\n'.repeat(2_000),
    timeline: Array.from({ length: 30 }, (_, i) => ({ at: i, text: '&'.repeat(2_000) })),
    attachments: Array.from({ length: 200 }, (_, i) => `file-${i}-${'a'.repeat(100)}`),
    session: {
      ...(r.session as NonNullable<Report['session']>),
      structuredOutput: { big: 'Bearer z '.repeat(2_000) },
      title: 'Bearer t '.repeat(2_000)
    }
  }

  it('fits GitHub with the marker, the state line whole, even once scrubbing lengthened it', () => {
    const visible = renderBody(huge, LINKS)
    expect(visible.length).toBeLessThanOrEqual(MAX_BODY_CHARS)
    expect(visible).toContain('cut to fit')
    const gated = commentBody(renderComment(huge, LINKS, same), same)
    expect(gated.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS - MARKER_ROOM)
    expect(gated).not.toContain('the rest of this comment was cut')
    expect(decodeState(gated)?.slug).toBe('acme/app')
    // The folds the cut left open are closed: the footer is not inside a code block.
    expect(renderGfm(gated)).not.toMatch(/<pre>[^]*devin-handoff-state/)
  })

  it('drops the structured output before anything else', () => {
    const big: Report = {
      ...r,
      session: {
        ...(r.session as NonNullable<Report['session']>),
        structuredOutput: { x: 'y'.repeat(19_000) }
      },
      timeline: Array.from({ length: 30 }, (_, i) => ({ at: i, text: 'e'.repeat(900) }))
    }
    const body = renderBody(big, LINKS)
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS)
    expect(body).toContain('see the `structured-output` step output')
    expect(body).toContain('<details><summary>Timeline</summary>')
  })
})

describe('the summary and outputs', () => {
  it('sets every output, the check run and Devin’s whole last message too', () => {
    const message = '😀'.repeat(6_000)
    const out = outputsOf({
      ...r,
      lastMessage: message,
      checkRunUrl: 'https://github.com/acme/app/runs/5'
    })
    expect(out).toEqual({
      'session-id': 'devin-1',
      'session-url': 'https://app.devin.ai/sessions/devin-1',
      status: 'running',
      'status-detail': 'finished',
      result: 'finished',
      'skip-reason': '',
      'pull-requests': '["https://github.com/acme/app/pull/13"]',
      'acus-consumed': '1.234',
      'structured-output': '{"ok":true}',
      'comment-url': '',
      'check-run-url': 'https://github.com/acme/app/runs/5',
      'last-message': '😀'.repeat(5_000),
      attachments: '[]',
      'diff-truncated': 'true',
      'prompt-bytes': '2048',
      'review-status': ''
    })
    const odd = outputsOf({ ...r, lastMessage: `x${'😀'.repeat(6_000)}` })['last-message']
    expect(odd).toHaveLength(9_999)
    expect(odd).not.toMatch(LONE)
    expect(outputsOf(base)['last-message']).toBe('')
    expect(outputsOf(base)['check-run-url']).toBe('')
  })

  it('shows the prompt in the summary inside a fence it cannot close', () => {
    const s = renderSummary(r, LINKS, 'task\n```\nnot closed')
    expect(s).toContain('````markdown\ntask\n```\nnot closed\n````')
  })

  it("shows Devin's words and who asked in the summary, and keeps its table", () => {
    const s = renderSummary(
      {
        ...r,
        lastMessage: 'All green.',
        requestedBy: { login: 'octocat', text: 'fix it' },
        checkRunUrl: 'https://github.com/acme/app/runs/5'
      },
      LINKS
    )
    expect(s).toMatch(/^## ✅ Devin finished\n/)
    expect(s).toContain("> **Devin's closing message:**\\\n> All green.")
    expect(s).toContain('Requested by @\u200boctocat: fix it')
    expect(s).toContain('| Repository | acme/app #12 |')
    expect(s).toContain('| Waited | 2m 4s (4 polls) |')
    expect(s).toContain('| Check run | [check run](https://github.com/acme/app/runs/5) |')
    expect(s).not.toContain('devin-handoff-state')
  })
})
