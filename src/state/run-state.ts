/**
 * The run's state: one object with an explicit phase, changed only through its methods, so the
 * waiting loop, the cancellation path and the post step agree on where the run is. The report
 * it keeps (./report.ts: what outputs, comment and summary show) is plain data, so the post step
 * can restore it from the saved state.
 */
import type {
  HandedOff,
  PendingStart,
  Phase,
  Report,
  Result,
  ReviewView,
  SessionView,
  SettledStart,
  HandoffSummary
} from './report.js'

export * from './report.js'

export class PhaseError extends Error {
  override name = 'PhaseError'
}

const TIMELINE_KEPT = 30
/** The contract's bound on `last-message`. */
export const MAX_LAST_MESSAGE = 10_000

/** At most MAX_LAST_MESSAGE UTF-16 units, never ending in half a surrogate pair. */
function cutChars(text: string): string {
  if (text.length <= MAX_LAST_MESSAGE) return text
  const end = /[\uD800-\uDBFF]/.test(text[MAX_LAST_MESSAGE - 1] ?? '')
    ? MAX_LAST_MESSAGE - 1
    : MAX_LAST_MESSAGE
  return text.slice(0, end)
}

export class RunState {
  readonly #r: Report
  readonly #clock: () => number
  /** The Devin organization of the session, once there is one (the post step may stop it). */
  orgId?: string
  /** The session was stopped on cancel (stop-on-cancel); nobody must try again. */
  terminated = false

  constructor(
    init: { slug: string; runUrl: string; commentKey: string; mode?: string } | { restore: Report },
    clock: () => number = Date.now
  ) {
    this.#clock = clock
    if ('restore' in init) {
      this.#r = structuredClone(init.restore)
      return
    }
    const now = clock()
    this.#r = {
      phase: 'deciding',
      // Only a review reads differently; a handoff's report stays as it always was.
      mode: init.mode === 'review' ? 'review' : undefined,
      slug: init.slug,
      startedAt: now,
      updatedAt: now,
      runUrl: init.runUrl,
      commentKey: init.commentKey,
      timeline: [],
      attachments: []
    }
    if (this.#r.mode === undefined) delete this.#r.mode
  }

  get phase(): Phase {
    return this.#r.phase
  }

  /** Read-only: the renderers' view. */
  get report(): Readonly<Report> {
    return this.#r
  }

  get session(): SessionView | undefined {
    return this.#r.session
  }

  /** Plain data for the post step, with the timeline cut to what the comment shows. */
  snapshot(): Report {
    const copy = structuredClone(this.#r)
    return { ...copy, timeline: copy.timeline.slice(-TIMELINE_KEPT) }
  }

  targetFound(t: { prNumber?: number; headRef?: string }): void {
    this.#expect('deciding')
    this.#r.prNumber = t.prNumber
    this.#r.headRef = t.headRef
  }

  packingBegan(): void {
    this.#expect('deciding')
    this.#r.phase = 'packing'
  }

  /**
   * `screened`: the branch as the handoff screened it, which the report shows, and who asked
   * (a comment trigger), with their words as screened.
   */
  packed(
    summary: HandoffSummary,
    screened?: { target: { headRef: string }; requestedBy?: { login: string; text: string } }
  ): void {
    this.#expect('packing')
    this.#r.handoff = summary
    if (screened) this.#r.headRef = screened.target.headRef
    if (screened?.requestedBy) this.#r.requestedBy = screened.requestedBy
    this.#r.phase = 'starting'
  }

  /**
   * A review packs nothing: once decided, it goes straight to asking Devin. `requestedBy`: who
   * asked, for a comment trigger (a review takes no task, so there are no words of theirs).
   */
  reviewBegan(requestedBy?: string): void {
    this.#expect('deciding')
    if (requestedBy) this.#r.requestedBy = { login: requestedBy, text: '' }
    this.#r.phase = 'starting'
  }

  /**
   * The review request is about to be sent; until its answer is back a cancel cannot tell
   * whether the review exists (`status: 'requested'`).
   */
  reviewSent(prUrl: string, headSha: string): void {
    this.#expect('starting')
    this.#r.review = { prUrl, commitSha: headSha, status: 'requested' }
  }

  /** Devin accepted the review (or, after an unclear answer, it was found to have). */
  reviewStarted(review: ReviewView, o: { recovered: boolean }): void {
    this.#expect('starting')
    this.#r.review = review
    this.#r.result = 'created'
    const how = o.recovered ? 'found after an unclear answer' : 'requested'
    this.event(`review of ${review.commitSha.slice(0, 7)} ${how} (${review.status})`)
  }

  /** This head commit has a review already: nothing is sent (the run is skipped next). */
  alreadyReviewed(review: ReviewView): void {
    this.#expect('starting')
    this.#r.review = review
  }

  reviewPolled(review: ReviewView): void {
    this.#expect('waiting')
    this.#r.review = review
    if (this.#r.wait) this.#r.wait.polls++
  }

  /** The handoff is about to be sent; until it settles, a cancel has to find its session by this. */
  startSent(pending: PendingStart): void {
    this.#expect('starting')
    this.#r.pending = pending
    this.orgId = pending.orgId
  }

  /**
   * `promptBytes`: what was really sent, when it differs from the packed prompt (a follow-up).
   * `note`: what the run should say about the start (a follow-up whose delivery is unconfirmed).
   * `handedOff`: the session and head commit the next incremental handoff starts from.
   * `summary`: what was sent when it was not the packed whole (the incremental prompt); the
   * report shows it instead (`promptBytes` still wins: it counts the follow-up's wrapping).
   */
  sessionStarted(
    session: SessionView,
    how: 'created' | 'reused',
    o: Omit<SettledStart, 'session' | 'how'> & { orgId: string }
  ): void {
    this.#expect('starting')
    this.#r.session = session
    this.#r.result = how
    this.#r.pending = undefined
    this.orgId = o.orgId
    this.#sent(o)
    if (o.note !== undefined) this.#r.note = o.note
    const what = o.answered ? 'answer' : 'handoff'
    const sent = o.note === undefined ? `${what} sent` : `${what} sent, delivery not confirmed,`
    this.event(
      how === 'created'
        ? `session created (${session.status})`
        : `${sent} to the running session (${session.status})`
    )
  }

  /**
   * A start that a cancel cut short has settled, with the session it made or none. Before the run
   * ended (the signal handler waited for it) this is the start; after (the post step looked the
   * session up) the session joins the ended run.
   */
  startSettled(found: SettledStart | undefined): void {
    const pending = this.#r.pending
    if (!pending) throw new PhaseError('no session start is pending')
    if (found && this.#r.phase === 'starting') {
      const { session, how, ...sent } = found
      this.sessionStarted(session, how, { ...sent, orgId: pending.orgId })
      return
    }
    this.#r.pending = undefined
    if (!found) {
      this.event('no session was started')
      return
    }
    this.#r.session = found.session
    this.#r.result = found.how
    // The session has what was sent: the next run's increment starts from it all the same.
    this.#sent(found)
    if (found.note !== undefined) this.#r.note = found.note
    this.event(`session found afterwards (${found.session.status})`)
  }

  /** What a start sent: the summary of it, its real size, and where the next increment starts. */
  #sent(o: Omit<SettledStart, 'session' | 'how'>): void {
    if (o.answered) this.#r.answered = true
    if (o.summary) this.#r.handoff = { ...o.summary }
    if (o.promptBytes !== undefined && this.#r.handoff)
      this.#r.handoff = { ...this.#r.handoff, promptBytes: o.promptBytes }
    if (o.handedOff) this.#r.handedOff = { ...o.handedOff }
  }

  waitingBegan(): void {
    this.#expect('starting')
    if (!this.#r.session && !this.#r.review) throw new PhaseError('waiting needs a session')
    this.#r.phase = 'waiting'
    this.#r.result = undefined
    this.#r.wait = { startedAt: this.#clock(), polls: 0 }
  }

  polled(session: SessionView): void {
    this.#expect('waiting')
    this.#r.session = session
    if (this.#r.wait) this.#r.wait.polls++
  }

  /** A poll that failed still counts as a poll. */
  pollFailed(): void {
    this.#expect('waiting')
    if (this.#r.wait) this.#r.wait.polls++
  }

  event(text: string): void {
    this.#r.timeline.push({ at: this.#clock(), text })
  }

  /** Devin's last message so far (its question, its closing words), kept whole up to the cap. */
  said(text: string): void {
    this.#r.lastMessage = cutChars(text)
  }

  checkWritten(url: string, id?: number): void {
    this.#r.checkRunUrl = url
    if (id !== undefined) this.#r.checkRunId = id
  }

  attachmentsSaved(files: string[]): void {
    this.#r.attachments = files
  }

  skipped(reason: string): void {
    this.#stillOpen()
    this.#r.skipReason = reason
    this.#end('skipped')
  }

  dryRun(): void {
    this.#expect('starting')
    this.#end('dry-run')
  }

  /** The run is over with `result`, and `note` says why where the result alone does not. */
  ended(result: Result, note?: string): void {
    this.#stillOpen()
    if (note !== undefined) this.#r.note = note
    this.#end(result)
  }

  /** Ends the run as it stands once the session exists without waiting (created or reused). */
  endedAsStarted(): void {
    this.#expect('starting')
    this.#end(this.#r.result ?? 'error')
  }

  /**
   * A failure, in any phase. A session (or review) that exists keeps the result it has (created,
   * reused, or how the wait ended); one that failed mid-wait, or none at all, is an error.
   */
  failed(message: string): void {
    this.#stillOpen()
    this.#r.error = message
    const started =
      this.#r.session ?? (this.#r.review?.status === 'requested' ? undefined : this.#r.review)
    const keep = started ? this.#r.result : undefined
    this.#end(keep ?? 'error')
  }

  /**
   * The workflow was cancelled (`by: 'signal'` in the main step, `'post'` when the post step
   * finishes a run the main step could not); `note` says what became of the session. A run
   * cancelled while following its session has no result: it was neither finished nor failed; one
   * cancelled before that keeps the result of its start, if it had one. A run that had already
   * ended keeps its result and is not marked cancelled: the cancel changed nothing of it. From
   * here on nothing else may end the run (a pipeline cut short must not rewrite it).
   */
  cancelled(
    note: string,
    o: { stopped: boolean; session?: SessionView; by: 'signal' | 'post' }
  ): void {
    const open = this.#r.phase !== 'ended'
    if (o.session) this.#r.session = o.session
    if (o.stopped) this.terminated = true
    this.#r.note = note
    if (o.by === 'post') this.event('finalized by the post step')
    else this.event(o.stopped ? 'workflow cancelled; session stopped' : 'workflow cancelled')
    if (!open) return
    this.#end(this.#r.phase === 'waiting' ? undefined : this.#r.result)
    this.#r.cancelled = true
  }

  touch(): void {
    this.#r.updatedAt = this.#clock()
  }

  commentWritten(url: string): void {
    this.#r.commentUrl = url
  }

  /** An answer is shown on the comment (and check run) of the session that asked. */
  showsKey(key: string): void {
    this.#r.commentKey = key
  }

  /**
   * What the comment already remembered handing off: kept until this run hands off a change
   * (an answer, a CI failure or an unconfirmed message leaves it as it was).
   */
  handedOffBefore(last: HandedOff): void {
    this.#r.handedOff ??= { ...last }
  }

  #stillOpen(): void {
    if (this.#r.cancelled) throw new PhaseError('the run was cancelled')
  }

  #end(result: Result | undefined): void {
    this.#stillOpen()
    if (this.#r.phase === 'waiting' && this.#r.wait) this.#r.wait.endedAt ??= this.#clock()
    this.#r.result = result
    this.#r.phase = 'ended'
  }

  #expect(...phases: Phase[]): void {
    if (!phases.includes(this.#r.phase))
      throw new PhaseError(`the run is ${this.#r.phase}, expected ${phases.join(' or ')}`)
  }
}
