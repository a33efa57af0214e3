/**
 * The run's state: one object with an explicit phase, changed only through its methods, so the
 * waiting loop, the cancellation path and the post step agree on where the run is. The report
 * (what outputs, comment and summary show) is derived from it and is plain data, so the post
 * step can restore it from the saved state.
 */

/** deciding → packing → starting → waiting → ended; a run may end from any phase. */
export const PHASES = ['deciding', 'packing', 'starting', 'waiting', 'ended'] as const
export type Phase = (typeof PHASES)[number]

/** Every value of the `result` output; the comment's hidden state is read back against it. */
export const RESULTS = [
  'created',
  'reused',
  'finished',
  'needs-input',
  'suspended',
  'error',
  'timeout',
  'skipped',
  'dry-run'
] as const
export type Result = (typeof RESULTS)[number]

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

/** What Devin Review answers with as its status; any other value is kept as text. */
export const REVIEW_STATUSES = ['pending', 'running', 'completed', 'errored'] as const
export type ReviewStatus = (typeof REVIEW_STATUSES)[number]

/**
 * A Devin Review (`mode: review`) as the report shows it. It has no findings: Devin's GitHub App
 * posts those on the pull request itself.
 */
export interface ReviewView {
  /** The pull request's URL as sent to Devin (built from the server URL). */
  prUrl: string
  /** The commit reviewed: Devin's `commit_sha` once it answered, until then the head asked for. */
  commitSha: string
  /**
   * Devin's status, or `requested` while the request is sent and its answer not back (a cancel
   * then cannot tell whether the review exists).
   */
  status: ReviewStatus | 'requested' | (string & {})
  /** When Devin accepted the review (its `created_at`), if known. */
  createdAt?: string
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

/**
 * A session start that has been sent and whose outcome the run does not know yet: what a cancel
 * needs to find its session anyway (the run tag of a create, or the live session a follow-up
 * message went to).
 */
export interface PendingStart {
  orgId: string
  runTag: string
  /** Set for a follow-up message: the live session it is being sent to. */
  session?: SessionView
}

/** How a start that a cancel cut short turned out, once known. */
export interface SettledStart {
  session: SessionView
  how: 'created' | 'reused'
  promptBytes?: number
  note?: string
}

export interface Report {
  phase: Phase
  /** `review` for a `mode: review` run; absent for a handoff (and in every report before it). */
  mode?: 'review'
  /** The Devin Review this run asked for, found already done, or follows. */
  review?: ReviewView
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
  /** A start sent but not settled; cleared once its session is known (or known not to exist). */
  pending?: PendingStart
  /** Comment triggers: who asked, and what (the comment's request, as the task took it). */
  requestedBy?: { login: string; text: string }
  /**
   * Devin's last message when the run ended or the report was last refreshed: its question when it
   * waits for the user, its closing message when it finished. Full text (at most 10,000 chars);
   * the renderers shorten it.
   */
  lastMessage?: string
  /** The check run showing the session, once written. */
  checkRunUrl?: string
  /** Its id: what a `mode: sync` run edits when only the comment can tell it (a review). */
  checkRunId?: number
  /** Set when a `mode: sync` run refreshed this report from Devin: the comment is live again. */
  syncedAt?: number
}

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

  /** The handoff is about to be sent; until it settles, a cancel has to find its session by this. */
  startSent(pending: PendingStart): void {
    this.#expect('starting')
    this.#r.pending = pending
    this.orgId = pending.orgId
  }

  /**
   * `promptBytes`: what was really sent, when it differs from the packed prompt (a follow-up).
   * `note`: what the run should say about the start (a follow-up whose delivery is unconfirmed).
   */
  sessionStarted(
    session: SessionView,
    how: 'created' | 'reused',
    o: { orgId: string; promptBytes?: number; note?: string }
  ): void {
    this.#expect('starting')
    this.#r.session = session
    this.#r.result = how
    this.#r.pending = undefined
    this.orgId = o.orgId
    if (o.promptBytes !== undefined && this.#r.handoff)
      this.#r.handoff = { ...this.#r.handoff, promptBytes: o.promptBytes }
    if (o.note !== undefined) this.#r.note = o.note
    const sent = o.note === undefined ? 'handoff sent' : 'handoff sent, delivery not confirmed,'
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
      const { promptBytes, note } = found
      this.sessionStarted(found.session, found.how, { orgId: pending.orgId, promptBytes, note })
      return
    }
    this.#r.pending = undefined
    if (!found) {
      this.event('no session was started')
      return
    }
    this.#r.session = found.session
    this.#r.result = found.how
    if (found.note !== undefined) this.#r.note = found.note
    this.event(`session found afterwards (${found.session.status})`)
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

  /** Devin's last message so far (its question, its closing words), kept whole up to the cap. */
  said(text: string): void {
    this.#r.lastMessage = cutChars(text)
  }

  checkWritten(url: string): void {
    this.#r.checkRunUrl = url
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
   * A failure, in any phase. A session that exists keeps the result it has (created, reused, or
   * how the wait ended); one that failed mid-wait, or no session at all, is an error.
   */
  failed(message: string): void {
    this.#stillOpen()
    this.#r.error = message
    const keep = this.#r.session ? this.#r.result : undefined
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
