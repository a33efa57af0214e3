/**
 * The one cancellation core, used by the signal handler (./signals.ts, the main step) and by the
 * post step (src/post.ts, when the main step was killed before it could finish). It decides what
 * becomes of the session (kept, or stopped with `stop-on-cancel`), records that in the run's
 * state, and has the run finished, each step under a bound.
 */
import type { DevinClient } from '../devin/client.js'
import { DevinApiError } from '../devin/errors.js'
import type { DevinSession } from '../devin/types.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { RunState, SessionView } from '../state/run-state.js'
import { toView } from '../state/view.js'

/** Budgets inside the runner's 7.5 s between SIGINT and SIGTERM. */
export const CANCEL_BUDGET = {
  /** An edit already in flight when the signal came. */
  settleMs: 1500,
  /** DELETE of the session (runs alongside `settleMs`). */
  terminateMs: 3000,
  /** Final comment, summary, outputs and state. */
  finishMs: 2500,
  /** Hard stop: exit even if something above hangs. */
  deadlineMs: 6500
}

/** The post step has no runner deadline pressing: it may take longer per step. */
export const POST_BUDGET: typeof CANCEL_BUDGET = {
  settleMs: 0,
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
  { kind: 'kept' } | { kind: 'stopped' } | { kind: 'ended' } | { kind: 'failed'; reason: string }

export function cancelNote(outcome: StopOutcome, prefix = 'The workflow was cancelled'): string {
  switch (outcome.kind) {
    case 'kept':
      return `${prefix}; the Devin session keeps running.`
    case 'stopped':
      return `${prefix}; the Devin session was stopped (stop-on-cancel).`
    case 'ended':
      return `${prefix} after the Devin session had stopped.`
    case 'failed':
      return `${prefix}; stopping the Devin session failed (${outcome.reason}), so it may still be running.`
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

export interface CancelDeps {
  state: RunState
  stopOnCancel: boolean
  /** Absent when the session cannot be stopped from here (no key). */
  devin?: Pick<DevinClient, 'terminateSession'>
  /** Resolves when a comment edit that was already in flight is done. */
  settle?: () => Promise<unknown>
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

/** Marks the run cancelled, stops the session if asked, and writes everything out. Returns the note. */
export async function finalizeCancelled(d: CancelDeps): Promise<string> {
  const { state, log } = d
  const budget = d.budget ?? CANCEL_BUDGET
  const session = state.session
  const following = state.phase === 'waiting'
  let outcome: StopOutcome = { kind: following ? 'kept' : 'ended' }
  let stoppedView: SessionView | undefined
  const settled = d.settle
    ? withTimeout(d.settle(), budget.settleMs, 'the last comment edit').catch(() => undefined)
    : undefined
  if (state.terminated) outcome = { kind: 'stopped' }
  else if (following && session && d.stopOnCancel && d.devin && state.orgId) {
    const stopped = await stopSession(d.devin, state.orgId, session.id, budget.terminateMs)
    outcome = stopped.outcome
    if (outcome.kind === 'stopped') {
      if (stopped.session) stoppedView = toView(stopped.session)
      log.info(`Stopped the Devin session ${session.id} (stop-on-cancel).`)
    } else if (outcome.kind === 'failed') {
      outcome = { kind: 'failed', reason: d.scrub(outcome.reason) }
      log.warning(`Could not stop the Devin session ${session.id}: ${outcome.reason}`)
    }
  }
  await settled
  const note = cancelNote(outcome, d.prefix)
  state.cancelled(note, { stopped: outcome.kind === 'stopped', session: stoppedView, by: d.by })
  // If the final write below runs out of time, the post step finishes from this state.
  d.save?.()
  try {
    await withTimeout(d.finish(), budget.finishMs, 'writing the final comment and summary')
  } catch (err) {
    log.warning(`${errorText(err)}; the post step will finalize the comment.`)
  }
  return note
}
