import { describe, expect, it } from 'vitest'
import { parseSession, type DevinSession } from '../../../src/devin/types.ts'
import type { Report } from '../../../src/state/run-state.ts'
import { bareReport, MAX_LAST_MESSAGE, refreshReport } from '../../../src/sync/refresh.ts'
import { handoffReport, WORKING } from './fakes.ts'

const T0 = Date.UTC(2026, 0, 1)
const NOW = T0 + 3_600_000

function session(status: string, detail: string | null, extra: object = {}): DevinSession {
  const s = parseSession({
    session_id: 'devin-abc',
    url: 'https://app.devin.ai/sessions/devin-abc',
    status,
    status_detail: detail,
    tags: [],
    created_at: T0 / 1000,
    updated_at: (T0 + 600_000) / 1000,
    ...extra
  })
  if (!s) throw new Error('unparsable')
  return s
}

const old = (extra: Partial<Report> = {}): Report => ({
  ...handoffReport('devin-abc', WORKING, 3),
  ...extra
})

describe('refreshReport', () => {
  it('a stop: its result, Devin’s words, when Devin last changed it, and the rest kept', () => {
    const r = refreshReport(old(), session('running', 'waiting_for_user'), {
      now: NOW,
      lastMessage: 'Which database?'
    })
    expect(r).toMatchObject({
      result: 'needs-input',
      lastMessage: 'Which database?',
      syncedAt: NOW,
      // Elapsed ends when Devin stopped, not at the sync an hour later.
      updatedAt: T0 + 600_000,
      session: { id: 'devin-abc', status: 'running', detail: 'waiting_for_user' },
      requestedBy: { login: 'octocat', text: 'make the tests pass' },
      runUrl: old().runUrl
    })
    expect(r.timeline.at(-1)).toEqual({
      at: NOW,
      text: 'synced: Devin is waiting for your reply (running/waiting_for_user)'
    })
    expect(Object.values(r)).not.toContain(undefined)
  })

  it('working again: no result, and an answered question does not stay on the PR', () => {
    const r = refreshReport(
      old({ result: 'needs-input', lastMessage: 'Which database?' }),
      session('running', 'working'),
      { now: NOW }
    )
    expect(r.result).toBeUndefined()
    expect(r.lastMessage).toBeUndefined()
    expect(r.updatedAt).toBe(NOW)
  })

  it('a run that stopped waiting says so while Devin works, and gives way once it stops', () => {
    const timedOut = old({ result: 'timeout', note: 'Stopped waiting after 30 minutes.' })
    const working = refreshReport(timedOut, session('running', 'working'), { now: NOW })
    expect(working).toMatchObject({ result: 'timeout', note: 'Stopped waiting after 30 minutes.' })
    const done = refreshReport(working, session('exit', null), { now: NOW, lastMessage: 'Done.' })
    expect(done.result).toBe('finished')
    expect(done.note).toBeUndefined()
  })

  it('a cancelled run likewise', () => {
    const cancelled = old({ result: undefined, cancelled: true, note: 'Workflow cancelled.' })
    const working = refreshReport(cancelled, session('running', 'working'), { now: NOW })
    expect(working).toMatchObject({ cancelled: true, note: 'Workflow cancelled.' })
    const done = refreshReport(working, session('error', null), { now: NOW })
    expect(done).toMatchObject({ result: 'error' })
    expect(done.cancelled).toBeUndefined()
    expect(done.note).toBeUndefined()
  })

  it('keeps 10,000 characters of Devin’s last message, never half a character', () => {
    const long = `${'a'.repeat(MAX_LAST_MESSAGE - 1)}😀 and more`
    const r = refreshReport(old(), session('exit', null), { now: NOW, lastMessage: long })
    expect(r.lastMessage).toBe('a'.repeat(MAX_LAST_MESSAGE - 1))
    const exact = 'b'.repeat(MAX_LAST_MESSAGE)
    const r2 = refreshReport(old(), session('exit', null), { now: NOW, lastMessage: exact })
    expect(r2.lastMessage).toBe(exact)
  })

  it('keeps the timeline to the 30 entries the hidden state holds', () => {
    const timeline = Array.from({ length: 30 }, (_, i) => ({ at: T0 + i, text: `e${i}` }))
    const r = refreshReport(old({ timeline }), session('exit', null), { now: NOW })
    expect(r.timeline).toHaveLength(30)
    expect(r.timeline[0]?.text).toBe('e1')
  })

  it('never dates the end after the sync, nor before the start', () => {
    const future = session('exit', null, { updated_at: (NOW + 999_000) / 1000 })
    expect(refreshReport(old(), future, { now: NOW }).updatedAt).toBe(NOW)
    const early = session('exit', null, { updated_at: (T0 - 999_000) / 1000 })
    expect(refreshReport(old(), early, { now: NOW }).updatedAt).toBe(T0)
  })
})

describe('bareReport', () => {
  it('starts when the session was created, with nothing the session does not say', () => {
    const r = bareReport(session('exit', null), { slug: 'o/r', commentKey: 'k', now: NOW })
    expect(r).toMatchObject({ slug: 'o/r', commentKey: 'k', startedAt: T0, runUrl: '' })
    expect(r.session).toBeUndefined()
  })
})
