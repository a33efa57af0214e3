/**
 * The run's state: one object with an explicit phase, changed only through its methods, so the
 * waiting loop, the cancellation path and the post step agree on where the run is. The report
 * (what outputs, comment and summary show) is derived from it and is plain data, so the post
 * step can restore it from the saved state.
 */

/** deciding → packing → starting → waiting → ended; a run may end from any phase. */
export type Phase = 'deciding' | 'packing' | 'starting' | 'waiting' | 'ended'

export type Result =
  | 'created'
  | 'reused'
  | 'finished'
  | 'needs-input'
  | 'suspended'
  | 'error'
  | 'timeout'
  | 'skipped'
  | 'dry-run'

/** A Devin session as the report shows it. */
export interface SessionView {
  id: string
  url: string
  status: string
  detail: string
  title?: string
  acus?: number
  pullRequests: string[]
  structuredOutput?: unknown
}

export interface HandoffSummary {
  promptBytes: number
  files: number
  source: string
  truncated: boolean
  omitted: number
  redactions: number
}

export interface TimelineEntry {
  at: number
  text: string
}

export interface Report {
  phase: Phase
  /** Set when the session was started, and again when the run ended; absent while waiting. */
  result?: Result
  skipReason?: string
  session?: SessionView
  handoff?: HandoffSummary
  slug: string
  prNumber?: number
  headRef?: string
  startedAt: number
  updatedAt: number
  runUrl: string
  commentKey: string
  timeline: TimelineEntry[]
  /** A line that explains the end state (timeout, cancel, error). */
  note?: string
  cancelled?: boolean
  error?: string
  commentUrl?: string
  attachments: string[]
  /** Set by the waiting loop: when it started and ended, and how many times it polled. */
  wait?: { startedAt: number; endedAt?: number; polls: number }
}

export class PhaseError extends Error {
  override name = 'PhaseError'
}

const TIMELINE_KEPT = 30

export class RunState {
  readonly #r: Report
  readonly #clock: () => number
  /** The Devin organization of the session, once there is one (the post step may stop it). */
  orgId?: string
  /** The session was stopped on cancel (stop-on-cancel); nobody must try again. */
  terminated = false

  constructor(
    init: { slug: string; runUrl: string; commentKey: string } | { restore: Report },
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
      slug: init.slug,
      startedAt: now,
      updatedAt: now,
      runUrl: init.runUrl,
      commentKey: init.commentKey,
      timeline: [],
      attachments: []
    }
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

  /** `screened.headRef`: the branch as the handoff screened it, which the report shows. */
  packed(summary: HandoffSummary, screened?: { headRef: string }): void {
    this.#expect('packing')
    this.#r.handoff = summary
    if (screened) this.#r.headRef = screened.headRef
    this.#r.phase = 'starting'
  }

  /** `promptBytes`: what was really sent, when it differs from the packed prompt (a follow-up). */
  sessionStarted(
    session: SessionView,
    how: 'created' | 'reused',
    o: { orgId: string; promptBytes?: number }
  ): void {
    this.#expect('starting')
    this.#r.session = session
    this.#r.result = how
    this.orgId = o.orgId
    if (o.promptBytes !== undefined && this.#r.handoff)
      this.#r.handoff = { ...this.#r.handoff, promptBytes: o.promptBytes }
    this.event(
      how === 'created'
        ? `session created (${session.status})`
        : `handoff sent to the running session (${session.status})`
    )
  }

  waitingBegan(): void {
    this.#expect('starting')
    if (!this.#r.session) throw new PhaseError('waiting needs a session')
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

  attachmentsSaved(files: string[]): void {
    this.#r.attachments = files
  }

  skipped(reason: string): void {
    this.#r.skipReason = reason
    this.#end('skipped')
  }

  dryRun(): void {
    this.#expect('starting')
    this.#end('dry-run')
  }

  /** The run is over with `result`, and `note` says why where the result alone does not. */
  ended(result: Result, note?: string): void {
    if (note !== undefined) this.#r.note = note
    this.#end(result)
  }

  /** Ends the run as it stands once the session exists without waiting (created or reused). */
  endedAsStarted(): void {
    this.#expect('starting')
    this.#end(this.#r.result ?? 'error')
  }

  /**
   * A failure, in any phase. A session that exists keeps the result it has (created, reused, or
   * how the wait ended); one that failed mid-wait, or no session at all, is an error.
   */
  failed(message: string): void {
    this.#r.error = message
    const keep = this.#r.session ? this.#r.result : undefined
    this.#end(keep ?? 'error')
  }

  /**
   * The workflow was cancelled (`by: 'signal'` in the main step, `'post'` when the post step
   * finishes a run the main step could not); `note` says what became of the session. A run
   * cancelled while following its session has no result: it was neither finished nor failed.
   */
  cancelled(
    note: string,
    o: { stopped: boolean; session?: SessionView; by: 'signal' | 'post' }
  ): void {
    const wasWaiting = this.#r.phase === 'waiting'
    if (o.session) this.#r.session = o.session
    if (o.stopped) this.terminated = true
    this.#r.cancelled = wasWaiting
    this.#r.note = note
    if (o.by === 'post') this.event('finalized by the post step')
    else this.event(o.stopped ? 'workflow cancelled; session stopped' : 'workflow cancelled')
    if (this.#r.phase !== 'ended') this.#end(wasWaiting ? undefined : (this.#r.result ?? 'error'))
  }

  touch(): void {
    this.#r.updatedAt = this.#clock()
  }

  commentWritten(url: string): void {
    this.#r.commentUrl = url
  }

  #end(result: Result | undefined): void {
    if (this.#r.phase === 'waiting' && this.#r.wait) this.#r.wait.endedAt ??= this.#clock()
    this.#r.result = result
    this.#r.phase = 'ended'
  }

  #expect(...phases: Phase[]): void {
    if (!phases.includes(this.#r.phase))
      throw new PhaseError(`the run is ${this.#r.phase}, expected ${phases.join(' or ')}`)
  }
}
