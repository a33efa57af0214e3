import { describe, expect, it } from 'vitest'
import { outputsOf, renderComment, renderSummary } from '../../../src/report/render.ts'
import type { Report } from '../../../src/state/run-state.ts'
import { linkHosts } from '../../../src/egress/markdown.ts'

const LINKS = linkHosts('https://github.com')

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

describe('report', () => {
  const r: Report = {
    ...base,
    result: 'finished',
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

  it('renders every part the contract names in the comment', () => {
    const body = renderComment(r, LINKS)
    expect(body).toContain('[acme/app#12: a \\| b](https://app.devin.ai/sessions/devin-1)')
    expect(body).toContain('`running` / `finished`')
    expect(body).toContain('| Elapsed | 2m 5s |')
    expect(body).toContain('| ACUs | 1.23 |')
    expect(body).toContain('<https://github.com/acme/app/pull/13>')
    expect(body).toContain('1 left out (budget)')
    expect(body).toContain('2 secrets redacted')
    expect(body).toContain('[workflow run](https://github.com/acme/app/actions/runs/9)')
    expect(body).toContain('"ok": true')
  })

  it('sets every output', () => {
    expect(outputsOf(r)).toEqual({
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
      attachments: '[]',
      'diff-truncated': 'true',
      'prompt-bytes': '2048'
    })
  })

  it('shows the prompt in the summary inside a fence it cannot close', () => {
    const s = renderSummary(r, LINKS, 'task\n```\nnot closed')
    expect(s).toContain('````markdown\ntask\n```\nnot closed\n````')
  })
})
