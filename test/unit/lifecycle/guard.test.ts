import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { parseSession, type DevinSession } from '../../../src/devin/types.ts'
import { guardRun } from '../../../src/lifecycle/guard.ts'
import type { Started } from '../../../src/session/start.ts'
import { PhaseError, RunState } from '../../../src/state/run-state.ts'
import { EMPTY_HANDOFF } from '../../helpers/run-state.ts'

function devinSession(over: Record<string, unknown> = {}): DevinSession {
  const s = parseSession({
    session_id: 'devin-7',
    url: 'https://x.test/s/7',
    status: 'running',
    status_detail: 'working',
    ...over
  })
  if (!s) throw new Error('fixture')
  return s
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined)
/** Lets every callback that is ready run (no timer involved). */
const ticks = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
}

function setup(o: { stopOnCancel?: boolean; finish?: () => Promise<void> } = {}) {
  const state = new RunState({ slug: 'o/r', runUrl: '', commentKey: 'default' }, () => 1000)
  const source = new EventEmitter()
  const log: string[] = []
  const exits: number[] = []
  const failed: string[] = []
  const saves: string[] = []
  const devinCalls: string[] = []
  const surfaces = {
    finish: o.finish ?? (async () => void log.push(`finish (${state.report.note ?? ''})`)),
    saveState: (final: boolean) =>
      void saves.push(
        `${final ? 'final' : 'interim'} ${state.phase}${state.report.pending ? ' pending' : ''}`
      )
  }
  const guard = guardRun({
    state,
    surfaces,
    stopOnCancel: o.stopOnCancel ?? true,
    scrub: (t) => t,
    log: { info: (m) => void log.push(m), warning: (m) => void log.push(`warning: ${m}`) },
    fail: (m) => void failed.push(m),
    watch: { source, exit: (c) => void exits.push(c) },
    budget: { settleMs: 60_000, terminateMs: 60_000, finishMs: 60_000, deadlineMs: 120_000 }
  })
  const devin = {
    getSession: async () => {
      devinCalls.push('read')
      return devinSession()
    },
    terminateSession: async () => {
      devinCalls.push('terminate')
      return devinSession({ status: 'exit', status_detail: null })
    },
    findSessionsByTags: async () => []
  }
  const packed = (): void => {
    state.packingBegan()
    state.packed(EMPTY_HANDOFF)
  }
  return { state, source, log, exits, failed, saves, guard, devin, devinCalls, packed }
}

describe('guardRun', () => {
  it('saves the run before anything can be sent, and listens from then on', () => {
    const h = setup()
    expect(h.saves).toEqual(['interim deciding'])
    expect(h.source.listenerCount('SIGINT')).toBe(1)
    expect(h.source.listenerCount('SIGTERM')).toBe(1)
    expect(h.guard.fired).toBe(false)
    h.guard.dispose()
    expect(h.source.listenerCount('SIGINT')).toBe(0)
  })

  it('records and saves each start before it is sent', () => {
    const h = setup()
    h.packed()
    h.guard.sending({ orgId: 'org-1', runTag: 'gh-run:o/r:1.1:default' })
    expect(h.state.report.pending?.runTag).toBe('gh-run:o/r:1.1:default')
    expect(h.state.orgId).toBe('org-1')
    expect(h.saves.at(-1)).toBe('interim starting pending')
  })

  it('a cancel before anything was sent: says so, writes everything out, fails and exits', async () => {
    const h = setup()
    h.packed()
    h.source.emit('SIGINT', 'SIGINT')
    expect(h.guard.fired).toBe(true)
    expect(h.guard.signal.aborted).toBe(true)
    await h.guard.done
    const note = 'The workflow was cancelled before anything was handed off to Devin.'
    expect(h.log).toEqual([
      'Received SIGINT: the workflow is being cancelled; finalizing the Devin handoff.',
      `finish (${note})`
    ])
    expect(h.failed).toEqual([note])
    expect(h.exits).toEqual([1])
    expect(h.state.report.cancelled).toBe(true)
    // A pipeline that goes on regardless cannot rewrite the run.
    expect(() => h.state.skipped('permission')).toThrow(PhaseError)
    expect(() => h.state.failed('the run is ended, expected starting')).toThrow(PhaseError)
  })

  it('a cancel while the create is out: waits for its answer, names and stops the session', async () => {
    const h = setup()
    h.packed()
    let answer: (s: Started) => void = () => undefined
    const settled = new Promise<Started>((resolve) => (answer = resolve))
    h.guard.starting(settled, h.devin)
    h.guard.sending({ orgId: 'org-1', runTag: 'gh-run:o/r:1.1:default' })
    h.source.emit('SIGINT', 'SIGINT')
    await ticks()
    expect(h.exits).toEqual([])
    expect(h.devinCalls).toEqual([])
    answer({ session: devinSession(), how: 'created' })
    await h.guard.done
    expect(h.devinCalls).toEqual(['read', 'terminate'])
    expect(h.state.session?.id).toBe('devin-7')
    expect(h.state.report.result).toBe('created')
    expect(h.failed).toEqual([
      'The workflow was cancelled; the Devin session was stopped (stop-on-cancel).'
    ])
    expect(h.saves.at(-1)).toBe('interim ended')
  })

  it('a start handed over but not yet sent is not waited for: it will send nothing', async () => {
    const h = setup()
    h.packed()
    h.guard.starting(never(), h.devin)
    h.source.emit('SIGINT', 'SIGINT')
    await h.guard.done
    expect(h.failed).toEqual([
      'The workflow was cancelled before anything was handed off to Devin.'
    ])
  })

  it('a cancel after the run ended: lets the final write land, changes nothing, fails nothing', async () => {
    let land: () => void = () => undefined
    let calls = 0
    const finish = (): Promise<void> => {
      calls++
      return first
    }
    const first = new Promise<void>((resolve) => (land = resolve))
    const h = setup({ finish })
    h.packed()
    h.state.sessionStarted(
      { id: 'devin-7', url: 'u', status: 'running', detail: 'waiting_for_user', pullRequests: [] },
      'created',
      { orgId: 'org-1' }
    )
    h.state.ended('needs-input', 'Devin is waiting for a reply: answer in the Devin session.')
    void finish()
    h.source.emit('SIGINT', 'SIGINT')
    await ticks()
    expect(h.exits).toEqual([])
    land()
    await h.guard.done
    expect(calls).toBe(2)
    expect(h.exits).toEqual([1])
    expect(h.failed).toEqual([])
    expect(h.devinCalls).toEqual([])
    expect(h.state.report.result).toBe('needs-input')
    expect(h.state.report.cancelled).toBeFalsy()
    expect(h.state.report.note).toBe('Devin is waiting for a reply: answer in the Devin session.')
  })

  it('keeps listening after a signal even if disposed, so later signals stay swallowed', async () => {
    const h = setup()
    h.source.emit('SIGINT', 'SIGINT')
    h.guard.dispose()
    await h.guard.done
    expect(h.source.listenerCount('SIGTERM')).toBe(1)
  })
})
