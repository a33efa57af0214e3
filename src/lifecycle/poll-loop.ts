/**
 * The one polling loop behind every wait (a session: ./wait.ts; a Devin Review:
 * src/review/wait.ts), so both keep the same cadence and the same failure and cancel rules.
 *
 * Polls keep a fixed cadence, one interval apart plus a little late-only jitter (only the last is
 * pulled in to the deadline). A failed poll is tolerated while it may pass (`transient`), backed
 * off, and warned about; too many in a row, or one that will not pass, ends the wait. Comment
 * edits go out between polls through the throttle. Once the workflow is being cancelled nothing
 * more is asked: the loop returns and the cancel guard owns the run.
 */
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { CommentThrottle } from './throttle.js'

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

export type LoopEnd = 'stopped' | 'timeout' | 'cancelled'

export const MAX_CONSECUTIVE_FAILURES = 5

/**
 * The next poll `interval` after the last one started, plus up to 5% (at most 0.5 s) of jitter so
 * runners started together drift apart. Only ever later: polls are never closer than one
 * interval, so what a poll asks is asked at most once per interval in any window.
 */
export function pollDelay(intervalMs: number, random: () => number): number {
  const spread = Math.min(intervalMs * 0.05, 500)
  return Math.round(intervalMs + random() * spread)
}

/** After `failures` failed polls in a row: interval, 2×, 4×… capped at max(interval, 2 min). */
export function failureDelay(intervalMs: number, failures: number): number {
  return Math.min(intervalMs * 2 ** Math.max(0, failures - 1), Math.max(intervalMs, 120_000))
}

interface PollLoop {
  /** One poll; true when what is followed has stopped. */
  poll(): Promise<boolean>
  /** After a poll that found it going on, before the next (a session's messages are read here). */
  between?(): Promise<void>
  /** A failed poll: counted by the caller's state. */
  failed(): void
  /** Whether a failed poll may pass, so that another is worth it. */
  transient(err: unknown): boolean
  /** The wait gives up on `err`: the caller records the end; the loop throws `err` next. */
  lost(err: unknown): void
  /** What the failure warning calls it: `the Devin session`, `Devin Review`. */
  what: string
  intervalMs: number
  started: number
  deadline: number
  comments: CommentThrottle
  clock: () => number
  sleep: Sleep
  random: () => number
  signal: AbortSignal
  log: Pick<Log, 'warning'>
  maxFailures?: number
}

export async function pollLoop(p: PollLoop): Promise<LoopEnd> {
  const { comments, clock, signal, intervalMs, deadline } = p
  const maxFailures = p.maxFailures ?? MAX_CONSECUTIVE_FAILURES
  let failures = 0
  let nextPollAt = Math.min(p.started + pollDelay(intervalMs, p.random), deadline)
  for (;;) {
    const wakeAt = Math.min(nextPollAt, comments.dueAt ?? Infinity)
    const now = clock()
    if (wakeAt > now) await p.sleep(wakeAt - now, signal)
    if (signal.aborted) return 'cancelled'
    await comments.flushIfDue()
    if (signal.aborted) return 'cancelled'
    const pollAt = clock()
    if (pollAt < nextPollAt) continue
    const last = pollAt >= deadline
    let stopped
    try {
      stopped = await p.poll()
      failures = 0
    } catch (err) {
      if (signal.aborted) return 'cancelled'
      p.failed()
      failures++
      if (!p.transient(err) || failures >= maxFailures) {
        p.lost(err)
        throw err
      }
      if (last) return 'timeout'
      const retryIn = failureDelay(intervalMs, failures)
      p.log.warning(
        `Polling ${p.what} failed (${failures}/${maxFailures - 1} tolerated): ${errorText(err)}; trying again in ${Math.round(retryIn / 1000)} s.`
      )
      nextPollAt = Math.min(pollAt + retryIn, deadline)
      continue
    }
    if (signal.aborted) return 'cancelled'
    if (stopped) return 'stopped'
    if (last) return 'timeout'
    await p.between?.()
    if (signal.aborted) return 'cancelled'
    nextPollAt = Math.min(pollAt + pollDelay(intervalMs, p.random), deadline)
  }
}

/** A real sleep that a cancel cuts short. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
