import { describe, expect, it } from 'vitest'
import {
  PhaseError,
  RunState,
  type HandoffSummary,
  type Phase,
  type Report,
  type SessionView
} from '../../../src/state/run-state.ts'

/** A clock that moves only when told to. */
function manualClock(start = 1_700_000_000_000): { now: () => number; tick: (ms: number) => void } {
  let t = start
  return { now: () => t, tick: (ms) => (t += ms) }
}

const T0 = 1_700_000_000_000

const summary: HandoffSummary = {
  promptBytes: 1234,
  files: 3,
  source: 'git',
  truncated: false,
  omitted: 0,
  redactions: 1
}

function view(over: Partial<SessionView> = {}): SessionView {
  return {
    id: 'devin-abc',
    url: 'https://app.devin.ai/sessions/devin-abc',
    status: 'new',
    detail: '',
    pullRequests: [],
    ...over
  }
}

function fresh(clock = manualClock()): RunState {
  return new RunState(
    { slug: 'octo/repo', runUrl: 'https://github.com/octo/repo/actions/runs/9', commentKey: 'k' },
    clock.now
  )
}

/**
 * A run brought to `phase` through the public methods. `starting` has a created session (so that
 * waitingBegan can go on); `ended` ended as it started.
 */
function inPhase(phase: Phase, clock = manualClock()): RunState {
  const s = fresh(clock)
  if (phase === 'deciding') return s
  s.packingBegan()
  if (phase === 'packing') return s
  s.packed(summary)
  s.sessionStarted(view(), 'created', { orgId: 'org-1' })
  if (phase === 'starting') return s
  if (phase === 'ended') {
    s.endedAsStarted()
    return s
  }
  s.waitingBegan()
  return s
}

const PHASES: Phase[] = ['deciding', 'packing', 'starting', 'waiting', 'ended']

/** The methods bound to a phase, with the one phase each is allowed in. */
const GUARDED: Array<[string, Phase, (s: RunState) => void]> = [
  ['targetFound', 'deciding', (s) => s.targetFound({ prNumber: 1 })],
  ['packingBegan', 'deciding', (s) => s.packingBegan()],
  ['packed', 'packing', (s) => s.packed(summary)],
  ['sessionStarted', 'starting', (s) => s.sessionStarted(view(), 'reused', { orgId: 'o' })],
  ['waitingBegan', 'starting', (s) => s.waitingBegan()],
  ['polled', 'waiting', (s) => s.polled(view({ status: 'running' }))],
  ['pollFailed', 'waiting', (s) => s.pollFailed()],
  ['dryRun', 'starting', (s) => s.dryRun()],
  ['endedAsStarted', 'starting', (s) => s.endedAsStarted()]
]

describe('RunState phases', () => {
  it('starts deciding, with the clock time as start and update', () => {
    const clock = manualClock(T0 + 5)
    const s = fresh(clock)
    expect(s.phase).toBe('deciding')
    expect(s.report).toEqual({
      phase: 'deciding',
      slug: 'octo/repo',
      startedAt: T0 + 5,
      updatedAt: T0 + 5,
      runUrl: 'https://github.com/octo/repo/actions/runs/9',
      commentKey: 'k',
      timeline: [],
      attachments: []
    })
    expect(s.orgId).toBeUndefined()
    expect(s.terminated).toBe(false)
  })

  for (const [name, allowed, call] of GUARDED) {
    for (const phase of PHASES) {
      if (phase === allowed) {
        it(`${name} is allowed while ${phase}`, () => {
          const s = inPhase(phase)
          expect(() => call(s)).not.toThrow()
        })
      } else {
        it(`${name} is refused while ${phase}, and changes nothing`, () => {
          const s = inPhase(phase)
          const before = structuredClone(s.report)
          let thrown: unknown
          try {
            call(s)
          } catch (err) {
            thrown = err
          }
          expect(thrown).toBeInstanceOf(PhaseError)
          expect((thrown as Error).name).toBe('PhaseError')
          expect((thrown as Error).message).toBe(`the run is ${phase}, expected ${allowed}`)
          expect(s.report).toEqual(before)
        })
      }
    }
  }

  it('refuses to wait without a session', () => {
    const s = fresh()
    s.packingBegan()
    s.packed(summary)
    expect(() => s.waitingBegan()).toThrow(new PhaseError('waiting needs a session'))
    expect(s.phase).toBe('starting')
    expect(s.report.wait).toBeUndefined()
  })

  it.each(PHASES)('may end from %s (ended, skipped, failed, cancelled)', (phase) => {
    for (const end of [
      (s: RunState) => s.ended('timeout'),
      (s: RunState) => s.skipped('why'),
      (s: RunState) => s.failed('boom'),
      (s: RunState) => s.cancelled('note', { stopped: false, by: 'signal' })
    ]) {
      const s = inPhase(phase)
      end(s)
      expect(s.phase).toBe('ended')
    }
  })

  it('goes deciding → packing → starting → waiting → ended along the happy path', () => {
    const seen: Phase[] = []
    const s = fresh()
    seen.push(s.phase)
    s.packingBegan()
    seen.push(s.phase)
    s.packed(summary)
    seen.push(s.phase)
    s.sessionStarted(view(), 'created', { orgId: 'org-1' })
    seen.push(s.phase)
    s.waitingBegan()
    seen.push(s.phase)
    s.ended('finished')
    seen.push(s.phase)
    expect(seen).toEqual(['deciding', 'packing', 'starting', 'starting', 'waiting', 'ended'])
  })
})

describe('RunState and the report', () => {
  it('targetFound records the PR and branch', () => {
    const s = fresh()
    s.targetFound({ prNumber: 12, headRef: 'feature/x' })
    expect(s.report.prNumber).toBe(12)
    expect(s.report.headRef).toBe('feature/x')
    expect(s.phase).toBe('deciding')
  })

  it('packed records the handoff summary', () => {
    const s = fresh()
    s.packingBegan()
    expect(s.report.handoff).toBeUndefined()
    s.packed(summary)
    expect(s.report.handoff).toEqual(summary)
  })

  it('packed shows the branch as the handoff screened it', () => {
    const s = fresh()
    s.targetFound({ prNumber: 12, headRef: 'fix/raw' })
    s.packingBegan()
    s.packed(summary, {
      target: { headRef: 'fix/[REDACTED: GitHub token]' },
      requestedBy: { login: 'alice', text: 'add tests' }
    })
    expect(s.report.headRef).toBe('fix/[REDACTED: GitHub token]')
    expect(s.report.requestedBy).toEqual({ login: 'alice', text: 'add tests' })
  })

  it("said keeps Devin's last words whole up to 10,000 units, never half an emoji", () => {
    const s = fresh()
    s.said('short')
    expect(s.report.lastMessage).toBe('short')
    s.said(`${'a'.repeat(9_999)}😀tail`)
    expect(s.report.lastMessage).toBe('a'.repeat(9_999))
    s.said('b'.repeat(20_000))
    expect(s.report.lastMessage).toHaveLength(10_000)
  })

  it('sessionStarted records the session, how, the organization and a timeline entry', () => {
    const clock = manualClock()
    const s = inPhase('packing', clock)
    s.packed(summary)
    clock.tick(2500)
    s.sessionStarted(view({ status: 'claimed' }), 'created', { orgId: 'org-7' })
    expect(s.session?.id).toBe('devin-abc')
    expect(s.report.session).toBe(s.session)
    expect(s.report.result).toBe('created')
    expect(s.orgId).toBe('org-7')
    expect(s.report.timeline).toEqual([{ at: T0 + 2500, text: 'session created (claimed)' }])
    // No promptBytes: the packed prompt was what was sent.
    expect(s.report.handoff?.promptBytes).toBe(1234)
  })

  it('a reused session says so and records the bytes of the follow-up really sent', () => {
    const s = inPhase('packing')
    s.packed(summary)
    s.sessionStarted(view({ status: 'running' }), 'reused', { orgId: 'o', promptBytes: 1400 })
    expect(s.report.result).toBe('reused')
    expect(s.report.timeline.map((e) => e.text)).toEqual([
      'handoff sent to the running session (running)'
    ])
    expect(s.report.handoff).toEqual({ ...summary, promptBytes: 1400 })
  })

  it('waitingBegan clears the result and starts the wait at the clock time', () => {
    const clock = manualClock()
    const s = inPhase('starting', clock)
    expect(s.report.result).toBe('created')
    clock.tick(1000)
    s.waitingBegan()
    expect(s.phase).toBe('waiting')
    expect(s.report.result).toBeUndefined()
    expect(s.report.wait).toEqual({ startedAt: T0 + 1000, polls: 0 })
  })

  it('counts polls, failed ones too; only a good poll replaces the session', () => {
    const s = inPhase('waiting')
    s.polled(view({ status: 'running', detail: 'working', acus: 2 }))
    s.pollFailed()
    s.pollFailed()
    expect(s.report.wait?.polls).toBe(3)
    expect(s.session).toMatchObject({ status: 'running', detail: 'working', acus: 2 })
  })

  it('ending a wait records when it ended, the result and the note', () => {
    const clock = manualClock()
    const s = inPhase('waiting', clock)
    clock.tick(60_000)
    s.ended('timeout', 'Stopped waiting after 1 minute.')
    expect(s.report.result).toBe('timeout')
    expect(s.report.note).toBe('Stopped waiting after 1 minute.')
    expect(s.report.wait).toEqual({ startedAt: T0, endedAt: T0 + 60_000, polls: 0 })
    // A later end changes the result but not when the wait ended.
    clock.tick(5000)
    s.ended('finished')
    expect(s.report.wait?.endedAt).toBe(T0 + 60_000)
    expect(s.report.note).toBe('Stopped waiting after 1 minute.')
  })

  it('ending outside a wait leaves no wait record', () => {
    const s = inPhase('starting')
    s.ended('finished')
    expect(s.report.wait).toBeUndefined()
  })

  it('endedAsStarted keeps created or reused', () => {
    const created = inPhase('starting')
    created.endedAsStarted()
    expect(created.report.result).toBe('created')
    const reused = inPhase('packing')
    reused.packed(summary)
    reused.sessionStarted(view(), 'reused', { orgId: 'o' })
    reused.endedAsStarted()
    expect(reused.report.result).toBe('reused')
  })

  it('endedAsStarted without a session is an error', () => {
    const s = inPhase('packing')
    s.packed(summary)
    s.endedAsStarted()
    expect(s.report.result).toBe('error')
  })

  it('skipped and dryRun end with their result', () => {
    const skipped = fresh()
    skipped.skipped('fork: no')
    expect(skipped.report).toMatchObject({ result: 'skipped', skipReason: 'fork: no' })
    const dry = inPhase('packing')
    dry.packed(summary)
    dry.dryRun()
    expect(dry.report.result).toBe('dry-run')
    expect(dry.phase).toBe('ended')
  })

  it('events, attachments, touch and the comment URL', () => {
    const clock = manualClock()
    const s = fresh(clock)
    clock.tick(10)
    s.event('one')
    clock.tick(10)
    s.event('two')
    s.attachmentsSaved(['out/a.md'])
    clock.tick(30)
    s.touch()
    s.commentWritten('https://github.com/octo/repo/pull/1#issuecomment-5')
    expect(s.report.timeline).toEqual([
      { at: T0 + 10, text: 'one' },
      { at: T0 + 20, text: 'two' }
    ])
    expect(s.report.attachments).toEqual(['out/a.md'])
    expect(s.report.updatedAt).toBe(T0 + 50)
    expect(s.report.startedAt).toBe(T0)
    expect(s.report.commentUrl).toBe('https://github.com/octo/repo/pull/1#issuecomment-5')
  })
})

describe('RunState.failed', () => {
  it('without a session is an error, with the message', () => {
    const s = inPhase('packing')
    s.failed('git exploded')
    expect(s.report.result).toBe('error')
    expect(s.report.error).toBe('git exploded')
  })

  it('keeps the result of a session that was started', () => {
    const s = inPhase('starting')
    s.failed('comment write failed')
    expect(s.report.result).toBe('created')
    expect(s.report.error).toBe('comment write failed')
  })

  it('mid-wait is an error, and the wait ends', () => {
    const clock = manualClock()
    const s = inPhase('waiting', clock)
    clock.tick(7000)
    s.failed('404 Not Found')
    expect(s.report.result).toBe('error')
    expect(s.report.wait?.endedAt).toBe(T0 + 7000)
  })

  it('after the wait ended keeps how it ended', () => {
    const s = inPhase('waiting')
    s.ended('timeout', 'waited long enough')
    s.failed('attachments could not be saved')
    expect(s.report.result).toBe('timeout')
    expect(s.report.error).toBe('attachments could not be saved')
    expect(s.report.note).toBe('waited long enough')
  })
})

describe('RunState.cancelled', () => {
  it('while waiting: no result, cancelled, the wait ends', () => {
    const clock = manualClock()
    const s = inPhase('waiting', clock)
    clock.tick(95_000)
    s.cancelled('The workflow was cancelled; the Devin session keeps running.', {
      stopped: false,
      by: 'signal'
    })
    expect(s.phase).toBe('ended')
    expect(s.report.result).toBeUndefined()
    expect(s.report.cancelled).toBe(true)
    expect(s.terminated).toBe(false)
    expect(s.report.note).toBe('The workflow was cancelled; the Devin session keeps running.')
    expect(s.report.wait?.endedAt).toBe(T0 + 95_000)
    expect(s.report.timeline.at(-1)).toEqual({ at: T0 + 95_000, text: 'workflow cancelled' })
  })

  it('while waiting with the session stopped: terminated, and the stopped session shown', () => {
    const s = inPhase('waiting')
    s.cancelled('stopped', { stopped: true, session: view({ status: 'exit' }), by: 'signal' })
    expect(s.terminated).toBe(true)
    expect(s.session?.status).toBe('exit')
    expect(s.report.timeline.at(-1)?.text).toBe('workflow cancelled; session stopped')
    expect(s.report.cancelled).toBe(true)
  })

  it('by the post step says so in the timeline', () => {
    const s = inPhase('waiting')
    s.cancelled('n', { stopped: true, by: 'post' })
    expect(s.report.timeline.at(-1)?.text).toBe('finalized by the post step')
    // No session given: the last one polled stays.
    expect(s.session?.status).toBe('new')
  })

  it('after the end: the result stays, the run is not marked cancelled', () => {
    const clock = manualClock()
    const s = inPhase('waiting', clock)
    clock.tick(1000)
    s.ended('finished')
    clock.tick(1000)
    s.cancelled('The workflow was cancelled after the Devin session had stopped.', {
      stopped: false,
      by: 'signal'
    })
    expect(s.report.result).toBe('finished')
    expect(s.report.cancelled).toBeFalsy()
    expect(s.report.note).toBe('The workflow was cancelled after the Devin session had stopped.')
    expect(s.report.wait?.endedAt).toBe(T0 + 1000)
    expect(s.report.timeline.at(-1)).toEqual({ at: T0 + 2000, text: 'workflow cancelled' })
  })

  it('before waiting: cancelled, and a started session keeps its result; none has no result', () => {
    const started = inPhase('starting')
    started.cancelled('n', { stopped: false, by: 'signal' })
    expect(started.report.result).toBe('created')
    expect(started.report.cancelled).toBe(true)
    const packing = inPhase('packing')
    packing.cancelled('n', { stopped: false, by: 'signal' })
    expect(packing.report.result).toBeUndefined()
    expect(packing.report.cancelled).toBe(true)
    expect(packing.phase).toBe('ended')
  })

  it('nothing else may end a cancelled run: a pipeline cut short cannot rewrite it', () => {
    for (const end of [
      (s: RunState) => s.skipped('why'),
      (s: RunState) => s.failed('the run is ended, expected packing'),
      (s: RunState) => s.ended('finished')
    ]) {
      const s = inPhase('packing')
      s.cancelled('The workflow was cancelled; nothing was handed off.', {
        stopped: false,
        by: 'signal'
      })
      const before = structuredClone(s.report)
      expect(() => end(s)).toThrow(new PhaseError('the run was cancelled'))
      expect(s.report).toEqual(before)
    }
  })

  it('a run that ended on its own may still be told of a cancel, and stays ended', () => {
    const s = inPhase('ended')
    s.cancelled('n', { stopped: false, by: 'signal' })
    s.skipped('again')
    expect(s.report.result).toBe('skipped')
  })
})

describe('a start cut short', () => {
  const pending = { orgId: 'org-9', runTag: 'gh-run:octo/repo:9.1:k' }

  function sent(clock = manualClock()): RunState {
    const s = fresh(clock)
    s.packingBegan()
    s.packed(summary)
    s.startSent(pending)
    return s
  }

  it('is pending from the send until the session is known, with the organization set', () => {
    const s = sent()
    expect(s.report.pending).toEqual(pending)
    expect(s.orgId).toBe('org-9')
    s.sessionStarted(view(), 'created', { orgId: 'org-9' })
    expect(s.report.pending).toBeUndefined()
  })

  it('may be sent only while starting', () => {
    const s = fresh()
    expect(() => s.startSent(pending)).toThrow(PhaseError)
    expect(s.report.pending).toBeUndefined()
  })

  it('settled before the run ended: it is the start, note included', () => {
    const s = sent()
    s.startSettled({
      session: view({ status: 'running' }),
      how: 'reused',
      promptBytes: 99,
      note: 'delivery could not be confirmed'
    })
    expect(s.phase).toBe('starting')
    expect(s.report.result).toBe('reused')
    expect(s.report.pending).toBeUndefined()
    expect(s.report.handoff?.promptBytes).toBe(99)
    expect(s.report.note).toBe('delivery could not be confirmed')
    expect(s.report.timeline.at(-1)?.text).toBe(
      'handoff sent, delivery not confirmed, to the running session (running)'
    )
  })

  it('settled after a cancel ended the run: the session joins it, the run stays cancelled', () => {
    const clock = manualClock()
    const s = sent(clock)
    s.cancelled('cancelled while creating', { stopped: false, by: 'signal' })
    expect(s.report.pending).toEqual(pending)
    const restored = new RunState({ restore: JSON.parse(JSON.stringify(s.snapshot())) }, clock.now)
    restored.startSettled({ session: view({ status: 'running' }), how: 'created' })
    expect(restored.phase).toBe('ended')
    expect(restored.report.cancelled).toBe(true)
    expect(restored.report.result).toBe('created')
    expect(restored.session?.id).toBe('devin-abc')
    expect(restored.report.pending).toBeUndefined()
    expect(restored.report.timeline.at(-1)?.text).toBe('session found afterwards (running)')
  })

  it('settled without a session: nothing pending, nothing named', () => {
    const s = sent()
    s.startSettled(undefined)
    expect(s.report.pending).toBeUndefined()
    expect(s.session).toBeUndefined()
    expect(s.report.timeline.at(-1)?.text).toBe('no session was started')
  })

  it('cannot settle what was never sent', () => {
    const s = inPhase('starting')
    expect(() => s.startSettled(undefined)).toThrow(new PhaseError('no session start is pending'))
  })
})

describe('snapshot and restore', () => {
  function busy(clock = manualClock()): RunState {
    const s = inPhase('waiting', clock)
    for (let i = 0; i < 44; i++) {
      clock.tick(1000)
      s.event(`e${i}`)
    }
    s.polled(view({ status: 'running', detail: 'working' }))
    s.pollFailed()
    s.attachmentsSaved(['out/x'])
    s.commentWritten('https://example.test/c/1')
    return s
  }

  it('cuts the timeline to the last 30 entries and keeps the rest', () => {
    const s = busy()
    expect(s.report.timeline).toHaveLength(45)
    const snap = s.snapshot()
    expect(snap.timeline).toHaveLength(30)
    expect(snap.timeline[0]?.text).toBe('e14')
    expect(snap.timeline.at(-1)?.text).toBe('e43')
    expect(s.report.timeline).toHaveLength(45)
    const { timeline: _a, ...rest } = snap
    const { timeline: _b, ...live } = s.report
    expect(rest).toEqual(live)
  })

  it('round-trips through JSON into a state that goes on from the same phase', () => {
    const clock = manualClock()
    const s = busy(clock)
    const snap = JSON.parse(JSON.stringify(s.snapshot())) as Report
    const restored = new RunState({ restore: snap }, clock.now)
    expect(restored.phase).toBe('waiting')
    expect(restored.report).toEqual(snap)
    // Not in the report: the post step sets them from the saved state.
    expect(restored.orgId).toBeUndefined()
    expect(restored.terminated).toBe(false)
    restored.pollFailed()
    expect(restored.report.wait?.polls).toBe(3)
    clock.tick(500)
    restored.cancelled('n', { stopped: false, by: 'post' })
    expect(restored.report.cancelled).toBe(true)
    expect(restored.report.timeline).toHaveLength(31)
    // The snapshot's own timeline is not the restored state's.
    expect(snap.timeline).toHaveLength(30)
  })

  it('restores an ended run as ended: no phase-bound method applies', () => {
    const s = inPhase('ended')
    const restored = new RunState({ restore: JSON.parse(JSON.stringify(s.snapshot())) })
    expect(restored.phase).toBe('ended')
    expect(restored.report.result).toBe('created')
    expect(() => restored.pollFailed()).toThrow(PhaseError)
  })
})

describe('known issue', () => {
  // snapshot() copies the report shallowly: `wait` is the live object, so a snapshot taken for
  // the post step goes on counting polls (and gains `endedAt`) after it was taken. Harmless while
  // every snapshot is serialized at once (Reporter.saveState), but it is not the "plain data" the
  // doc comment promises. Restoring shares `wait` with the given report the same way.
  it('a snapshot does not change when the run goes on', () => {
    const s = inPhase('waiting')
    const snap = s.snapshot()
    s.pollFailed()
    s.ended('finished')
    expect(snap.wait).toEqual({ startedAt: T0, polls: 0 })
  })
})

describe('a follow-up whose delivery is unconfirmed', () => {
  it('is the run’s start all the same, with the note shown and the timeline saying so', () => {
    const s = fresh()
    s.packingBegan()
    s.packed(summary)
    s.sessionStarted(view({ status: 'running' }), 'reused', {
      orgId: 'org-1',
      note: 'delivery could not be confirmed'
    })
    expect(s.report.result).toBe('reused')
    expect(s.report.note).toBe('delivery could not be confirmed')
    expect(s.report.timeline.at(-1)?.text).toBe(
      'handoff sent, delivery not confirmed, to the running session (running)'
    )
    // A later end without a note of its own keeps it.
    s.waitingBegan()
    s.ended('finished')
    expect(s.report.note).toBe('delivery could not be confirmed')
  })
})

describe('what a start handed off', () => {
  const head = 'a'.repeat(40)
  const from = 'b'.repeat(40)
  const increment: HandoffSummary = { ...summary, files: 1, promptBytes: 300, since: from }

  it('records the session and head an increment starts from next time; no summary keeps the packed one', () => {
    const s = inPhase('packing')
    s.packed(summary)
    s.sessionStarted(view(), 'created', {
      orgId: 'o',
      handedOff: { sessionId: 'devin-abc', headSha: head }
    })
    expect(s.report.handedOff).toEqual({ sessionId: 'devin-abc', headSha: head })
    expect(s.report.handoff).toEqual(summary)
  })

  it('shows the increment sent instead of the packed whole, with the bytes really sent', () => {
    const s = inPhase('packing')
    s.packed(summary)
    s.sessionStarted(view({ status: 'running' }), 'reused', {
      orgId: 'o',
      promptBytes: 420,
      summary: increment,
      handedOff: { sessionId: 'devin-abc', headSha: head }
    })
    expect(s.report.handoff).toEqual({ ...increment, promptBytes: 420 })
    expect(s.report.handedOff?.headSha).toBe(head)
    // A copy: the caller's object is not the report's.
    expect(s.report.handoff).not.toBe(increment)
  })

  it('a run that hands nothing off keeps no handedOff', () => {
    const s = inPhase('starting')
    expect(s.report).not.toHaveProperty('handedOff')
  })

  const pending = { orgId: 'org-9', runTag: 'gh-run:octo/repo:9.1:k' }
  it('a start a cancel cut short carries them when it settles, before or after the end', () => {
    const before = inPhase('packing')
    before.packed(summary)
    before.startSent(pending)
    const found = {
      session: view({ status: 'running' }),
      how: 'reused' as const,
      summary: increment,
      handedOff: { sessionId: 'devin-abc', headSha: head }
    }
    before.startSettled(found)
    expect(before.report.handoff).toEqual(increment)
    expect(before.report.handedOff).toEqual(found.handedOff)

    const after = inPhase('packing')
    after.packed(summary)
    after.startSent(pending)
    after.cancelled('cancelled while sending', { stopped: false, by: 'signal' })
    after.startSettled(found)
    expect(after.phase).toBe('ended')
    expect(after.report.handoff).toEqual(increment)
    expect(after.report.handedOff).toEqual(found.handedOff)
  })
})
