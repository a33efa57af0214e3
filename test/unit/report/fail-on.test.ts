import { describe, expect, it } from 'vitest'
import { failureFor, noticeFor } from '../../../src/report/fail-on.ts'
import type { Report } from '../../../src/state/run-state.ts'

const r: Report = {
  phase: 'ended',
  slug: 'acme/app',
  startedAt: 0,
  updatedAt: 0,
  runUrl: '',
  commentKey: 'default',
  timeline: [],
  attachments: [],
  session: {
    id: 'devin-1',
    url: 'https://app.devin.ai/sessions/devin-1',
    status: 'error',
    detail: '',
    pullRequests: []
  }
}

describe('fail-on', () => {
  it('applies fail-on', () => {
    expect(failureFor({ ...r, result: 'error' }, ['error'])).toMatch(/result 'error'/)
    expect(failureFor({ ...r, result: 'timeout' }, ['error'])).toBeUndefined()
    expect(failureFor({ ...r, result: 'timeout' }, ['timeout'])).toMatch(/timeout/)
    expect(failureFor({ ...r, result: 'finished' }, ['error', 'timeout'])).toBeUndefined()
  })

  it('never fails a skip, a dry run or a started session', () => {
    for (const result of ['skipped', 'dry-run', 'created', 'reused'] as const)
      expect(
        failureFor({ ...r, result }, ['error', 'suspended', 'timeout', 'needs-input'])
      ).toBeUndefined()
  })

  it('notices an end fail-on could name but does not, with the session URL and the reason', () => {
    const waiting: Report = {
      ...r,
      result: 'needs-input',
      note: 'Devin is waiting for a reply: answer in the Devin session.',
      session: { ...r.session!, status: 'running', detail: 'waiting_for_user' }
    }
    expect(noticeFor(waiting, ['error'])).toBe(
      "Devin handoff ended with result 'needs-input' (status running/waiting_for_user). Devin is waiting for a reply: answer in the Devin session. Session: https://app.devin.ai/sessions/devin-1 (add 'needs-input' to 'fail-on' to fail the step on this)"
    )
    for (const result of ['timeout', 'suspended', 'error'] as const)
      expect(noticeFor({ ...r, result }, []), result).toMatch(
        new RegExp(
          `^Devin handoff ended with result '${result}' .*Session: https://app\\.devin\\.ai/sessions/devin-1 `
        )
      )
  })

  it('notices nothing that fails the step, nor an end that needs no one', () => {
    expect(noticeFor({ ...r, result: 'timeout' }, ['timeout'])).toBeUndefined()
    for (const result of ['finished', 'created', 'reused', 'skipped', 'dry-run'] as const)
      expect(noticeFor({ ...r, result }, []), result).toBeUndefined()
    expect(noticeFor({ ...r, result: undefined }, [])).toBeUndefined()
  })
})
