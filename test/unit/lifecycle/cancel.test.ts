import { afterEach, describe, expect, it, vi } from 'vitest'
import { DevinApiError } from '../../../src/devin/errors.ts'
import { parseSession, type DevinSession } from '../../../src/devin/types.ts'
import {
  CANCEL_BUDGET,
  cancelNote,
  finalizeCancelled,
  POST_BUDGET,
  stopSession,
  TimeoutError,
  withTimeout,
  type CancelDeps
} from '../../../src/lifecycle/cancel.ts'
import { RunState, type Phase, type SessionView } from '../../../src/state/run-state.ts'

const SECRET = 'cog_s3cr3t_value_for_tests'
const never = <T>(): Promise<T> => new Promise<T>(() => undefined)
/** Budgets small enough that a step that never settles is cut off at once. */
const TINY = { settleMs: 5, terminateMs: 5, finishMs: 5, deadlineMs: 50 }

const exited = (): DevinSession => {
  const s = parseSession({ session_id: 'devin-1', status: 'exit', url: 'https://x.test/s/1' })
  if (!s) throw new Error('fixture')
  return s
}

const view: SessionView = {
  id: 'devin-1',
  url: 'https://x.test/s/1',
  status: 'running',
  detail: 'working',
  pullRequests: []
}

/** `orgId` '' leaves the state without an organization. */
function stateIn(phase: Extract<Phase, 'waiting' | 'ended'>, orgId = 'org-1') {
  const s = new RunState({ slug: 'o/r', runUrl: '', commentKey: 'default' }, () => 1000)
  s.packingBegan()
  s.packed({
    promptBytes: 1,
    files: 0,
    source: 'none',
    truncated: false,
    omitted: 0,
    redactions: 0
  })
  s.sessionStarted(view, 'created', { orgId })
  s.orgId = orgId || undefined
  s.waitingBegan()
  if (phase === 'ended') s.ended('finished')
  return s
}

interface Harness {
  deps: CancelDeps
  order: string[]
  infos: string[]
  warnings: string[]
  terminated: Array<[string, string]>
}

function harness(
  state: RunState,
  over: Partial<CancelDeps> & { terminate?: () => Promise<DevinSession | undefined> } = {}
): Harness {
  const order: string[] = []
  const infos: string[] = []
  const warnings: string[] = []
  const terminated: Array<[string, string]> = []
  const { terminate, ...rest } = over
  const deps: CancelDeps = {
    state,
    stopOnCancel: true,
    devin: {
      terminateSession: async (orgId, id) => {
        order.push('terminate')
        terminated.push([orgId, id])
        return terminate ? terminate() : exited()
      }
    },
    finish: async () => {
      order.push(`finish (cancelled=${state.report.cancelled})`)
    },
    save: () => {
      order.push(`save (phase=${state.phase})`)
    },
    scrub: (t) => t.split(SECRET).join('***'),
    log: { info: (m) => infos.push(m), warning: (m) => warnings.push(m) },
    by: 'signal',
    budget: TINY,
    ...rest
  }
  return { deps, order, infos, warnings, terminated }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('finalizeCancelled', () => {
  it('stops a followed session with stop-on-cancel and shows it stopped', async () => {
    const state = stateIn('waiting')
    const h = harness(state)
    const note = await finalizeCancelled(h.deps)
    expect(note).toBe('The workflow was cancelled; the Devin session was stopped (stop-on-cancel).')
    expect(h.terminated).toEqual([['org-1', 'devin-1']])
    expect(state.terminated).toBe(true)
    expect(state.report.cancelled).toBe(true)
    expect(state.report.result).toBeUndefined()
    expect(state.report.note).toBe(note)
    expect(state.session?.status).toBe('exit')
    expect(h.infos).toEqual(['Stopped the Devin session devin-1 (stop-on-cancel).'])
    expect(h.order).toEqual(['terminate', 'save (phase=ended)', 'finish (cancelled=true)'])
  })

  it('keeps the session without stop-on-cancel', async () => {
    const state = stateIn('waiting')
    const h = harness(state, { stopOnCancel: false })
    const note = await finalizeCancelled(h.deps)
    expect(note).toBe('The workflow was cancelled; the Devin session keeps running.')
    expect(h.terminated).toEqual([])
    expect(state.terminated).toBe(false)
    expect(state.report.cancelled).toBe(true)
    expect(state.session?.status).toBe('running')
  })

  it('keeps the session when it cannot be stopped from here (no key, no organization)', async () => {
    const noKey = stateIn('waiting')
    const a = harness(noKey, { devin: undefined })
    expect(await finalizeCancelled(a.deps)).toMatch(/keeps running/)
    const noOrg = stateIn('waiting', '')
    const b = harness(noOrg)
    expect(await finalizeCancelled(b.deps)).toMatch(/keeps running/)
    expect(b.terminated).toEqual([])
  })

  it('says when stopping failed, with the reason scrubbed, and warns', async () => {
    const state = stateIn('waiting')
    const h = harness(state, {
      terminate: async () => {
        throw new Error(`503 from proxy: Authorization: Bearer ${SECRET}`)
      }
    })
    const note = await finalizeCancelled(h.deps)
    expect(note).toBe(
      'The workflow was cancelled; stopping the Devin session failed (503 from proxy: Authorization: Bearer ***), so it may still be running.'
    )
    expect(h.warnings).toEqual([
      'Could not stop the Devin session devin-1: 503 from proxy: Authorization: Bearer ***'
    ])
    expect(JSON.stringify(state.report)).not.toContain(SECRET)
    expect(state.terminated).toBe(false)
    expect(state.report.cancelled).toBe(true)
  })

  it('does not stop a session the main step already stopped', async () => {
    const state = stateIn('waiting')
    state.terminated = true
    const h = harness(state, { by: 'post' })
    const note = await finalizeCancelled(h.deps)
    expect(h.terminated).toEqual([])
    expect(note).toMatch(/was stopped \(stop-on-cancel\)/)
    expect(state.report.timeline.at(-1)?.text).toBe('finalized by the post step')
  })

  it('does not stop a session it no longer follows', async () => {
    const state = stateIn('ended')
    const h = harness(state)
    const note = await finalizeCancelled(h.deps)
    expect(note).toBe('The workflow was cancelled after the Devin session had stopped.')
    expect(h.terminated).toEqual([])
    expect(state.report.result).toBe('finished')
    expect(state.report.cancelled).toBe(false)
  })

  it('opens the note with the prefix given', async () => {
    const state = stateIn('waiting')
    const h = harness(state, { stopOnCancel: false, prefix: 'The job ended early' })
    expect(await finalizeCancelled(h.deps)).toBe(
      'The job ended early; the Devin session keeps running.'
    )
  })

  it('waits for a comment edit in flight before writing', async () => {
    const state = stateIn('waiting')
    let release: () => void = () => undefined
    const h = harness(state, { stopOnCancel: false, budget: { ...TINY, settleMs: 60_000 } })
    h.deps.settle = () =>
      new Promise<void>((resolve) => {
        release = () => {
          h.order.push('settled')
          resolve()
        }
      })
    const done = finalizeCancelled(h.deps)
    await new Promise((r) => setImmediate(r))
    expect(h.order).toEqual([])
    release()
    await done
    expect(h.order).toEqual(['settled', 'save (phase=ended)', 'finish (cancelled=true)'])
  })

  it('gives up on an edit in flight that never settles, within its budget', async () => {
    const state = stateIn('waiting')
    const h = harness(state, { stopOnCancel: false, settle: never })
    await finalizeCancelled(h.deps)
    expect(h.order).toEqual(['save (phase=ended)', 'finish (cancelled=true)'])
    expect(h.warnings).toEqual([])
  })

  it('gives up on a stop that never answers, within its budget', async () => {
    const state = stateIn('waiting')
    const h = harness(state, { terminate: never })
    const note = await finalizeCancelled(h.deps)
    expect(note).toBe(
      'The workflow was cancelled; stopping the Devin session failed (stopping the session took longer than 5 ms), so it may still be running.'
    )
    expect(state.terminated).toBe(false)
    expect(h.order).toEqual(['terminate', 'save (phase=ended)', 'finish (cancelled=true)'])
  })

  it('warns when the final write never ends, and leaves it to the post step', async () => {
    const state = stateIn('waiting')
    const h = harness(state, { stopOnCancel: false, finish: never })
    const note = await finalizeCancelled(h.deps)
    expect(note).toMatch(/keeps running/)
    expect(h.order).toEqual(['save (phase=ended)'])
    expect(h.warnings).toEqual([
      'writing the final comment and summary took longer than 5 ms; the post step will finalize the comment.'
    ])
  })

  it('warns when the final write fails', async () => {
    const state = stateIn('waiting')
    const h = harness(state, {
      stopOnCancel: false,
      finish: async () => {
        throw new Error('comment refused')
      }
    })
    await finalizeCancelled(h.deps)
    expect(h.warnings).toEqual(['comment refused; the post step will finalize the comment.'])
  })

  it('runs without a save function', async () => {
    const state = stateIn('waiting')
    const h = harness(state, { stopOnCancel: false, save: undefined })
    await finalizeCancelled(h.deps)
    expect(h.order).toEqual(['finish (cancelled=true)'])
  })
})

describe('stopSession', () => {
  const apiError = (status: number) =>
    new DevinApiError(`Devin API DELETE failed: ${status}`, {
      status,
      detail: '',
      method: 'DELETE',
      path: '/v3/organizations/o/sessions/s'
    })
  const failing = (err: unknown) => ({
    terminateSession: async (): Promise<DevinSession | undefined> => {
      throw err
    }
  })

  it('returns the stopped session', async () => {
    const r = await stopSession({ terminateSession: async () => exited() }, 'o', 's', 1000)
    expect(r.outcome).toEqual({ kind: 'stopped' })
    expect(r.session?.status).toBe('exit')
  })

  it.each([409, 410])('counts a session already gone (%i) as stopped', async (status) => {
    const r = await stopSession(failing(apiError(status)), 'o', 's', 1000)
    expect(r).toEqual({ outcome: { kind: 'stopped' } })
  })

  it.each([404, 401, 500])('reports other API failures (%i)', async (status) => {
    const r = await stopSession(failing(apiError(status)), 'o', 's', 1000)
    expect(r).toEqual({ outcome: { kind: 'failed', reason: `Devin API DELETE failed: ${status}` } })
  })

  it('reports a 409 that is not from the Devin API as a failure', async () => {
    const r = await stopSession(failing({ status: 409, message: 'x' }), 'o', 's', 1000)
    expect(r.outcome.kind).toBe('failed')
  })

  it('gives up after its budget', async () => {
    const r = await stopSession({ terminateSession: never }, 'o', 's', 3)
    expect(r.outcome).toEqual({
      kind: 'failed',
      reason: 'stopping the session took longer than 3 ms'
    })
  })
})

describe('withTimeout', () => {
  it('settles with the promise and leaves no timer behind', async () => {
    vi.useFakeTimers()
    await expect(withTimeout(Promise.resolve(7), 1000, 'x')).resolves.toBe(7)
    await expect(withTimeout(Promise.reject(new Error('no')), 1000, 'x')).rejects.toThrow('no')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects with a TimeoutError naming the work once the time is up', async () => {
    vi.useFakeTimers()
    const p = withTimeout(never(), 250, 'the thing')
    const caught = p.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(249)
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    const err = await caught
    expect(err).toBeInstanceOf(TimeoutError)
    expect((err as Error).message).toBe('the thing took longer than 250 ms')
  })
})

describe('cancelNote and budgets', () => {
  it('words each outcome', () => {
    expect(cancelNote({ kind: 'kept' })).toBe(
      'The workflow was cancelled; the Devin session keeps running.'
    )
    expect(cancelNote({ kind: 'ended' }, 'P')).toBe('P after the Devin session had stopped.')
    expect(cancelNote({ kind: 'failed', reason: 'r' }, 'P')).toBe(
      'P; stopping the Devin session failed (r), so it may still be running.'
    )
  })

  it('fits the main step inside the runner’s 7.5 s and the post step inside its deadline', () => {
    const b = CANCEL_BUDGET
    expect(Math.max(b.settleMs, b.terminateMs) + b.finishMs).toBeLessThanOrEqual(b.deadlineMs)
    expect(b.deadlineMs).toBeLessThan(7500)
    const p = POST_BUDGET
    expect(p.terminateMs + p.finishMs).toBeLessThanOrEqual(p.deadlineMs)
  })
})
