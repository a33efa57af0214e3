/**
 * The one cancellation core, used by the signal handler (./guard.ts, the main step) and by the
 * post step (src/post.ts, when the main step was killed before it could finish). It settles a
 * session start that was in flight, decides what becomes of the session (kept, or stopped with
 * `stop-on-cancel` if it is still working), records that in the run's state, and has the run
 * finished, each step under a bound.
 */
import type { DevinClient } from '../devin/client.js'
import { DevinApiError } from '../devin/errors.js'
import { classify, describeStatus } from '../devin/status.js'
import type { DevinSession } from '../devin/types.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import { unconfirmedNote } from '../session/notes.js'
import type { Started } from '../session/start.js'
import type { PendingStart, RunState, SessionView } from '../state/run-state.js'
import { toView } from '../state/view.js'

/** Budgets inside the runner's 7.5 s between SIGINT and SIGTERM, one after the other. */
export const CANCEL_BUDGET = {
  /** A session start in flight when the signal came: wait for its answer to name the session. */
  settleMs: 2000,
  /** Reading the session, then its DELETE if it still works (half each). */
  terminateMs: 2000,
  /** Final comment (after any edit in flight), summary, outputs and state. */
  finishMs: 2500,
  /** Hard stop: exit even if something above hangs. */
  deadlineMs: 6500
}

/** The post step has no runner deadline pressing: it may take longer per step. */
export const POST_BUDGET: typeof CANCEL_BUDGET = {
  /** Looking up the session of a start the main step could not settle. */
  settleMs: 15_000,
  terminateMs: 15_000,
  finishMs: 30_000,
  deadlineMs: 60_000
}

export class TimeoutError extends Error {
  override name = 'TimeoutError'
}

/** Settles with `p` or rejects after `ms`; the work itself is not aborted (the process exits soon). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms)
  })
  return Promise.race([p, limit]).finally(() => clearTimeout(timer))
}

/** What became of the Devin session when the run was cancelled. */
export type StopOutcome =
  | { kind: 'kept' }
  | { kind: 'stopped' }
  /** The run had ended on its own before the cancel. */
  | { kind: 'ended' }
  /** stop-on-cancel, but Devin had stopped working (waiting for the user, suspended, ended). */
  | { kind: 'spared'; status: string; detail: string }
  | { kind: 'failed'; reason: string }
  /** Nothing was sent to Devin. */
  | { kind: 'none' }
  /** A create was sent and its outcome is unknown: the session may exist under `tag`. */
  | { kind: 'unknown'; tag: string; by: 'signal' | 'post' }
  /** A Devin Review, which nothing stops: `asked` when its request's answer never came. */
  | { kind: 'review'; asked: boolean }

export function cancelNote(outcome: StopOutcome, prefix = 'The workflow was cancelled'): string {
  switch (outcome.kind) {
    case 'kept':
      return `${prefix}; the Devin session keeps running.`
    case 'stopped':
      return `${prefix}; the Devin session was stopped (stop-on-cancel).`
    case 'ended':
      return `${prefix} after the Devin session had stopped.`
    case 'spared':
      return `${prefix}; the Devin session was not stopped: ${describeStatus(outcome.status, outcome.detail)}.`
    case 'failed':
      return `${prefix}; stopping the Devin session failed (${outcome.reason}), so it may still be running.`
    case 'none':
      return `${prefix} before anything was handed off to Devin.`
    case 'review':
      return outcome.asked
        ? `${prefix} while Devin Review was being asked; a review may still appear on the pull request.`
        : `${prefix}; Devin Review goes on and posts its findings on the pull request.`
    case 'unknown':
      return outcome.by === 'signal'
        ? `${prefix} while the Devin session was being created; the post step looks for it by its tag ${outcome.tag}.`
        : `${prefix} while the Devin session was being created, and whether it was could not be found out: look for a Devin session tagged ${outcome.tag}.`
  }
}

/** Terminates the session; a session that is already gone counts as stopped. */
export async function stopSession(
  devin: Pick<DevinClient, 'terminateSession'>,
  orgId: string,
  sessionId: string,
  timeoutMs: number
): Promise<{ outcome: StopOutcome; session?: DevinSession }> {
  try {
    const session = await withTimeout(
      devin.terminateSession(orgId, sessionId),
      timeoutMs,
      'stopping the session'
    )
    return { outcome: { kind: 'stopped' }, session }
  } catch (err) {
    if (err instanceof DevinApiError && (err.status === 409 || err.status === 410)) {
      return { outcome: { kind: 'stopped' } }
    }
    return { outcome: { kind: 'failed', reason: errorText(err) } }
  }
}

/** What the cancellation core asks of Devin: read, stop, and find a session by its run tag. */
export type CancelClient = Pick<DevinClient, 'terminateSession'> &
  Partial<Pick<DevinClient, 'getSession' | 'findSessionsByTags'>>

/**
 * Stops the session only if Devin is still working on it. The last poll may be stale, so the
 * session is read first: one that has since stopped to ask something, or ended, is spared (its
 * question can still be answered). If it cannot be read, the last known state decides.
 */
export async function stopIfWorking(
  devin: CancelClient,
  orgId: string,
  last: SessionView,
  timeoutMs: number
): Promise<{ outcome: StopOutcome; session?: SessionView }> {
  const half = Math.round(timeoutMs / 2)
  const read = devin.getSession
    ? await withTimeout(devin.getSession(orgId, last.id), half, 'reading the session').catch(
        () => undefined
      )
    : undefined
  const now = read ? toView(read) : last
  if (classify(now.status, now.detail).stopped)
    return { outcome: { kind: 'spared', status: now.status, detail: now.detail }, session: now }
  const stopped = await stopSession(devin, orgId, last.id, half)
  return { outcome: stopped.outcome, session: stopped.session && toView(stopped.session) }
}

const CUT_SHORT = 'the run ended before its answer came'

/** The oldest of the sessions a run tag found: the one a resend would have duplicated. */
function oldest(sessions: DevinSession[]): DevinSession | undefined {
  return [...sessions].sort((a, b) => (a.created_at ?? Infinity) - (b.created_at ?? Infinity))[0]
}

/**
 * The post step's way to settle a start the main step could not: the live session a follow-up
 * went to is read again; a create is looked up by its run tag (none found: none was made).
 */
export function lookUpStart(
  devin: CancelClient,
  pending: PendingStart
): () => Promise<Started | undefined> {
  return async () => {
    const { orgId, session, runTag } = pending
    if (session) {
      if (!devin.getSession) throw new Error('cannot read the session')
      const s = await devin.getSession(orgId, session.id)
      return {
        session: s,
        how: 'reused',
        note: unconfirmedNote(CUT_SHORT),
        answered: pending.answer
      }
    }
    if (!devin.findSessionsByTags) throw new Error('cannot look sessions up')
    const found = oldest(await devin.findSessionsByTags(orgId, [runTag]))
    return found && { session: found, how: 'created' }
  }
}

export interface CancelDeps {
  state: RunState
  stopOnCancel: boolean
  /** Absent when the session cannot be stopped from here (no key). */
  devin?: CancelClient
  /**
   * The session start that was in flight, settled: the session it made, or undefined when it
   * made none. Throws (or takes too long) when that cannot be told.
   */
  start?: () => Promise<Started | undefined>
  /** Writes everything out (comment, summary, outputs, final state). */
  finish: () => Promise<void>
  /** Saves the state before the final write, so the post step can finish from it. */
  save?: () => void
  scrub: (text: string) => string
  log: Pick<Log, 'info' | 'warning'>
  by: 'signal' | 'post'
  /** The note's opening words. */
  prefix?: string
  budget?: typeof CANCEL_BUDGET
}

/** Names the session of a start that was in flight, if it can be told in time. */
async function settleStart(d: CancelDeps, ms: number): Promise<void> {
  const { state } = d
  const pending = state.report.pending
  if (!pending || !d.start) return
  let found: Started | undefined
  try {
    found = await withTimeout(d.start(), ms, 'the session start in flight')
  } catch (err) {
    d.log.warning(`Could not tell how the Devin session start ended: ${d.scrub(errorText(err))}`)
    // A follow-up went to a known live session: that one is the run's, delivered or not.
    const live = pending.session
    const note = unconfirmedNote(CUT_SHORT)
    if (live) state.startSettled({ session: live, how: 'reused', note, answered: pending.answer })
    return
  }
  // Everything the start knew (what it sent, what the comment should remember) settles with it.
  state.startSettled(found && { ...found, session: toView(found.session) })
}

/** What the cancel does with the session, if there is one whose fate is still open. */
async function decideFate(
  d: CancelDeps,
  budgetMs: number
): Promise<{ outcome: StopOutcome; session?: SessionView }> {
  const { state, log } = d
  const session = state.session
  const pending = state.report.pending
  const review = state.report.review
  // A review cannot be stopped; the note says what becomes of it.
  if (!session && review)
    return { outcome: { kind: 'review', asked: review.status === 'requested' } }
  if (!session)
    return {
      outcome: pending ? { kind: 'unknown', tag: pending.runTag, by: d.by } : { kind: 'none' }
    }
  // A run that ended on its own (not by a cancel) left its session as Devin has it.
  if (state.phase === 'ended' && !state.report.cancelled) return { outcome: { kind: 'ended' } }
  if (state.terminated) return { outcome: { kind: 'stopped' } }
  // An answer woke a session that waited for the user: stopping it would end the conversation.
  const answered = state.report.answered === true
  if (!d.stopOnCancel || !d.devin || !state.orgId || answered) return { outcome: { kind: 'kept' } }
  const fate = await stopIfWorking(d.devin, state.orgId, session, budgetMs)
  if (fate.outcome.kind === 'stopped')
    log.info(`Stopped the Devin session ${session.id} (stop-on-cancel).`)
  if (fate.outcome.kind === 'failed') {
    fate.outcome = { kind: 'failed', reason: d.scrub(fate.outcome.reason) }
    log.warning(`Could not stop the Devin session ${session.id}: ${fate.outcome.reason}`)
  }
  return fate
}

/** Marks the run cancelled, stops the session if asked, and writes everything out. Returns the note. */
export async function finalizeCancelled(d: CancelDeps): Promise<string> {
  const { state, log } = d
  const budget = d.budget ?? CANCEL_BUDGET
  await settleStart(d, budget.settleMs)
  const { outcome, session } = await decideFate(d, budget.terminateMs)
  const note = cancelNote(outcome, d.prefix)
  state.cancelled(note, { stopped: outcome.kind === 'stopped', session, by: d.by })
  // If the final write below runs out of time, the post step finishes from this state.
  d.save?.()
  try {
    await withTimeout(d.finish(), budget.finishMs, 'writing the final comment and summary')
  } catch (err) {
    log.warning(`${errorText(err)}; the post step will finalize the comment.`)
  }
  return note
}
