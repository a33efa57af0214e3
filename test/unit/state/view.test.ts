import { describe, expect, it } from 'vitest'
import { parseSession } from '../../../src/devin/types.ts'
import { toView } from '../../../src/state/view.ts'

function session(raw: Record<string, unknown>) {
  const s = parseSession(raw)
  if (!s) throw new Error('not a session')
  return s
}

describe('toView', () => {
  it('shows every field the report uses', () => {
    const v = toView(
      session({
        session_id: 'devin-9f',
        url: 'https://app.devin.ai/sessions/devin-9f?from=api',
        status: 'running',
        status_detail: 'working',
        title: 'octo/repo#3: Fix it',
        acus_consumed: 2.5,
        pull_requests: [
          { pr_url: 'https://github.com/octo/repo/pull/4', pr_state: 'open' },
          'https://github.com/octo/repo/pull/5'
        ],
        structured_output: { done: false }
      })
    )
    expect(v).toEqual({
      id: 'devin-9f',
      url: 'https://app.devin.ai/sessions/devin-9f?from=api',
      status: 'running',
      detail: 'working',
      title: 'octo/repo#3: Fix it',
      acus: 2.5,
      pullRequests: ['https://github.com/octo/repo/pull/4', 'https://github.com/octo/repo/pull/5'],
      structuredOutput: { done: false }
    })
  })

  it('fills what the server left out: a built URL, no detail, nothing else', () => {
    const v = toView(session({ session_id: 'abc123', pull_requests: ['', { url: '' }] }))
    expect(v).toEqual({
      id: 'devin-abc123',
      url: 'https://app.devin.ai/sessions/devin-abc123',
      status: 'unknown',
      detail: '',
      title: undefined,
      acus: undefined,
      pullRequests: [],
      structuredOutput: undefined
    })
  })

  it('keeps a zero ACU count and a falsy structured output that is not null', () => {
    const v = toView(session({ session_id: 'devin-z', acus_consumed: 0, structured_output: 0 }))
    expect(v.acus).toBe(0)
    expect(v.structuredOutput).toBe(0)
  })
})
