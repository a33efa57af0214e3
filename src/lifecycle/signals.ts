/**
 * Cancellation. When a workflow is cancelled the runner sends SIGINT, then SIGTERM 7.5 s later,
 * then kills the process. The first signal finalizes the run (comment, summary, outputs, state)
 * and, with `stop-on-cancel`, terminates the Devin session, each step under a short bound so the
 * whole of it ends well inside that window. Later signals are swallowed so a second finalization
 * never starts and Node's default handler never kills the first one halfway.
 *
 * Nothing here imports `@actions/core` or an HTTP client: the post step shares this module.
 */
import type { DevinClient, DevinSession } from '../devin/client.js'
import { DevinApiError } from '../devin/types.js'
import type { Log } from '../handoff/prepare.js'
import type { Run } from '../report/reporter.js'
import { toView } from '../session/start.js'
import { scrub } from '../hygiene/scrub.js'

export const CANCEL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

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

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown
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

export interface CancelWatch {
  /** Aborted on the first signal: the waiting loop stops sleeping and stops writing. */
  readonly signal: AbortSignal
  /** Settles once finalization has ended and `exit` was called. */
  readonly done: Promise<void>
  /** Stops listening, unless a signal already came (then later ones must still be swallowed). */
  dispose(): void
}

export interface WatchOptions {
  source?: SignalSource
  exit?: (code: number) => void
  deadlineMs?: number
}

export function watchForCancel(
  finalize: (signal: NodeJS.Signals) => Promise<void>,
  log: Pick<Log, 'info' | 'warning'>,
  opts: WatchOptions = {}
): CancelWatch {
  const source = opts.source ?? process
  const exit = opts.exit ?? ((code: number) => process.exit(code))
  const ac = new AbortController()
  let resolveDone: () => void = () => undefined
  const done = new Promise<void>((resolve) => (resolveDone = resolve))
  let ended = false
  const end = (): void => {
    if (ended) return
    ended = true
    exit(1)
    resolveDone()
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (ac.signal.aborted) {
      log.info(`Received ${signal} again; still finalizing the cancelled run.`)
      return
    }
    ac.abort()
    log.info(`Received ${signal}: the workflow is being cancelled; finalizing the Devin handoff.`)
    const deadline = opts.deadlineMs ?? CANCEL_BUDGET.deadlineMs
    const hard = setTimeout(() => {
      log.warning(`Finalizing took longer than ${deadline} ms; exiting without waiting for it.`)
      end()
    }, deadline)
    finalize(signal)
      .catch((err: unknown) =>
        log.warning(`Finalizing the cancelled run failed: ${errorText(err)}`)
      )
      .finally(() => {
        clearTimeout(hard)
        end()
      })
  }
  for (const s of CANCEL_SIGNALS) source.on(s, onSignal)
  return {
    signal: ac.signal,
    done,
    dispose() {
      if (ac.signal.aborted) return
      for (const s of CANCEL_SIGNALS) source.off(s, onSignal)
    }
  }
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

export interface FinalizeDeps {
  run: Run
  devin: Pick<DevinClient, 'terminateSession'>
  orgId: string
  /** Resolves when a comment edit that was already in flight is done. */
  settle?: () => Promise<unknown>
  log: Pick<Log, 'info' | 'warning'>
  /** Marks the step failed (core.setFailed in the action). */
  fail: (message: string) => void
  budget?: typeof CANCEL_BUDGET
}

/** Marks the run cancelled, stops the session if asked, and writes everything out, quickly. */
export async function finalizeCancelled(d: FinalizeDeps): Promise<void> {
  const { run, log } = d
  const budget = d.budget ?? CANCEL_BUDGET
  const report = run.report
  const session = report.session
  const stillWaiting = report.result === undefined
  let outcome: StopOutcome = { kind: stillWaiting ? 'kept' : 'ended' }
  const settled = d.settle
    ? withTimeout(d.settle(), budget.settleMs, 'the last comment edit').catch(() => undefined)
    : undefined
  if (stillWaiting && session && run.inputs.stopOnCancel && !run.terminated) {
    const stopped = await stopSession(d.devin, d.orgId, session.id, budget.terminateMs)
    outcome = stopped.outcome
    if (outcome.kind === 'stopped') {
      run.terminated = true
      if (stopped.session) report.session = toView(stopped.session)
      log.info(`Stopped the Devin session ${session.id} (stop-on-cancel).`)
    } else if (outcome.kind === 'failed') {
      outcome = { kind: 'failed', reason: scrub(outcome.reason, run.secrets) }
      log.warning(`Could not stop the Devin session ${session.id}: ${outcome.reason}`)
    }
  }
  await settled
  report.cancelled = stillWaiting
  report.note = cancelNote(outcome)
  report.timeline.push({
    at: Date.now(),
    text: outcome.kind === 'stopped' ? 'workflow cancelled; session stopped' : 'workflow cancelled'
  })
  if (report.wait) report.wait.endedAt ??= Date.now()
  // If the final write below runs out of time, the post step finishes from this state.
  run.saveState(false)
  try {
    await withTimeout(run.finish(), budget.finishMs, 'writing the final comment and summary')
  } catch (err) {
    log.warning(`${errorText(err)}; the post step will finalize the comment.`)
  }
  d.fail(report.note)
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
