import { describe, expect, it } from 'vitest'
import { classify, describeStatus, isLive } from '../../../src/devin/status.ts'
import { outputsOf, renderComment, renderSummary, type Report } from '../../../src/report/render.ts'
import { failureFor, scrub } from '../../../src/hygiene/scrub.ts'

const base: Report = {
  slug: 'acme/app',
  prNumber: 12,
  startedAt: 0,
  updatedAt: 125_000,
  runUrl: 'https://github.com/acme/app/actions/runs/9',
  commentKey: 'default',
  timeline: [{ at: 5_000, text: 'session created (new)' }],
  attachments: []
}

describe('classify', () => {
  it.each([
    ['exit', null, true, 'finished'],
    ['error', null, true, 'error'],
    ['suspended', 'out_of_credits', true, 'suspended'],
    ['running', 'finished', true, 'finished'],
    ['running', 'waiting_for_user', true, 'needs-input'],
    ['running', 'waiting_for_approval', true, 'needs-input'],
    ['running', 'working', false, undefined],
    ['claimed', null, false, undefined]
  ])('%s/%s', (status, detail, stopped, result) => {
    const c = classify(status, detail)
    expect(c).toMatchObject({ stopped, known: true })
    expect(c.result).toBe(result)
  })

  it('keeps polling through unknown values and says they are unknown', () => {
    expect(classify('hibernating', null)).toEqual({ stopped: false, known: false })
    expect(classify('running', 'thinking_hard')).toEqual({ stopped: false, known: false })
  })

  it('knows which sessions can take a message', () => {
    expect(isLive('suspended', 'inactivity')).toBe(true)
    expect(isLive('suspended', 'payment_declined')).toBe(false)
    expect(isLive('exit', null)).toBe(false)
    expect(describeStatus('suspended', 'out_of_credits')).toMatch(/out of credits/)
  })
})

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
    const body = renderComment(r)
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
    const s = renderSummary(r, 'task\n```\nnot closed')
    expect(s).toContain('````markdown\ntask\n```\nnot closed\n````')
  })

  it('applies fail-on', () => {
    expect(failureFor({ ...r, result: 'error' }, ['error'])).toMatch(/result 'error'/)
    expect(failureFor({ ...r, result: 'timeout' }, ['error'])).toBeUndefined()
    expect(failureFor({ ...r, result: 'timeout' }, ['timeout'])).toMatch(/timeout/)
    expect(failureFor({ ...r, result: 'finished' }, ['error', 'timeout'])).toBeUndefined()
  })

  it('scrubs every credential', () => {
    expect(
      scrub('key cog_abcdef and cog_abcdef again, token ghs_1234', ['cog_abcdef', 'ghs_1234'])
    ).toBe('key *** and *** again, token ***')
  })
})
