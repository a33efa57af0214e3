import { afterEach, describe, expect, it, vi } from 'vitest'
import { DevinApiError } from '../../../src/devin/errors.ts'
import { parseSession, type DevinSession } from '../../../src/devin/types.ts'
import {
  CANCEL_BUDGET,
  cancelNote,
  finalizeCancelled,
  lookUpStart,
  POST_BUDGET,
  stopIfWorking,
  stopSession,
  TimeoutError,
  withTimeout,
  type CancelDeps
} from '../../../src/lifecycle/cancel.ts'
import { unconfirmedNote } from '../../../src/session/notes.ts'
import { RunState, type Phase, type SessionView } from '../../../src/state/run-state.ts'
import {
  EMPTY_HANDOFF,
  followingReviewState,
  REVIEW_PR_URL,
  REVIEW_SHA,
  reviewingState
} from '../../helpers/run-state.ts'

const SECRET = 'cog_s3cr3t_value_for_tests'
const never = <T>(): Promise<T> => new Promise<T>(() => undefined)
/** Budgets small enough that a step that never settles is cut off at once. */
const TINY = { settleMs: 5, terminateMs: 5, finishMs: 5, deadlineMs: 50 }

function devinSession(over: Record<string, unknown> = {}): DevinSession {
  const s = parseSession({ session_id: 'devin-1', url: 'https://x.test/s/1', ...over })
  if (!s) throw new Error('fixture')
  return s
}
const exited = (): DevinSession => devinSession({ status: 'exit' })
const working = (): DevinSession => devinSession({ status: 'running', status_detail: 'working' })

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
  s.packed(EMPTY_HANDOFF)
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
  over: Partial<CancelDeps> & {
    terminate?: () => Promise<DevinSession | undefined>
    /** What reading the session answers (default: still working). */
    read?: () => Promise<DevinSession>
  } = {}
): Harness {
  const order: string[] = []
  const infos: string[] = []
  const warnings: string[] = []
  const terminated: Array<[string, string]> = []
  const { terminate, read, ...rest } = over
  const deps: CancelDeps = {
    state,
    stopOnCancel: true,
    devin: {
      getSession: async () => {
        order.push('read')
        return read ? read() : working()
      },
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
    expect(h.order).toEqual(['read', 'terminate', 'save (phase=ended)', 'finish (cancelled=true)'])
  })

  it.each([
    [
      'waits for the user',
      { status: 'running', status_detail: 'waiting_for_user' },
      /Devin is waiting for your reply/
    ],
    [
      'waits for an approval',
      { status: 'running', status_detail: 'waiting_for_approval' },
      /waiting for an approval/
    ],
    [
      'is suspended',
      { status: 'suspended', status_detail: 'inactivity' },
      /suspended after inactivity/
    ],
    ['has ended', { status: 'exit' }, /session ended/],
    ['failed', { status: 'error' }, /session failed/]
  ])(
    'spares a session that %s since the last poll, and shows it as it is',
    async (_what, now, said) => {
      const state = stateIn('waiting')
      const h = harness(state, { read: async () => devinSession(now) })
      const note = await finalizeCancelled(h.deps)
      expect(h.terminated).toEqual([])
      expect(note).toMatch(/^The workflow was cancelled; the Devin session was not stopped: /)
      expect(note).toMatch(said)
      expect(state.terminated).toBe(false)
      expect(state.session?.status).toBe(now.status)
      expect(h.order).toEqual(['read', 'save (phase=ended)', 'finish (cancelled=true)'])
    }
  )

  it('goes by the last poll when the session cannot be read', async () => {
    const state = stateIn('waiting')
    const h = harness(state, {
      read: async () => {
        throw new Error('503')
      }
    })
    expect(await finalizeCancelled(h.deps)).toMatch(/was stopped \(stop-on-cancel\)/)
    expect(h.terminated).toEqual([['org-1', 'devin-1']])
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
    expect(state.report.cancelled).toBeFalsy()
    expect(h.order).toEqual(['save (phase=ended)', 'finish (cancelled=undefined)'])
  })

  it('says a review goes on, and stops nothing: a review cannot be stopped', async () => {
    const h = harness(followingReviewState())
    const note = await finalizeCancelled(h.deps)
    expect(note).toBe(
      'The workflow was cancelled; Devin Review goes on and posts its findings on the pull request.'
    )
    expect(h.order).toEqual(['save (phase=ended)', 'finish (cancelled=true)'])
    expect(h.terminated).toEqual([])
  })

  it('says a review may appear when the request was cut short', async () => {
    const state = reviewingState()
    state.reviewSent(REVIEW_PR_URL, REVIEW_SHA)
    const note = await finalizeCancelled(harness(state).deps)
    expect(note).toBe(
      'The workflow was cancelled while Devin Review was being asked; a review may still appear on the pull request.'
    )
    expect(state.report.cancelled).toBe(true)
  })

  it('opens the note with the prefix given', async () => {
    const state = stateIn('waiting')
    const h = harness(state, { stopOnCancel: false, prefix: 'The job ended early' })
    expect(await finalizeCancelled(h.deps)).toBe(
      'The job ended early; the Devin session keeps running.'
    )
  })

  it('gives up on a stop that never answers, within its budget', async () => {
    const state = stateIn('waiting')
    const h = harness(state, { terminate: never })
    const note = await finalizeCancelled(h.deps)
    expect(note).toBe(
      'The workflow was cancelled; stopping the Devin session failed (stopping the session took longer than 3 ms), so it may still be running.'
    )
    expect(state.terminated).toBe(false)
    expect(h.order).toEqual(['read', 'terminate', 'save (phase=ended)', 'finish (cancelled=true)'])
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

describe('finalizeCancelled with a session start in flight', () => {
  const RUN_TAG = 'gh-run:o/r:1.1:default'

  /** A run whose create (or, with `live`, follow-up message to it) has been sent. */
  function sending(live?: SessionView): RunState {
    const s = new RunState({ slug: 'o/r', runUrl: '', commentKey: 'default' }, () => 1000)
    s.packingBegan()
    s.packed(EMPTY_HANDOFF)
    s.startSent({ orgId: 'org-1', runTag: RUN_TAG, session: live })
    return s
  }

  it('waits for the answer, names the session it made, and stops it with stop-on-cancel', async () => {
    const state = sending()
    let answer: (s: DevinSession) => void = () => undefined
    const h = harness(state, {
      budget: { ...TINY, settleMs: 60_000 },
      start: () =>
        new Promise((resolve) => {
          h.order.push('start settling')
          answer = (s) => resolve({ session: s, how: 'created' })
        })
    })
    const done = finalizeCancelled(h.deps)
    await new Promise((r) => setImmediate(r))
    expect(h.order).toEqual(['start settling'])
    answer(working())
    const note = await done
    expect(note).toBe('The workflow was cancelled; the Devin session was stopped (stop-on-cancel).')
    expect(h.terminated).toEqual([['org-1', 'devin-1']])
    expect(state.report.pending).toBeUndefined()
    expect(state.report.result).toBe('created')
    expect(state.report.cancelled).toBe(true)
    expect(state.session?.id).toBe('devin-1')
    expect(h.order).toEqual([
      'start settling',
      'read',
      'terminate',
      'save (phase=ended)',
      'finish (cancelled=true)'
    ])
  })

  it('names it and leaves it running without stop-on-cancel', async () => {
    const state = sending()
    const h = harness(state, {
      stopOnCancel: false,
      start: async () => ({ session: working(), how: 'created' })
    })
    expect(await finalizeCancelled(h.deps)).toBe(
      'The workflow was cancelled; the Devin session keeps running.'
    )
    expect(state.session?.id).toBe('devin-1')
    expect(h.order).toEqual(['save (phase=ended)', 'finish (cancelled=true)'])
  })

  it('settles with everything the start knew: what the comment remembers, an answer as one', async () => {
    const state = sending(view)
    const handedOff = { sessionId: 'devin-1', headSha: 'a'.repeat(40) }
    const h = harness(state, {
      stopOnCancel: false,
      start: async () => ({ session: working(), how: 'reused', handedOff, answered: true })
    })
    await finalizeCancelled(h.deps)
    expect(state.report.handedOff).toEqual(handedOff)
    expect(state.report.answered).toBe(true)
    expect(state.report.timeline.map((t) => t.text)).toContain(
      'answer sent to the running session (running)'
    )
  })

  it('leaves a session an answer woke running, even with stop-on-cancel', async () => {
    const state = new RunState({ slug: 'o/r', runUrl: '', commentKey: 'default' }, () => 1000)
    state.packingBegan()
    state.packed(EMPTY_HANDOFF)
    state.startSent({ orgId: 'org-1', runTag: RUN_TAG, session: view, answer: true })
    const h = harness(state, {
      start: async () => ({ session: working(), how: 'reused', answered: true })
    })
    expect(await finalizeCancelled(h.deps)).toBe(
      'The workflow was cancelled; the Devin session keeps running.'
    )
    expect(h.terminated).toEqual([])
  })

  it('leaves it running too when the answer to the message never came', async () => {
    const state = new RunState({ slug: 'o/r', runUrl: '', commentKey: 'default' }, () => 1000)
    state.packingBegan()
    state.packed(EMPTY_HANDOFF)
    state.startSent({ orgId: 'org-1', runTag: RUN_TAG, session: view, answer: true })
    const h = harness(state, { start: never })
    await finalizeCancelled(h.deps)
    expect(state.report.answered).toBe(true)
    expect(h.terminated).toEqual([])
  })

  it('when the answer does not come in time, keeps what the post step needs and says so', async () => {
    const state = sending()
    const h = harness(state, { start: never })
    const note = await finalizeCancelled(h.deps)
    expect(note).toBe(
      `The workflow was cancelled while the Devin session was being created; the post step looks for it by its tag ${RUN_TAG}.`
    )
    expect(state.report.pending).toEqual({ orgId: 'org-1', runTag: RUN_TAG })
    expect(state.session).toBeUndefined()
    expect(state.report.cancelled).toBe(true)
    expect(h.terminated).toEqual([])
    expect(h.warnings).toEqual([
      'Could not tell how the Devin session start ended: the session start in flight took longer than 5 ms'
    ])
    expect(h.order).toEqual(['save (phase=ended)', 'finish (cancelled=true)'])
  })

  it('treats a start that failed as unknown, with the reason scrubbed', async () => {
    const state = sending()
    const h = harness(state, {
      start: async () => {
        throw new Error(`502 from a proxy that echoed Bearer ${SECRET}`)
      }
    })
    expect(await finalizeCancelled(h.deps)).toMatch(/while the Devin session was being created/)
    expect(h.warnings.join('\n')).not.toContain(SECRET)
    expect(state.report.pending?.runTag).toBe(RUN_TAG)
  })

  it('a follow-up whose answer does not come: the live session is the run’s, unconfirmed', async () => {
    const state = sending({ ...view, id: 'devin-live' })
    const h = harness(state, { stopOnCancel: false, start: never })
    expect(await finalizeCancelled(h.deps)).toBe(
      'The workflow was cancelled; the Devin session keeps running.'
    )
    expect(state.session?.id).toBe('devin-live')
    expect(state.report.result).toBe('reused')
    expect(state.report.pending).toBeUndefined()
    expect(state.report.timeline.map((t) => t.text)).toContain(
      'handoff sent, delivery not confirmed, to the running session (running)'
    )
  })

  it('a start that made no session: nothing to name, nothing pending', async () => {
    const state = sending()
    const h = harness(state, { start: async () => undefined })
    expect(await finalizeCancelled(h.deps)).toBe(
      'The workflow was cancelled before anything was handed off to Devin.'
    )
    expect(state.report.pending).toBeUndefined()
    expect(h.terminated).toEqual([])
  })

  it('nothing sent at all: says so, and asks Devin nothing', async () => {
    const state = new RunState({ slug: 'o/r', runUrl: '', commentKey: 'default' }, () => 1000)
    state.packingBegan()
    const h = harness(state)
    expect(await finalizeCancelled(h.deps)).toBe(
      'The workflow was cancelled before anything was handed off to Devin.'
    )
    expect(state.report.result).toBeUndefined()
    expect(state.report.cancelled).toBe(true)
    expect(h.order).toEqual(['save (phase=ended)', 'finish (cancelled=true)'])
  })

  it('the post step finds the session of a create the signal handler could not settle', async () => {
    // The main step's handler gave up waiting: the run ended cancelled, the start pending.
    const main = sending()
    const first = harness(main, { start: never })
    await finalizeCancelled(first.deps)
    const restored = new RunState({ restore: JSON.parse(JSON.stringify(main.snapshot())) })
    restored.orgId = 'org-1'
    const lookups: string[][] = []
    const stopped: string[] = []
    const devin = {
      findSessionsByTags: async (_org: string, tags: string[]) => {
        lookups.push(tags)
        return [
          devinSession({ session_id: 'devin-2', status: 'running', created_at: 20 }),
          devinSession({ session_id: 'devin-1', status: 'running', created_at: 10 })
        ]
      },
      getSession: async (_org: string, id: string) =>
        devinSession({ session_id: id, status: 'running', status_detail: 'working' }),
      terminateSession: async (_org: string, id: string) => {
        stopped.push(id)
        return devinSession({ session_id: id, status: 'exit' })
      }
    }
    const pending = restored.report.pending
    if (!pending) throw new Error('pending expected')
    const h = harness(restored, { by: 'post', devin, start: lookUpStart(devin, pending) })
    const note = await finalizeCancelled(h.deps)
    expect(lookups).toEqual([[RUN_TAG]])
    expect(note).toBe('The workflow was cancelled; the Devin session was stopped (stop-on-cancel).')
    // The oldest of what the tag found: the first create, not a resend.
    expect(stopped).toEqual(['devin-1'])
    expect(restored.session?.id).toBe('devin-1')
    expect(restored.report.result).toBe('created')
    expect(restored.report.cancelled).toBe(true)
    expect(restored.report.pending).toBeUndefined()
  })
})

describe('lookUpStart', () => {
  const pending = { orgId: 'org-1', runTag: 'gh-run:o/r:1.1:k' }

  it('finds nothing when the tag finds nothing', async () => {
    const devin = {
      findSessionsByTags: async () => [],
      terminateSession: async () => undefined
    }
    expect(await lookUpStart(devin, pending)()).toBeUndefined()
  })

  it('reads a follow-up’s live session again, delivery unconfirmed', async () => {
    const devin = {
      getSession: async (_o: string, id: string) =>
        devinSession({ session_id: id, status: 'running' }),
      terminateSession: async () => undefined
    }
    const found = await lookUpStart(devin, { ...pending, session: { ...view, id: 'devin-live' } })()
    expect(found?.session.sessionId).toBe('devin-live')
    expect(found?.how).toBe('reused')
    expect(found?.note).toBe(unconfirmedNote('the run ended before its answer came'))
  })
})

describe('stopIfWorking', () => {
  it('reads the session first and stops it only if Devin still works on it', async () => {
    const calls: string[] = []
    const devin = (status: Record<string, unknown>) => ({
      getSession: async () => {
        calls.push('read')
        return devinSession(status)
      },
      terminateSession: async () => {
        calls.push('terminate')
        return exited()
      }
    })
    const waiting = await stopIfWorking(
      devin({ status: 'running', status_detail: 'waiting_for_user' }),
      'o',
      view,
      1000
    )
    expect(waiting.outcome.kind).toBe('spared')
    expect(calls).toEqual(['read'])
    const busy = await stopIfWorking(devin({ status: 'claimed' }), 'o', view, 1000)
    expect(busy.outcome.kind).toBe('stopped')
    expect(busy.session?.status).toBe('exit')
    expect(calls).toEqual(['read', 'read', 'terminate'])
  })

  it('goes by the last known state when it cannot read, within half its budget', async () => {
    const calls: string[] = []
    const devin = {
      getSession: never,
      terminateSession: async () => {
        calls.push('terminate')
        return exited()
      }
    }
    const asking = { ...view, detail: 'waiting_for_user' }
    expect((await stopIfWorking(devin, 'o', asking, 10)).outcome.kind).toBe('spared')
    expect((await stopIfWorking(devin, 'o', view, 10)).outcome.kind).toBe('stopped')
    expect(calls).toEqual(['terminate'])
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
    expect(cancelNote({ kind: 'none' })).toBe(
      'The workflow was cancelled before anything was handed off to Devin.'
    )
    expect(cancelNote({ kind: 'spared', status: 'running', detail: 'waiting_for_user' })).toBe(
      'The workflow was cancelled; the Devin session was not stopped: Devin is waiting for your reply.'
    )
    expect(cancelNote({ kind: 'unknown', tag: 'gh-run:o/r:1.1:k', by: 'signal' })).toBe(
      'The workflow was cancelled while the Devin session was being created; the post step looks for it by its tag gh-run:o/r:1.1:k.'
    )
    expect(cancelNote({ kind: 'unknown', tag: 'gh-run:o/r:1.1:k', by: 'post' }, 'P')).toBe(
      'P while the Devin session was being created, and whether it was could not be found out: look for a Devin session tagged gh-run:o/r:1.1:k.'
    )
  })

  it('fits the main step inside the runner’s 7.5 s and the post step inside its deadline', () => {
    // Settling a start, stopping the session and the final write come one after the other.
    const b = CANCEL_BUDGET
    expect(b.settleMs + b.terminateMs + b.finishMs).toBeLessThanOrEqual(b.deadlineMs)
    expect(b.deadlineMs).toBeLessThan(7500)
    const p = POST_BUDGET
    expect(p.settleMs + p.terminateMs + p.finishMs).toBeLessThanOrEqual(p.deadlineMs)
  })
})
