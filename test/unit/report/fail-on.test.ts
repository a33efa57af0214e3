import { describe, expect, it } from 'vitest'
import { failureFor } from '../../../src/report/fail-on.ts'
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
})
