/**
 * The report: what the outputs, comment, check run and summary show, as plain data (the post step
 * restores it, a `mode: sync` run reads it back from a comment). Only RunState
 * (./run-state.ts) changes it, through its methods.
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
  /** The 40-hex commit the sent change starts from (incremental only). */
  since?: string
}

/** The last change handed off under a comment's key: to which session, up to which head commit. */
export interface HandedOff {
  sessionId: string
  headSha: string
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
  /** The message answers the session's question: a cancel leaves that conversation alone. */
  answer?: boolean
}

/** How a start that a cancel cut short turned out, once known. */
export interface SettledStart {
  session: SessionView
  how: 'created' | 'reused'
  promptBytes?: number
  note?: string
  /** As `sessionStarted` takes them: what was handed off, and what was sent when not the whole. */
  handedOff?: HandedOff
  summary?: HandoffSummary
  /** The message answered the session's question. */
  answered?: boolean
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
  /**
   * What this comment's key last handed off (kept in the comment's marker): the next run's
   * incremental handoff starts from its head.
   */
  handedOff?: HandedOff
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
  /** This run's message answered the session's question (`requestedBy` answered it). */
  answered?: boolean
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
